import itertools

import pytest

from cases.choices import LegalBasis
from tracker.exceptions import DomainValidationError, InvalidTransition, NotPermitted
from tracker.referrals import services
from tracker.referrals.choices import REFERRAL_TRANSITIONS, ReferralStatus
from tracker.referrals.models import Referral
from tracker.referrals.selectors import referrals_visible_to

ACTIONS = {
    ReferralStatus.SENT: lambda r, sender, desk: services.referral_send(actor=sender, referral=r),
    ReferralStatus.ACKNOWLEDGED: lambda r, sender, desk: services.referral_acknowledge(actor=desk, referral=r),
    ReferralStatus.ACCEPTED: lambda r, sender, desk: services.referral_accept(actor=desk, referral=r),
    ReferralStatus.DECLINED: lambda r, sender, desk: services.referral_decline(actor=desk, referral=r, reason="Known"),
    ReferralStatus.CLOSED: lambda r, sender, desk: services.referral_close(actor=desk, referral=r, outcome="Shared"),
    ReferralStatus.REVOKED: lambda r, sender, desk: services.referral_revoke(actor=sender, referral=r, reason="Error"),
}


@pytest.mark.parametrize(
    "source,target", [p for p in itertools.permutations(ReferralStatus.values, 2) if p[1] != ReferralStatus.DRAFT]
)
def test_referral_transition_table(referral, alice, desk, source, target):
    Referral.objects.filter(pk=referral.pk).update(
        status=source, sent_at="2026-01-01T00:00Z", decline_reason="x", outcome="x"
    )
    referral.refresh_from_db()
    if target in REFERRAL_TRANSITIONS[source]:
        assert ACTIONS[target](referral, alice, desk).status == target
    else:
        with pytest.raises(InvalidTransition):
            ACTIONS[target](referral, alice, desk)


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
