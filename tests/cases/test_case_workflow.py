import pytest
from django.db import transaction

from agencies.choices import UnitRole
from cases import services
from cases.choices import CaseOutcome, CaseStatus, JournalKind, TipStatus, TransferStatus
from cases.models import Case, CaseTransfer, Tip
from tests.factories import CaseFactory, CaseTransferFactory, TipFactory, case_kwargs, officer
from tests.workflows import check_step, pairs
from tracker.exceptions import DomainValidationError, NotPermitted
from tracker.models import AuditEntry, Event

# DOMAIN.md: received → under assessment → active → closed (with an outcome); a case may be
# closed at any point (no basis, merged, handled elsewhere), and a coordinator may reopen a
# closed case to assessment or to active work. Never back to "received".
CASE_WORKFLOW = {
    "received": {"assessment", "closed"},
    "assessment": {"active", "closed"},
    "active": {"closed"},
    "closed": {"assessment", "active"},
}


def test_the_workflow_table_names_every_case_status():
    assert set(CASE_WORKFLOW) == set(CaseStatus.values)


@pytest.mark.parametrize("source,target", pairs(CASE_WORKFLOW))
def test_a_case_moves_exactly_as_the_domain_says(alice, osl, carol, source, target):
    check_step(
        CASE_WORKFLOW,
        "received",
        source,
        target,
        make=lambda: CaseFactory(actor=alice, unit=osl, agencies=["LABOUR", "TAX"]),
        # carol coordinates the unit, so she may also reopen
        step=lambda case, to: services.case_transition(actor=carol, case=case, to=to, outcome=CaseOutcome.SANCTIONED),
        status_of=lambda case: Case.objects.get(pk=case.pk).status,
    )


def test_it_refuses_to_close_a_case_without_an_outcome(labour_case, alice):
    with pytest.raises(DomainValidationError) as exc:
        services.case_transition(actor=alice, case=labour_case, to=CaseStatus.CLOSED)
    assert "outcome" in exc.value.errors
    assert Case.objects.get(pk=labour_case.pk).status == CaseStatus.RECEIVED


def test_only_a_coordinator_may_reopen_a_case(labour_case, alice, carol):
    closed = services.case_transition(actor=alice, case=labour_case, to=CaseStatus.CLOSED, outcome=CaseOutcome.NO_BASIS)
    with pytest.raises(NotPermitted):
        services.case_transition(actor=alice, case=closed, to=CaseStatus.ACTIVE)
    reopened = services.case_transition(actor=carol, case=closed, to=CaseStatus.ACTIVE)
    assert reopened.status == CaseStatus.ACTIVE
    assert reopened.outcome == ""


def test_a_transition_is_journaled_audited_and_emitted_in_one_go(labour_case, alice):
    before_version = labour_case.version
    case = services.case_transition(actor=alice, case=labour_case, to=CaseStatus.ASSESSMENT)
    assert case.version == before_version + 1
    entry = AuditEntry.objects.filter(object_id=str(case.pk), action="case.transition").get()
    assert entry.before["status"] == "received" and entry.after["status"] == "assessment"
    assert entry.actor == alice and entry.actor_agency.code == "LABOUR"
    event = Event.objects.filter(object_id=str(case.pk), type="case.transitioned").get()
    assert event.payload["to"] == "assessment"
    assert event.agencies == ["LABOUR", "TAX"] and event.unit_id == case.unit_id
    assert case.journal.filter(kind=JournalKind.SYSTEM, body__contains="under assessment").exists()


def test_a_rolled_back_change_leaves_no_event_or_audit_row(labour_case, alice):
    events, audits = Event.objects.count(), AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.case_transition(actor=alice, case=labour_case, to=CaseStatus.ASSESSMENT)
        raise RuntimeError("the surrounding work failed")
    assert (Event.objects.count(), AuditEntry.objects.count()) == (events, audits)
    assert Case.objects.get(pk=labour_case.pk).status == CaseStatus.RECEIVED


def test_a_stale_version_is_refused(labour_case, alice):
    from tracker.exceptions import Conflict

    with pytest.raises(Conflict):
        services.case_update(actor=alice, case=labour_case, expected_version=labour_case.version + 5, title="x")


def test_an_officer_of_another_unit_may_not_act(labour_case, dave):
    with pytest.raises(NotPermitted):
        services.case_transition(actor=dave, case=labour_case, to=CaseStatus.ASSESSMENT)


def test_an_officer_of_a_non_participating_agency_may_not_act(labour_case, reference):
    from tests.factories import officer

    nav = officer("nina", "NAV")
    with pytest.raises(NotPermitted):
        services.case_transition(actor=nav, case=labour_case, to=CaseStatus.ASSESSMENT)


def test_references_are_per_unit_and_year(alice, osl):
    first = services.case_create(actor=alice, unit=osl, **case_kwargs())
    second = services.case_create(actor=alice, unit=osl, **case_kwargs())
    assert first.reference == f"OSL-{first.year}-00001"
    assert second.reference == f"OSL-{first.year}-00002"


def test_bad_case_input_is_refused_with_the_field_named(alice, osl):
    with pytest.raises(DomainValidationError) as exc:
        services.case_create(actor=alice, unit=osl, **case_kwargs(sector="99.99"))
    assert "sector" in exc.value.errors
    with pytest.raises(DomainValidationError) as exc:
        services.case_create(actor=alice, unit=osl, **case_kwargs(offences=["jaywalking"]))
    assert "offences" in exc.value.errors
    with pytest.raises(DomainValidationError) as exc:
        services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "NOPE"]))
    assert "agencies" in exc.value.errors
    assert not Case.objects.exists()


def test_the_audit_row_of_a_closing_holds_the_state_before_and_after(labour_case, alice):
    case = services.case_transition(
        actor=alice, case=labour_case, to=CaseStatus.CLOSED, outcome=CaseOutcome.SANCTIONED, note="Fines imposed"
    )
    entry = AuditEntry.objects.get(object_id=str(case.pk), action="case.transition")
    assert (entry.before["status"], entry.before["outcome"]) == ("received", "")
    assert (entry.after["status"], entry.after["outcome"], entry.after["outcome_note"]) == (
        "closed",
        "sanctioned",
        "Fines imposed",
    )


# DOMAIN.md: tips "are triaged, and are promoted to a new case, merged into an existing one, or
# dismissed with a reason" — once, each of those final.
TIP_WORKFLOW = {"new": {"promoted", "merged", "dismissed"}, "promoted": set(), "merged": set(), "dismissed": set()}


def test_the_workflow_table_names_every_tip_status():
    assert set(TIP_WORKFLOW) == set(TipStatus.values)


@pytest.mark.parametrize("source,target", pairs(TIP_WORKFLOW, targets=["promoted", "merged", "dismissed"]))
def test_a_tip_is_triaged_once_as_the_domain_says(alice, osl, labour_case, source, target):
    fields = case_kwargs(title="Promoted tip")
    del fields["source"], fields["received_on"]
    triage = {
        "promoted": lambda tip: services.tip_promote(actor=alice, tip=tip, **fields),
        "merged": lambda tip: services.tip_merge(actor=alice, tip=tip, case=labour_case),
        "dismissed": lambda tip: services.tip_dismiss(actor=alice, tip=tip, reason="Not our field"),
    }

    def step(tip, to):
        triage[to](tip)
        return Tip.objects.get(pk=tip.pk)

    check_step(
        TIP_WORKFLOW,
        "new",
        source,
        target,
        make=lambda: TipFactory(actor=alice, unit=osl),
        step=step,
        status_of=lambda tip: Tip.objects.get(pk=tip.pk).status,
    )


# A transfer to another unit is pending until that unit's coordinator accepts or refuses it.
TRANSFER_WORKFLOW = {"pending": {"accepted", "refused"}, "accepted": set(), "refused": set()}


def test_the_workflow_table_names_every_transfer_status():
    assert set(TRANSFER_WORKFLOW) == set(TransferStatus.values)


@pytest.mark.parametrize("source,target", pairs(TRANSFER_WORKFLOW, targets=["accepted", "refused"]))
def test_a_transfer_is_decided_once_as_the_domain_says(alice, labour_case, bgo, source, target):
    bergen_coordinator = officer("bergen-coordinator", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)

    def step(transfer, to):
        accept = to == "accepted"
        return services.transfer_decide(actor=bergen_coordinator, transfer=transfer, accept=accept, note="No room")

    check_step(
        TRANSFER_WORKFLOW,
        "pending",
        source,
        target,
        make=lambda: CaseTransferFactory(actor=alice, case=labour_case, to_unit=bgo),
        step=step,
        status_of=lambda transfer: CaseTransfer.objects.get(pk=transfer.pk).status,
    )
