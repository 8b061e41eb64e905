"""Who is told of each event type, held against what each persona may see.

Every type in EVENT_TYPES is produced here through the services that write it, dispatched, and
its notifications compared with two things: the people the type is meant for (EXPECTED), and
the feed's SQL visibility rule for every persona (nobody is told what they may not see)."""

import datetime

from django.utils import timezone

from agencies.choices import UnitRole
from agencies.models import SanctionKind
from cases import services as cases
from cases.choices import Visibility
from cases.models import CaseTransfer
from controls import services as controls
from notifications import reminders, services, webhooks
from notifications.models import Notification
from notifications.selectors import notifications_for, unread_count
from referrals import services as referrals
from referrals.models import Referral
from tests.factories import case_kwargs, officer
from tracker.events import event_visibility_q
from tracker.models import Event

# The people each type is for, among the personas of tests/conftest.py and "bea", the Bergen
# coordinator who decides on transfers into her unit. The case is Labour's, with Tax taking
# part, in Oslo; alice (Labour) does most things, so she is rarely told of them.
EXPECTED = {
    "case.created": {"bob"},
    "case.updated": {"bob"},
    "case.transitioned": {"bob"},
    "case.assigned": {"bob"},  # carol (coordinator) puts bob on the case
    "case.unassigned": {"bob"},
    "case.subject_added": {"bob"},
    "case.subject_removed": {"bob"},
    "case.transfer_requested": {"bea"},  # the receiving unit's coordinator decides
    "case.transferred": set(),  # bea accepts; nobody of Labour or Tax serves in Bergen
    "journal.shared": {"bob"},
    "journal.added": set(),  # kept to Labour: a private note tells nobody
    "task.created": set(),  # nobody assigned
    "task.assigned": {"bob"},
    "task.due": {"bob"},
    "control.planned": {"alice", "bob"},  # planned by carol with Labour and Tax
    "control.officer_booked": {"alice"},  # booked by root
    "control.changed": {"alice"},  # the officers booked on it
    "control.transitioned": {"alice"},
    "control.reminder": {"alice"},
    "control.finding_recorded": {"alice"},  # recorded by bob
    "control.completed": {"alice"},
    "control.cancelled": {"alice"},  # another control, alice booked on it too
    "referral.sent": {"desk"},  # the contact point's desk officers
    "referral.acknowledged": {"alice", "bob"},  # by the desk, to the case's people
    "referral.accepted": {"alice", "bob"},
    "referral.declined": {"alice", "bob"},
    "referral.closed": {"alice", "bob"},
    "referral.revoked": {"bob", "desk"},  # by alice: the desk had it in its queue
    "referral.overdue": {"carol", "desk"},  # escalated to the desk and the unit's coordinator
}


def produce_every_event_type(alice, bob, carol, bea, root, ncp, osl, bgo):
    case = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    cases.case_update(actor=alice, case=case, title="Cleaning firm, second site")
    cases.case_transition(actor=alice, case=case, to="assessment")
    assignment = cases.case_assign(actor=carol, case=case, officer=bob)
    cases.case_unassign(actor=carol, assignment=assignment)
    person = cases.person_upsert(actor=alice, case=case, name="Ana Worker")
    link = cases.case_add_subject(actor=alice, case=case, role="worker", person=person)
    cases.case_remove_subject(actor=alice, link=link)
    cases.journal_add(actor=alice, case=case, body="Shared with the unit", visibility=Visibility.UNIT,
                      legal_basis="akrim_regulation_3", necessity_note="Tax needs the payroll picture")  # fmt: skip
    cases.journal_add(actor=alice, case=case, body="Labour only", visibility=Visibility.AGENCY)
    cases.task_create(actor=alice, case=case, title="Unassigned")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    cases.task_create(actor=alice, case=case, title="Visit", assignee=bob, due_on=tomorrow)
    assert reminders.tasks_due_tomorrow() == 1

    moving = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"], title="Moving"))
    cases.transfer_request(actor=alice, case=moving, to_unit=bgo, reason="The firm moved to Bergen")
    cases.transfer_decide(actor=bea, transfer=CaseTransfer.objects.get(case=moving), accept=True)

    soon = timezone.now() + datetime.timedelta(hours=1)
    control = controls.control_plan(actor=carol, unit=osl, title="Night control", starts_at=soon,
                                    ends_at=soon + datetime.timedelta(hours=3), agencies=["LABOUR", "TAX"])  # fmt: skip
    controls.control_book_officer(actor=root, control=control, officer=alice)
    control = controls.control_update(actor=carol, control=control, title="Night control, two sites")
    assert reminders.control_reminders() >= 1
    control = controls.control_transition(actor=carol, control=control, to="confirmed")
    control = controls.control_transition(actor=carol, control=control, to="in_progress")
    controls.finding_record(actor=bob, control=control, sanction_kind=SanctionKind.objects.get(code="book-audit"))
    controls.control_transition(actor=carol, control=control, to="completed")
    later = timezone.now() + datetime.timedelta(days=10)
    other = controls.control_plan(actor=carol, unit=osl, title="Day control", starts_at=later,
                                  ends_at=later + datetime.timedelta(hours=3), agencies=["LABOUR", "TAX"])  # fmt: skip
    controls.control_book_officer(actor=root, control=other, officer=alice)
    controls.control_transition(actor=carol, control=other, to="cancelled", reason="Weather")

    def sent():
        referral = referrals.referral_create(actor=alice, case=case, contact_point=ncp, category="organised_crime",
                                             summary="s", legal_basis="police_register_act")  # fmt: skip
        return referrals.referral_send(actor=alice, referral=referral)

    referral = referrals.referral_acknowledge(actor=desk_of(ncp), referral=sent())
    referral = referrals.referral_accept(actor=desk_of(ncp), referral=referral)
    referrals.referral_close(actor=desk_of(ncp), referral=referral, outcome="Passed on to Europol")
    declined = referrals.referral_acknowledge(actor=desk_of(ncp), referral=sent())
    referrals.referral_decline(actor=desk_of(ncp), referral=declined, reason="Not organised crime")
    referrals.referral_revoke(actor=alice, referral=sent(), reason="Sent by mistake")
    overdue = sent()
    Referral.objects.filter(pk=overdue.pk).update(acknowledgement_due_on=timezone.localdate() - datetime.timedelta(1))
    assert reminders.escalate_overdue_referrals() == 1


def desk_of(ncp):
    return ncp.desk_officers.get()


def test_every_event_type_reaches_its_people_and_nobody_who_may_not_see_it(
    alice, bob, carol, dave, erin, desk, root, ncp, osl, bgo
):
    bea = officer("bea", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)
    personas = [alice, bob, carol, dave, erin, desk, root, bea]
    produce_every_event_type(alice, bob, carol, bea, root, ncp, osl, bgo)
    events = list(Event.objects.order_by("pk"))
    assert {e.type for e in events} == set(webhooks.EVENT_TYPES) == EXPECTED.keys()
    while services.dispatch(events[-1].pk):
        pass
    may_see = {
        p.username: set(Event.objects.filter(event_visibility_q(p)).values_list("pk", flat=True)) for p in personas
    }
    for event in events:
        told = set(Notification.objects.filter(event=event).values_list("recipient__username", flat=True))
        assert told == EXPECTED[event.type], (event.type, told)
        for username in told:
            assert event.pk in may_see[username], (event.type, username)
    # Those told of a case they do not see are shown it all the same: a notification naming a case
    # the reader does not see is hidden (as when a case moves away), so the desk (a referral) and a
    # receiving coordinator (a transfer) get theirs without the case, counted in the header.
    for person in (desk, bea):
        told = Notification.objects.filter(recipient=person)
        assert [n.pk for n in notifications_for(person)] == [n.pk for n in told.order_by("-created_at", "pk")]
        assert unread_count(person) == told.count(), person.username
    assert not Notification.objects.filter(recipient__in=[desk, bea], case__isnull=False).exists()
    # The desk sees its referrals in its feed too: the events name the contact point by its code.
    assert {e.type for e in events if e.pk in may_see["desk"]} == {t for t in EXPECTED if t.startswith("referral.")}
