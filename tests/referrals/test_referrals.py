import pytest

from cases.choices import LegalBasis
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral
from referrals.selectors import referrals_visible_to
from tests.workflows import check_step, pairs, path_to
from tracker.exceptions import DomainValidationError, InvalidTransition, NotPermitted

ACTIONS = {  # the service that takes each step, called as ``actor``
    "sent": lambda r, actor: services.referral_send(actor=actor, referral=r),
    "acknowledged": lambda r, actor: services.referral_acknowledge(actor=actor, referral=r),
    "accepted": lambda r, actor: services.referral_accept(actor=actor, referral=r),
    "declined": lambda r, actor: services.referral_decline(actor=actor, referral=r, reason="Known"),
    "closed": lambda r, actor: services.referral_close(actor=actor, referral=r, outcome="Shared"),
    "revoked": lambda r, actor: services.referral_revoke(actor=actor, referral=r, reason="Error"),
}


# DOMAIN.md: a referral "is acknowledged by the contact point, accepted or declined, and tracked
# until closed". The sending unit drafts and sends it, and may revoke it until the contact point
# has decided; every other step is the contact point's desk's.
REFERRAL_WORKFLOW = {
    "draft": {"sent"},
    "sent": {"acknowledged", "revoked"},
    "acknowledged": {"accepted", "declined", "revoked"},
    "accepted": {"closed"},
    "declined": set(),
    "closed": set(),
    "revoked": set(),
}
TAKEN_BY_SENDER = {"sent", "revoked"}
STEPS = ["sent", "acknowledged", "accepted", "declined", "closed", "revoked"]  # "draft" only by creating one


def test_the_workflow_table_names_every_referral_status():
    assert set(REFERRAL_WORKFLOW) == set(ReferralStatus.values)


@pytest.mark.parametrize("source,target", pairs(REFERRAL_WORKFLOW, targets=STEPS))
def test_a_referral_moves_exactly_as_the_domain_says(referral, alice, desk, source, target):
    def step(r, to):
        return ACTIONS[to](r, alice if to in TAKEN_BY_SENDER else desk)

    check_step(
        REFERRAL_WORKFLOW,
        "draft",
        source,
        target,
        make=lambda: referral,
        step=step,
        status_of=lambda r: Referral.objects.get(pk=r.pk).status,
    )


@pytest.mark.parametrize("target", STEPS)
def test_each_step_is_taken_only_by_its_side(referral, alice, desk, target):
    """The sender's steps are refused to the desk, the desk's to the sender."""
    source = next(state for state, following in REFERRAL_WORKFLOW.items() if target in following)
    for state in path_to(REFERRAL_WORKFLOW, "draft", source):
        referral = ACTIONS[state](referral, alice if state in TAKEN_BY_SENDER else desk)
    wrong_side = desk if target in TAKEN_BY_SENDER else alice
    with pytest.raises(NotPermitted):
        ACTIONS[target](referral, wrong_side)
    assert Referral.objects.get(pk=referral.pk).status == source


def test_the_sender_cannot_act_for_the_contact_point(referral, alice, desk):
    sent = services.referral_send(actor=alice, referral=referral)
    assert sent.acknowledgement_due_on is not None
    with pytest.raises(NotPermitted):
        services.referral_acknowledge(actor=alice, referral=sent)
    with pytest.raises(NotPermitted):
        services.referral_revoke(actor=desk, referral=sent, reason="no")


def test_declining_needs_a_reason_and_revoking_stops_at_acceptance(referral, alice, desk):
    sent = services.referral_send(actor=alice, referral=referral)
    acknowledged = services.referral_acknowledge(actor=desk, referral=sent)
    with pytest.raises(DomainValidationError):
        services.referral_decline(actor=desk, referral=acknowledged, reason="")
    accepted = services.referral_accept(actor=desk, referral=acknowledged)
    with pytest.raises(InvalidTransition):
        services.referral_revoke(actor=alice, referral=accepted, reason="Too late")


def test_a_contact_point_only_receives_its_topics(labour_case, alice, ncp):
    ncp.topics = ["organised_crime"]
    ncp.save()
    with pytest.raises(DomainValidationError) as exc:
        services.referral_create(
            actor=alice,
            case=labour_case,
            contact_point=ncp,
            category="migrant_trafficking",
            summary="s",
            legal_basis=LegalBasis.POLICE_REGISTER_ACT,
        )
    assert "category" in exc.value.errors


def test_the_desk_sees_sent_referrals_but_not_drafts_or_the_case(referral, alice, desk, dave):
    from cases.selectors import cases_visible_to

    assert referral not in referrals_visible_to(desk)
    services.referral_send(actor=alice, referral=referral)
    assert referral in referrals_visible_to(desk)
    assert referral.case not in cases_visible_to(desk)
    assert referral not in referrals_visible_to(dave)
