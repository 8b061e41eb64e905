import itertools

import pytest
from django.db import transaction

from cases import services
from cases.choices import CASE_TRANSITIONS, CaseOutcome, CaseStatus, JournalKind
from cases.models import Case
from tests.factories import case_kwargs
from tracker.exceptions import DomainValidationError, InvalidTransition, NotPermitted
from tracker.models import AuditEntry, Event

ALL_PAIRS = list(itertools.permutations(CaseStatus.values, 2))


def put_in(case: Case, status: str) -> Case:
    Case.objects.filter(pk=case.pk).update(status=status, outcome=CaseOutcome.OTHER if status == "closed" else "")
    return Case.objects.get(pk=case.pk)


@pytest.mark.parametrize("source,target", ALL_PAIRS)
def test_case_transition_table(labour_case, carol, source, target):
    case = put_in(labour_case, source)
    allowed = target in CASE_TRANSITIONS[source]
    if allowed:
        case = services.case_transition(actor=carol, case=case, to=target, outcome=CaseOutcome.SANCTIONED)
        assert case.status == target
    else:
        with pytest.raises(InvalidTransition):
            services.case_transition(actor=carol, case=case, to=target, outcome=CaseOutcome.SANCTIONED)
        assert Case.objects.get(pk=case.pk).status == source


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
