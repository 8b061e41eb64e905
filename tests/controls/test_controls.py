import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.models import SanctionKind
from controls import services
from controls.choices import ControlStatus
from controls.models import ControlOfficer, Finding, JointControl
from controls.selectors import controls_visible_to
from tests.factories import JointControlFactory, officer
from tests.processes import run_concurrently
from tests.workflows import check_step, pairs
from tracker.exceptions import Conflict, DomainValidationError, InvalidTransition, NotPermitted

T0 = timezone.make_aware(datetime.datetime(2027, 3, 1, 8, 0))


def plan(actor, unit, start=T0, hours=4, **kw):
    kw.setdefault("agencies", ["LABOUR", "TAX", "POLICE"])
    return services.control_plan(
        actor=actor,
        unit=unit,
        title="Construction sites, Bjørvika",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
        sites=[{"address": "Dronning Eufemias gate 1", "latitude": Decimal("59.907"), "longitude": Decimal("10.758")}],
        **kw,
    )


# DOMAIN.md: a control is planned, briefed (confirmed), carried out and followed up; findings
# are recorded once it is carried out. A confirmed control may go back to planning, and one not
# yet under way may be called off; a control under way or done is never cancelled.
CONTROL_WORKFLOW = {
    "planned": {"confirmed", "cancelled"},
    "confirmed": {"in_progress", "planned", "cancelled"},
    "in_progress": {"completed"},
    "completed": {"followed_up"},
    "followed_up": set(),
    "cancelled": set(),
}


def test_the_workflow_table_names_every_control_status():
    assert set(CONTROL_WORKFLOW) == set(ControlStatus.values)


@pytest.mark.parametrize("source,target", pairs(CONTROL_WORKFLOW))
def test_a_control_moves_exactly_as_the_domain_says(carol, osl, source, target):
    check_step(
        CONTROL_WORKFLOW,
        "planned",
        source,
        target,
        make=lambda: JointControlFactory(actor=carol, unit=osl),
        step=lambda control, to: services.control_transition(actor=carol, control=control, to=to, reason="Called off"),
        status_of=lambda control: JointControl.objects.get(pk=control.pk).status,
    )


def test_cancelling_needs_a_reason(carol, osl):
    control = plan(carol, osl)
    with pytest.raises(DomainValidationError):
        services.control_transition(actor=carol, control=control, to=ControlStatus.CANCELLED)


def test_a_control_must_end_after_it_starts(carol, osl):
    with pytest.raises(DomainValidationError, match="end after it starts"):
        plan(carol, osl, hours=-1)
    assert not JointControl.objects.exists()


def test_an_officer_cannot_be_booked_on_two_overlapping_controls(carol, alice, osl):
    first, second = plan(carol, osl), plan(carol, osl, start=T0 + datetime.timedelta(hours=2))
    later = plan(carol, osl, start=T0 + datetime.timedelta(hours=4))  # starts when the first ends
    services.control_book_officer(actor=alice, control=first, officer=alice)
    with pytest.raises(Conflict, match="already booked"):
        services.control_book_officer(actor=alice, control=second, officer=alice)
    services.control_book_officer(actor=alice, control=later, officer=alice)
    assert ControlOfficer.objects.filter(officer=alice).count() == 2


def test_moving_a_control_onto_a_booked_officer_is_refused(carol, alice, osl):
    first, second = plan(carol, osl), plan(carol, osl, start=T0 + datetime.timedelta(days=1))
    services.control_book_officer(actor=alice, control=first, officer=alice)
    services.control_book_officer(actor=alice, control=second, officer=alice)
    with pytest.raises(Conflict):
        services.control_update(
            actor=carol,
            control=second,
            starts_at=T0 + datetime.timedelta(hours=1),
            ends_at=T0 + datetime.timedelta(hours=3),
        )
    second.refresh_from_db()
    assert second.starts_at == T0 + datetime.timedelta(days=1)


def test_a_cancelled_control_frees_its_officers(carol, alice, osl):
    first, second = plan(carol, osl), plan(carol, osl)
    services.control_book_officer(actor=alice, control=first, officer=alice)
    services.control_transition(actor=carol, control=first, to=ControlStatus.CANCELLED, reason="Weather")
    services.control_book_officer(actor=alice, control=second, officer=alice)


def test_each_agency_decides_who_it_sends(carol, alice, bob, osl):
    control = plan(carol, osl)
    with pytest.raises(NotPermitted):
        services.control_book_officer(actor=alice, control=control, officer=bob)
    customs = officer("cecilie", "CUSTOMS")
    with pytest.raises(DomainValidationError, match="does not take part"):
        services.control_book_officer(actor=customs, control=control, officer=customs)


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_one_officer_on_overlapping_controls_let_exactly_one_through(carol, alice, osl):
    controls = [plan(carol, osl, start=T0 + datetime.timedelta(minutes=30 * i)) for i in range(4)]
    results = run_concurrently(
        "tests.concurrent_jobs.book_officer", [("alice", str(control.pk), "alice") for control in controls]
    )
    statuses = sorted(status for status, _ in results)
    assert statuses == ["error", "error", "error", "ok"], results
    assert all("already booked" in value for status, value in results if status == "error")
    assert ControlOfficer.objects.filter(officer=alice).count() == 1


def test_findings_follow_each_agencys_sanction_list(carol, alice, bob, osl):
    control = plan(carol, osl)
    order = SanctionKind.objects.get(agency__code="LABOUR", code="order")
    fine = SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    reassessment = SanctionKind.objects.get(agency__code="TAX", code="reassessment")
    with pytest.raises(InvalidTransition):
        services.finding_record(actor=alice, control=control, sanction_kind=order)
    for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
        control = services.control_transition(actor=carol, control=control, to=step)
    services.finding_record(actor=alice, control=control, sanction_kind=order, persons_count=3)
    services.finding_record(actor=alice, control=control, sanction_kind=fine, amount_nok=Decimal("75000"))
    with pytest.raises(DomainValidationError, match="not a sanction LABOUR can impose"):
        services.finding_record(actor=alice, control=control, sanction_kind=reassessment)
    with pytest.raises(DomainValidationError, match="has no amount"):
        services.finding_record(actor=alice, control=control, sanction_kind=order, amount_nok=Decimal("1"))
    with pytest.raises(NotPermitted):
        services.finding_record(actor=bob, control=control, sanction_kind=order, agency=order.agency)
    assert Finding.objects.filter(control=control).count() == 2


def test_controls_are_scoped_to_unit_and_agency(carol, alice, dave, osl):
    control = plan(carol, osl, agencies=["TAX", "POLICE"])
    assert control in controls_visible_to(carol)
    assert control not in controls_visible_to(alice)  # Labour does not take part
    assert control not in controls_visible_to(dave)
