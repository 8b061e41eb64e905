"""The rules the control pages rest on: who books whom, what a clash may name, and the
officers' calendar links. The pages ask the same predicates and selectors tested here."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from agencies.choices import UnitRole
from agencies.models import Agency, SanctionKind
from cases import services as case_services
from cases.choices import SubjectRole
from controls import permissions, selectors, services
from controls.choices import ControlStatus
from controls.models import CalendarFeed, ControlOfficer
from tests.controls import scenario
from tests.factories import case_kwargs, officer
from tracker.exceptions import ApplicationError, NotPermitted
from tracker.models import AuditEntry

T0 = timezone.make_aware(datetime.datetime(2027, 3, 1, 18, 0))


def plan(actor, unit, start=T0, agencies=("LABOUR", "TAX", "POLICE"), **kw):
    return scenario.plan(actor, unit, start=start, agencies=agencies, **kw)


def test_a_coordinator_books_officers_of_any_agency_taking_part(carol, alice, bob, osl):
    control = plan(carol, osl)
    services.control_book_officer(actor=carol, control=control, officer=alice)
    services.control_book_officer(actor=carol, control=control, officer=bob)
    assert set(control.officers.values_list("agency__code", flat=True)) == {"LABOUR", "TAX"}


def test_an_officer_books_only_colleagues_of_their_own_agency(carol, alice, bob, osl):
    control = plan(carol, osl)
    colleague = officer("lars", "LABOUR")
    services.control_book_officer(actor=alice, control=control, officer=colleague)
    with pytest.raises(NotPermitted, match="own agency"):
        services.control_book_officer(actor=alice, control=control, officer=bob)
    assert not control.officers.filter(officer=bob).exists()


def test_a_coordinator_of_another_unit_cannot_book_here(carol, alice, osl, reference):
    control = plan(carol, osl)
    bergen_coordinator = officer("berit", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)
    with pytest.raises(NotPermitted):
        services.control_book_officer(actor=bergen_coordinator, control=control, officer=alice)


def test_a_coordinator_withdraws_any_officer_and_an_officer_only_their_own_agencys(carol, alice, bob, osl):
    control = plan(carol, osl)
    alices = services.control_book_officer(actor=carol, control=control, officer=alice)
    bobs = services.control_book_officer(actor=bob, control=control, officer=bob)
    with pytest.raises(NotPermitted):
        services.control_unbook_officer(actor=alice, booking=bobs)
    services.control_unbook_officer(actor=carol, booking=bobs)
    services.control_unbook_officer(actor=alice, booking=alices)
    assert not ControlOfficer.objects.filter(control=control).exists()


def test_the_officers_offered_for_booking_are_exactly_those_the_service_accepts(carol, alice, bob, osl):
    control = plan(carol, osl, agencies=["LABOUR", "TAX"])
    colleague = officer("lars", "LABOUR")
    customs = officer("cecilie", "CUSTOMS")  # Customs does not take part
    police = officer("petter", "POLICE")  # nor does the police
    everyone = [alice, bob, colleague, customs, police, carol]

    offered_to_alice = set(selectors.bookable_officers(alice, control))
    assert offered_to_alice == {alice, colleague}
    offered_to_carol = set(selectors.bookable_officers(carol, control))
    assert offered_to_carol == {alice, bob, colleague}
    for person in everyone:
        if person not in offered_to_alice:
            with pytest.raises(ApplicationError):
                services.control_book_officer(actor=alice, control=control, officer=person)
    for person in offered_to_alice:
        services.control_book_officer(actor=alice, control=control, officer=person)
    assert set(selectors.bookable_officers(carol, control)) == {bob}  # the booked are no longer offered


def test_a_clash_names_only_a_control_the_viewer_may_see(carol, alice, bob, osl):
    tax_only = plan(carol, osl, agencies=["TAX", "POLICE"], title="Restaurant audit")
    services.control_book_officer(actor=carol, control=tax_only, officer=bob)
    joint = plan(carol, osl, start=T0 + datetime.timedelta(hours=1), agencies=["LABOUR", "TAX"])

    ((booking, seen_by_carol),) = selectors.booking_clashes(bob, joint, viewer=carol)
    assert booking.control == tax_only and seen_by_carol
    ((_, seen_by_alice),) = selectors.booking_clashes(bob, joint, viewer=alice)  # Labour is not on it
    assert not seen_by_alice
    later = plan(carol, osl, start=T0 + datetime.timedelta(hours=4), agencies=["TAX"])
    assert selectors.booking_clashes(bob, later, viewer=carol) == []


def test_the_findings_predicate_matches_the_service(carol, alice, bob, erin, osl):
    control = plan(carol, osl, agencies=["LABOUR", "TAX", "POLICE"])
    for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
        control = services.control_transition(actor=carol, control=control, to=step)
    labour = Agency.objects.get(code="LABOUR")
    fine = SanctionKind.objects.get(agency=labour, code="infringement-fine")
    for person in (alice, bob, carol, erin):
        allowed = permissions.may_record_findings(person, control.unit_id, labour.pk)
        if allowed:
            services.finding_record(
                actor=person, control=control, sanction_kind=fine, amount_nok=Decimal("12500"), agency=labour
            )
        else:
            with pytest.raises(NotPermitted):
                services.finding_record(actor=person, control=control, sanction_kind=fine, agency=labour)
    assert list(control.findings.values_list("recorded_by__username", flat=True)) == ["alice"]


def test_targets_are_found_only_on_the_units_cases_the_planner_may_see(carol, alice, bob, osl, bgo, dave):
    mine = case_services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR"]))
    org = case_services.organisation_upsert(
        actor=alice, case=mine, organisation_number="974760673", name="Bjørke Bygg AS"
    )
    person = case_services.person_upsert(actor=alice, case=mine, name="Ola Østby")
    case_services.case_add_subject(actor=alice, case=mine, role=SubjectRole.SUSPECT, organisation=org)
    case_services.case_add_subject(actor=alice, case=mine, role=SubjectRole.WORKER, person=person)
    hidden = case_services.case_create(
        actor=dave, unit=bgo, **case_kwargs(lead_agency="POLICE", agencies=["POLICE"], title="Bergen case")
    )
    other = case_services.organisation_upsert(
        actor=dave, case=hidden, organisation_number="923609016", name="Bjørke Vest AS"
    )
    case_services.case_add_subject(actor=dave, case=hidden, role=SubjectRole.SUSPECT, organisation=other)

    assert list(selectors.target_organisations(alice, osl.pk, "974 760")) == [org]
    assert list(selectors.target_organisations(alice, osl.pk, "bjørke")) == [org]  # not Bergen's
    assert list(selectors.target_persons(carol, osl.pk, "Østby")) == [person]
    assert list(selectors.target_persons(bob, osl.pk, "Østby")) == []  # Tax does not take part in the case
    assert list(selectors.cases_to_serve(alice, osl.pk, mine.reference[-5:])) == [mine]
    assert list(selectors.cases_to_serve(alice, bgo.pk, "Bergen")) == []


def test_a_calendar_link_is_kept_only_as_a_digest_and_its_creation_and_revocation_are_audited(alice):
    feed, token = services.calendar_feed_create(actor=alice)
    assert token not in feed.digest and len(token) >= 40
    assert selectors.calendar_feed_for_token(token) == feed
    assert selectors.calendar_feed_for_token(token + "x") is None

    services.calendar_feed_revoke(actor=alice, feed=feed)
    assert selectors.calendar_feed_for_token(token) is None
    actions = list(AuditEntry.objects.filter(object_id=str(feed.pk)).values_list("action", flat=True))
    assert sorted(actions) == ["calendar_feed.create", "calendar_feed.revoke"]
    assert not AuditEntry.objects.filter(after__icontains=token).exists()


def test_a_new_calendar_link_replaces_the_old_one(alice):
    first, old_token = services.calendar_feed_create(actor=alice)
    second, new_token = services.calendar_feed_create(actor=alice)
    assert selectors.calendar_feed_for_token(old_token) is None
    assert selectors.calendar_feed_for_token(new_token) == second
    assert CalendarFeed.objects.filter(officer=alice, revoked_at__isnull=True).count() == 1


def test_only_the_officer_revokes_their_calendar_link(alice, bob):
    feed, token = services.calendar_feed_create(actor=alice)
    with pytest.raises(NotPermitted):
        services.calendar_feed_revoke(actor=bob, feed=feed)
    assert selectors.calendar_feed_for_token(token) == feed
