"""The rules the case pages added, where they live: selectors, permissions, services, wording.

Some rules live twice, once per user in Python and once per case in SQL; each pair is tied
together here by asking both about every persona.
"""

import pytest
from django.utils import translation

from agencies.models import User
from cases import services
from cases.choices import CaseStatus, LegalBasis, SubjectRole, TaskStatus, Visibility
from cases.history import case_history_lines
from cases.messages import for_people, system_record
from cases.permissions import can_work_on_case, may_assign, transitions_for
from cases.selectors import (
    assignable_officers,
    case_history,
    case_viewers,
    case_workers,
    cases_visible_to,
    journal_timeline,
)
from tests.factories import case_kwargs, identity_number, officer
from tracker import audit
from tracker.exceptions import DomainValidationError, InvalidTransition
from tracker.models import Event

PERSONAS = ["alice", "bob", "carol", "dave", "erin", "nina", "lars"]


@pytest.fixture
def everyone(alice, bob, carol, dave, erin):
    # nina: a NAV case officer in Oslo; lars: a second Labour officer in Oslo.
    extra = {"nina": officer("nina", "NAV"), "lars": officer("lars", "LABOUR")}
    people = {"alice": alice, "bob": bob, "carol": carol, "dave": dave, "erin": erin, **extra}
    return [people[name] for name in PERSONAS]


def test_the_people_who_see_a_case_are_those_it_is_visible_to(everyone, labour_case):
    viewers = set(case_viewers(labour_case))
    for person in everyone:
        fresh = User.objects.get(pk=person.pk)  # no cached roles
        assert (person in viewers) == cases_visible_to(fresh).filter(pk=labour_case.pk).exists(), person.username


def test_the_people_who_may_work_a_case_are_those_permissions_let_work_it(everyone, labour_case):
    workers = set(case_workers(labour_case))
    for person in everyone:
        assert (person in workers) == can_work_on_case(User.objects.get(pk=person.pk), labour_case), person.username


@pytest.mark.parametrize("actor_name", PERSONAS)
def test_whom_someone_may_assign_matches_the_assignment_rule(everyone, labour_case, actor_name):
    actor = everyone[PERSONAS.index(actor_name)]
    offered = set(assignable_officers(actor, labour_case))
    for person in everyone:
        allowed = can_work_on_case(person, labour_case) and may_assign(actor, labour_case, person)
        assert (person in offered) == allowed, (actor_name, person.username)


def test_an_officer_on_the_case_is_not_offered_again(alice, labour_case):
    services.case_assign(actor=alice, case=labour_case, officer=alice)
    assert alice not in set(assignable_officers(alice, labour_case))


def test_only_a_coordinator_is_offered_to_reopen_a_closed_case(alice, carol, erin, labour_case):
    assert transitions_for(alice, labour_case) == (CaseStatus.ASSESSMENT, CaseStatus.CLOSED)
    assert transitions_for(erin, labour_case) == ()  # an auditor reads, does not work
    case = services.case_transition(actor=alice, case=labour_case, to=CaseStatus.CLOSED, outcome="no_basis")
    assert transitions_for(alice, case) == ()
    assert transitions_for(carol, case) == (CaseStatus.ASSESSMENT, CaseStatus.ACTIVE)


# --- task_assign -----------------------------------------------------------------------------


def test_a_task_is_given_to_someone_else_with_an_audit_row_and_an_event(alice, bob, labour_case):
    task = services.task_create(actor=alice, case=labour_case, title="Ring arbeidsgiver")
    services.task_assign(actor=alice, task=task, assignee=bob)
    task.refresh_from_db()
    assert task.assignee == bob
    event = Event.objects.filter(type="task.assigned").latest("id")
    assert event.payload["assignee"] == str(bob.pk) and event.payload["reference"] == labour_case.reference
    entry = case_history(labour_case).filter(action="task.assign").get()
    assert entry.before["assignee"] is None and entry.after["assignee"] == str(bob.pk)


def test_a_task_is_not_given_to_someone_who_cannot_see_the_case(alice, dave, labour_case):
    task = services.task_create(actor=alice, case=labour_case, title="Ring")
    with pytest.raises(DomainValidationError) as exc:
        services.task_assign(actor=alice, task=task, assignee=dave)
    assert "assignee" in exc.value.errors
    task.refresh_from_db()
    assert task.assignee is None


def test_a_closed_task_is_not_reassigned(alice, bob, labour_case):
    task = services.task_create(actor=alice, case=labour_case, title="Ring")
    services.task_set_status(actor=alice, task=task, status=TaskStatus.DONE)
    with pytest.raises(InvalidTransition):
        services.task_assign(actor=alice, task=task, assignee=bob)


# --- the journal timeline ----------------------------------------------------------------------


def test_the_timeline_withholds_another_agencys_unshared_entry_in_the_query(alice, bob, labour_case):
    services.journal_add(actor=bob, case=labour_case, body="Tax secret")
    services.journal_add(
        actor=bob,
        case=labour_case,
        body="Shared",
        visibility=Visibility.UNIT,
        legal_basis=LegalBasis.AKRIM_REGULATION_3,
        necessity_note="Needed.",
    )
    by_text = {e.text: e for e in journal_timeline(alice, labour_case)}
    withheld = [e for e in journal_timeline(alice, labour_case) if not e.readable]
    assert len(withheld) == 1
    entry = withheld[0]
    assert (entry.text, entry.author_name, entry.basis, entry.necessity) == ("", "", "", "")
    assert entry.agency.code == "TAX" and entry.shown_attachments == []
    assert "body" not in entry.__dict__  # never read from the database
    assert by_text["Shared"].basis == LegalBasis.AKRIM_REGULATION_3
    assert "Tax secret" in {e.text for e in journal_timeline(bob, labour_case)}


# --- history -----------------------------------------------------------------------------------


def test_the_history_tells_removed_subjects_and_officers_in_plain_words_without_journal_content(
    alice, bob, labour_case
):
    colleague = officer("lars", "LABOUR")
    org = services.organisation_upsert(actor=alice, case=labour_case, organisation_number="988077917", name="Fjord AS")
    link = services.case_add_subject(actor=alice, case=labour_case, organisation=org, role=SubjectRole.EMPLOYER)
    services.case_remove_subject(actor=alice, link=link)
    assignment = services.case_assign(actor=alice, case=labour_case, officer=colleague)
    services.case_unassign(actor=alice, assignment=assignment)
    services.journal_add(actor=bob, case=labour_case, body="Tax secret")
    services.case_update(actor=alice, case=labour_case, priority="high", summary="Longer text")
    # Looking changes nothing: views and numbers shown are for the auditors' search, not the history.
    audit.record_access(actor=bob, action="case.view", obj=labour_case, detail={"via": "web"})
    person = services.person_upsert(actor=alice, case=labour_case, name="Ana", id_number=identity_number())
    reveal = {"reason": "Checking who it is", "case": str(labour_case.pk)}
    audit.record_access(actor=alice, action="subject.reveal", obj=person, detail=reveal)
    with translation.override("en"):
        lines = [line.what for line in case_history_lines(labour_case, case_history(labour_case))]
    assert lines == [
        "Changed summary; priority from normal to high.",
        "Wrote a journal note for their own agency.",
        f"Took {colleague.get_full_name()} off the case.",
        f"Put {colleague.get_full_name()} on the case.",
        "Unlinked Fjord AS (employer).",
        "Linked Fjord AS as employer.",
        "Registered the case.",
    ]
    assert not any("Tax secret" in line for line in lines)


def test_another_units_case_history_is_not_mixed_in(alice, dave, bgo, labour_case):
    other = services.case_create(
        actor=dave, unit=bgo, **case_kwargs(title="Bergen", lead_agency="POLICE", agencies=["POLICE"])
    )
    services.task_create(actor=dave, case=other, title="Bergen task")
    assert {e.object_id for e in case_history(labour_case)} == {str(labour_case.pk)}


# --- messages ----------------------------------------------------------------------------------


def test_service_messages_and_system_records_are_shown_in_the_readers_language():
    with translation.override("nb"):
        assert for_people("Dismissing a tip needs a reason.") == "Oppgi en begrunnelse for å henlegge tipset."
        assert for_people("Fjord AS is already linked to this case as employer.") == (
            "Fjord AS er allerede knyttet til saken som arbeidsgiver."
        )
        assert system_record("Status changed from received to under assessment. Needs a look.") == (
            "Status endret: mottatt → til vurdering. Needs a look."
        )
        assert system_record("Tip received 2026-11-02 merged into the case.") == (
            "Tips mottatt 02.11.2026 slått sammen med saken."
        )
        assert system_record("Something we never wrote.") == "Something we never wrote."
    with translation.override("en"):
        assert for_people("Dismissing a tip needs a reason.") == "Dismissing a tip needs a reason."


def test_services_called_from_the_pages_record_in_english(client, alice, labour_case):
    """The journal and audit read the same whoever wrote them: the pages call services in English."""
    client.force_login(alice)  # her pages are in Bokmål
    client.post(f"/cases/{labour_case.pk}/status/", {"to": "assessment"})
    record = labour_case.journal.filter(kind="system").latest("created_at")
    assert record.body == "Status changed from received to under assessment."
