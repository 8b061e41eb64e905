"""The joint control pages: who may see them, bad input, and a fixed number of queries."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from agencies.choices import UnitRole
from agencies.models import Agency, SanctionKind, UnitMembership
from controls import services
from controls.choices import ControlStatus
from controls.models import CalendarFeed, ControlOfficer, Finding, JointControl
from tests.controls.scenario import ORG_NUMBER, day_after_tomorrow, oslo_case, plan
from tests.factories import officer

LIST = reverse("controls:list")
PLAN = reverse("controls:plan")


def page(control, name="controls:detail"):
    return reverse(name, args=[control.pk])


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def world(alice, bob, carol, osl):
    case, org, person = oslo_case(alice, osl)
    control = plan(carol, osl, cases=[case], target_organisations=[org], target_persons=[person])
    return {"case": case, "org": org, "person": person, "control": control}


def started(control, actor):
    for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
        control = services.control_transition(actor=actor, control=control, to=step)
    return control


def plan_data(unit, *, agencies, **overrides):
    day = (datetime.date.today() + datetime.timedelta(days=3)).isoformat()
    data = {
        "unit": str(unit.pk),
        "title": "Car washes, Alna",
        "date": day,
        "start_time": "09:00",
        "end_time": "13:00",
        "end_date": "",
        "agencies": [str(a.pk) for a in agencies],
        "briefing": "",
        "sites-TOTAL_FORMS": "2",
        "sites-INITIAL_FORMS": "0",
        "sites-MIN_NUM_FORMS": "0",
        "sites-MAX_NUM_FORMS": "50",
        "sites-0-address": "Alnabru 4",
        "sites-0-name": "",
        "sites-0-latitude": "59,9273",
        "sites-0-longitude": "10.8386",
        "sites-1-address": "",
        "sites-1-name": "",
        "sites-1-latitude": "",
        "sites-1-longitude": "",
    }
    data.update(overrides)
    return data


# --- who may see what -------------------------------------------------------------------


def test_the_pages_ask_for_a_login(client, world):
    for url in (LIST, PLAN, page(world["control"]), page(world["control"], "controls:briefing")):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_control_is_not_found_by_another_unit_or_an_agency_not_taking_part(as_user, world, dave, reference):
    control = world["control"]  # Labour and Tax take part
    nav_officer = officer("nina", "NAV")
    for outsider in (dave, nav_officer):
        client = as_user(outsider)
        for name in ("controls:detail", "controls:briefing"):
            assert client.get(page(control, name)).status_code == 404
        for name in ("controls:transition", "controls:book", "controls:findings"):
            assert client.post(page(control, name), {"to": "confirmed"}).status_code == 404
        assert control.title not in client.get(LIST).content.decode()
    control.refresh_from_db()
    assert control.status == ControlStatus.PLANNED


def test_the_planner_is_not_found_by_those_who_do_not_plan(as_user, erin, desk, world):
    assert as_user(erin).get(PLAN).status_code == 404  # an auditor sees controls, plans none
    assert as_user(desk).get(PLAN).status_code == 404
    assert as_user(erin).get(page(world["control"])).status_code == 200


def test_another_units_case_person_or_organisation_cannot_be_picked(as_user, carol, dave, bgo, osl, world):
    bergen_case, bergen_org, bergen_person = oslo_case(
        dave, bgo, title="Bergen: fish", agencies=["POLICE"], org=("923609016", "Sjø AS"), person="Per Østby"
    )
    client = as_user(carol)
    assert client.get(PLAN, {"case": bergen_case.pk}).status_code == 404
    htmx = {"HTTP_HX_REQUEST": "true"}
    for kind, item in (("persons", bergen_person), ("organisations", bergen_org), ("cases", bergen_case)):
        response = client.get(PLAN, {"pick": kind, "unit": osl.pk, "add": item.pk}, **htmx)
        assert response.status_code == 404
    response = client.get(PLAN, {"pick": "persons", "unit": osl.pk, "q": "Østby"}, **htmx)
    assert response.status_code == 200
    assert str(world["person"].pk) in response.content.decode()  # Oslo's Ola Østby ...
    assert str(bergen_person.pk) not in response.content.decode()  # ... not Bergen's


# --- the list ---------------------------------------------------------------------------


def test_the_list_shows_upcoming_controls_first_and_filters_by_status_and_period(as_user, carol, osl, world):
    soon = plan(carol, osl, title="Tomorrow morning", start=day_after_tomorrow(7) - datetime.timedelta(days=1))
    past = plan(carol, osl, title="Last month", start=day_after_tomorrow(7) - datetime.timedelta(days=30))
    services.control_transition(actor=carol, control=soon, to=ControlStatus.CONFIRMED)
    client = as_user(carol)

    html = client.get(LIST).content.decode()
    assert html.index(soon.title) < html.index(world["control"].title) < html.index(past.title)
    assert "Tidligere kontroller" in html  # the past ones under their own heading
    assert "Grønlandsleiret 1" in html and "Arbeidstilsynet" in html

    confirmed = client.get(LIST, {"status": "confirmed"}).content.decode()
    assert soon.title in confirmed and world["control"].title not in confirmed
    last_month = (past.starts_at.date()).isoformat()
    period = client.get(LIST, {"starts_from": last_month, "starts_until": last_month}).content.decode()
    assert past.title in period and soon.title not in period


def test_a_bad_filter_gives_the_form_back_with_a_message(as_user, carol, world):
    response = as_user(carol).get(LIST, {"starts_from": "2027-03-10", "starts_until": "2027-03-01"})
    assert response.status_code == 400
    assert "Perioden slutter før den begynner" in response.content.decode()
    response = as_user(carol).get(LIST, {"status": "sleeping"})
    assert response.status_code == 400


@pytest.mark.parametrize("controls", [1, 30])
def test_the_list_runs_a_fixed_number_of_queries(as_user, carol, osl, alice, controls, query_counts):
    for i in range(controls):
        start = day_after_tomorrow(6) + datetime.timedelta(days=i)
        control = plan(carol, osl, title=f"Control {i}", start=start, sites=[{"address": f"Storgata {i}"}])
        services.control_book_officer(actor=carol, control=control, officer=alice)
    client = as_user(carol)
    # The queries: session, user, the user's unit roles, count the controls, the menu's
    # desk check, the layout's unread count, the page of controls (with officer counts), their
    # agencies, their sites.
    with query_counts("web GET controls:list"):
        response = client.get(LIST)
    assert response.status_code == 200


# --- planning ---------------------------------------------------------------------------


def test_a_control_is_planned_with_sites_targets_cases_and_agencies(as_user, carol, osl, world):

    labour, tax = Agency.objects.get(code="LABOUR"), Agency.objects.get(code="TAX")
    data = plan_data(
        osl,
        agencies=[labour, tax],
        cases=[str(world["case"].pk)],
        organisations=[str(world["org"].pk)],
        persons=[str(world["person"].pk)],
    )
    response = as_user(carol).post(PLAN, data)
    control = JointControl.objects.get(title="Car washes, Alna")
    assert response.status_code == 302 and response["Location"] == page(control)
    assert [(s.address, s.latitude, s.longitude) for s in control.sites.all()] == [
        ("Alnabru 4", Decimal("59.927300"), Decimal("10.838600"))
    ]
    assert list(control.cases.all()) == [world["case"]]
    assert list(control.target_organisations.all()) == [world["org"]]
    assert list(control.target_persons.all()) == [world["person"]]
    assert set(control.agencies.values_list("code", flat=True)) == {"LABOUR", "TAX"}
    assert timezone.localtime(control.starts_at).hour == 9
    assert control.ends_at - control.starts_at == datetime.timedelta(hours=4)


def test_bad_plan_input_returns_the_form_with_messages_and_saves_nothing(as_user, carol, osl, world):

    labour = Agency.objects.get(code="LABOUR")
    client = as_user(carol)
    before = JointControl.objects.count()

    response = client.post(PLAN, plan_data(osl, agencies=[labour], title="", end_time="08:00"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Dette feltet er påkrevd." in html  # the title
    assert 'value="Alnabru 4"' in html  # nothing typed is lost

    response = client.post(PLAN, plan_data(osl, agencies=[labour], end_time="08:00"))
    assert response.status_code == 400
    assert "En kontroll må slutte etter at den starter." in response.content.decode()  # the service's rule

    response = client.post(PLAN, plan_data(osl, agencies=[]))
    assert response.status_code == 400

    response = client.post(PLAN, plan_data(osl, agencies=[labour], **{"sites-0-longitude": ""}))
    assert response.status_code == 400
    assert "Oppgi både breddegrad og lengdegrad, eller ingen av dem." in response.content.decode()

    # A picked case is fine; something that is not one of the organisations offered is not.
    response = client.post(
        PLAN, plan_data(osl, agencies=[labour], cases=[str(world["case"].pk)], organisations=["not-an-id"])
    )
    assert response.status_code == 400
    assert JointControl.objects.count() == before


def test_planning_from_a_case_shows_and_takes_the_case(as_user, carol, world):
    case = world["case"]
    html = as_user(carol).get(PLAN, {"case": case.pk}).content.decode()
    assert case.reference in html and case.title in html
    assert f'name="cases" value="{case.pk}"' in html  # picked already
    assert as_user(carol).get(PLAN, {"case": "not-a-case"}).status_code == 404


def test_sites_are_added_and_removed_without_judging_the_form(as_user, carol, osl):

    client = as_user(carol)
    data = plan_data(osl, agencies=[Agency.objects.get(code="LABOUR")], title="", add_site="1")
    response = client.post(PLAN, data, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'name="sites-TOTAL_FORMS" value="3"' in html
    assert 'value="Alnabru 4"' in html and "påkrevd" not in html
    data = plan_data(osl, agencies=[], remove_site="0")
    html = client.post(PLAN, data, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="sites-TOTAL_FORMS" value="1"' in html and "Alnabru 4" not in html
    assert not JointControl.objects.exists()


# --- the control page -------------------------------------------------------------------


def test_the_control_page_offers_only_the_actions_allowed_now(as_user, carol, erin, world):
    control = world["control"]
    html = as_user(carol).get(page(control)).content.decode()
    assert ">Bekreft<" in html and "Avlys kontrollen" in html and ">Start<" not in html
    html = as_user(erin).get(page(control)).content.decode()  # an auditor watches
    assert ">Bekreft<" not in html and "Book en tjenesteperson" not in html

    response = as_user(carol).post(page(control, "controls:transition"), {"to": "cancelled", "reason": ""})
    assert response.status_code == 400
    assert "Avlysning krever en begrunnelse." in response.content.decode()
    response = as_user(carol).post(page(control, "controls:transition"), {"to": "completed"})
    assert response.status_code == 409
    control.refresh_from_db()
    assert control.status == ControlStatus.PLANNED

    response = as_user(carol).post(page(control, "controls:transition"), {"to": "confirmed"})
    assert response.status_code == 302
    html = as_user(carol).get(page(control)).content.decode()
    assert ">Start<" in html and ">Bekreft<" not in html


@pytest.mark.parametrize("rows", [1, 12])
def test_the_control_page_runs_a_fixed_number_of_queries(as_user, carol, alice, osl, rows, query_counts):
    case, org, person = oslo_case(alice, osl)
    sites = [{"address": f"Storgata {i}"} for i in range(rows)]
    control = plan(carol, osl, cases=[case], target_organisations=[org], target_persons=[person], sites=sites)
    officers = [officer(f"labour{i}", "LABOUR") for i in range(rows)]
    for i in range(rows):
        services.control_book_officer(actor=carol, control=control, officer=officers[i])
    control = started(control, carol)
    fine = SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    for i in range(rows):
        services.finding_record(actor=alice, control=control, sanction_kind=fine, amount_nok=Decimal(1000 * i))
    client = as_user(alice)
    # The queries: session, user, the user's unit roles, the menu's desk check, the control (with its planner),
    # its agencies, sites, target organisations, target persons, cases, officers, findings;
    # whether anyone is left to book; the layout's unread count; the officers offered for
    # booking, the sanction kinds and the organisations offered in the findings form.
    with query_counts("web GET controls:detail"):
        response = client.get(page(control))
    assert response.status_code == 200


def test_booking_a_clashing_officer_is_warned_before_and_refused(as_user, carol, bob, osl, world):
    busy = plan(carol, osl, title="Restaurant audit", start=world["control"].starts_at - datetime.timedelta(hours=1))
    services.control_book_officer(actor=carol, control=busy, officer=bob)
    control = world["control"]
    client = as_user(carol)

    warning = client.get(page(control), {"officer": bob.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "Restaurant audit" in warning and "17:00–21:00" in warning

    response = client.post(page(control, "controls:book"), {"officer": bob.pk})
    assert response.status_code == 409
    assert "Restaurant audit" in response.content.decode()
    assert not ControlOfficer.objects.filter(control=control).exists()


def test_a_clash_with_a_control_the_user_may_not_see_is_not_named(as_user, alice, osl, bgo, world):
    lars = officer("lars", "LABOUR")
    UnitMembership.objects.create(user=lars, unit=bgo, role=UnitRole.CASE_OFFICER)
    berit = officer("berit", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)
    secret = plan(berit, bgo, title="Bergen dawn raid", agencies=["LABOUR", "POLICE"], start=world["control"].starts_at)
    services.control_book_officer(actor=berit, control=secret, officer=lars)

    client = as_user(alice)
    warning = client.get(page(world["control"]), {"officer": lars.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "opptatt" in warning and "Bergen dawn raid" not in warning
    response = client.post(page(world["control"], "controls:book"), {"officer": lars.pk})
    assert response.status_code == 409 and "Bergen dawn raid" not in response.content.decode()


def test_an_officer_books_only_their_own_agency_and_the_coordinator_any(as_user, alice, bob, carol, world):
    control = world["control"]
    response = as_user(alice).post(page(control, "controls:book"), {"officer": bob.pk})
    assert response.status_code == 400  # Tax's officer is not offered to Labour
    assert not ControlOfficer.objects.filter(control=control).exists()
    assert as_user(carol).post(page(control, "controls:book"), {"officer": bob.pk}).status_code == 302
    assert as_user(alice).post(page(control, "controls:book"), {"officer": alice.pk}).status_code == 302
    assert set(control.officers.values_list("officer__username", flat=True)) == {"alice", "bob"}
    bobs = page(control, "controls:detail") + f"officers/{bob.pk}/withdraw/"
    response = as_user(alice).post(bobs, follow=True)
    assert "Bare tjenestepersonens egen etat eller enhetens koordinator" in response.content.decode()
    assert control.officers.filter(officer=bob).exists()
    assert as_user(carol).post(bobs).status_code == 302
    assert not control.officers.filter(officer=bob).exists()


def test_an_agency_records_its_own_findings_shown_in_kroner(as_user, alice, bob, carol, world):
    control = started(world["control"], carol)
    fine = SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    order = SanctionKind.objects.get(agency__code="LABOUR", code="order")
    client = as_user(alice)

    html = client.get(page(control)).content.decode()
    assert "Registrer et funn for Arbeidstilsynet" in html and "Overtredelsesgebyr" in html
    assert "Endring av skattefastsetting" not in html  # Tax's sanctions are Tax's

    data = {"sanction_kind": fine.pk, "amount_nok": "12 500", "persons_count": "3", "note": "No HMS cards"}
    assert client.post(page(control, "controls:findings"), data).status_code == 302
    html = client.get(page(control)).content.decode()
    assert "kr\xa012\xa0500" in html or "kr 12\xa0500" in html or "kr 12 500" in html

    response = client.post(page(control, "controls:findings"), {"sanction_kind": order.pk, "amount_nok": "500"})
    assert response.status_code == 400
    assert "registreres uten beløp" in response.content.decode()
    response = as_user(bob).post(page(control, "controls:findings"), {"sanction_kind": fine.pk, "persons_count": 1})
    assert response.status_code == 400  # not one of Tax's sanctions
    assert list(Finding.objects.values_list("amount_nok", flat=True)) == [Decimal("12500")]


def test_the_amount_field_follows_the_sanction_chosen(as_user, alice, carol, world):
    control = started(world["control"], carol)
    client = as_user(alice)
    fine = SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    order = SanctionKind.objects.get(agency__code="LABOUR", code="order")
    with_amount = client.get(page(control), {"sanction_kind": fine.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="amount_nok"' in with_amount
    without = client.get(page(control), {"sanction_kind": order.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="amount_nok"' not in without and "uten beløp" in without


def test_the_briefing_sheet_has_sites_targets_officers_and_cases(as_user, alice, carol, world):
    control = world["control"]
    alice.email, alice.title = "alice@arbeidstilsynet.example", "Senior inspector"
    alice.save()
    services.control_book_officer(actor=carol, control=control, officer=alice, is_lead=True)
    html = as_user(carol).get(page(control, "controls:briefing")).content.decode()
    for text in ("Grønlandsleiret 1", "Bjørke Bygg AS", ORG_NUMBER, "Ola Østby", "alice@arbeidstilsynet.example",
                 "Arbeidstilsynet", world["case"].reference, "Senior inspector"):  # fmt: skip
        assert text in html, text


# --- the calendar link ------------------------------------------------------------------


def test_the_calendar_link_is_shown_once_and_revoked(as_user, alice):
    client = as_user(alice)
    assert "Du har ingen kalenderlenke" in client.get(reverse("controls:calendar")).content.decode()
    response = client.post(reverse("controls:calendar"), {"action": "create"})
    html = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    link = html.split('id="calendar-link" type="text" readonly value="')[1].split('"')[0]
    token = link.rsplit("/", 1)[1].removesuffix(".ics")
    assert token not in client.get(reverse("controls:calendar")).content.decode()  # shown once
    assert client.get(link.split("testserver")[1]).status_code == 200

    client.post(reverse("controls:calendar"), {"action": "revoke"})
    assert not CalendarFeed.objects.filter(officer=alice, revoked_at__isnull=True).exists()
    assert client.get(link.split("testserver")[1]).status_code == 404


def test_the_feed_has_only_the_officers_own_bookings_and_needs_no_login(client, alice, bob, carol, osl, world):
    mine = world["control"]
    services.control_book_officer(actor=carol, control=mine, officer=alice)
    other = plan(carol, osl, title="Tax only", start=mine.starts_at + datetime.timedelta(days=1))
    services.control_book_officer(actor=carol, control=other, officer=bob)
    _, token = services.calendar_feed_create(actor=alice)

    response = client.get(reverse("controls:calendar_feed", args=[token]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == [mine.title]
    assert "Grønlandsleiret 1" in str(events[0]["LOCATION"])
    assert events[0].decoded("DTSTART") == mine.starts_at
    assert "Bjørke" not in response.content.decode()  # targets stay behind the login
    assert client.get(reverse("controls:calendar_feed", args=["x" * 43])).status_code == 404


def test_the_pages_speak_english_to_a_reader_who_chose_it(as_user, alice, carol, world):
    alice.language = "en"
    alice.save()
    control = started(world["control"], carol)
    client = as_user(alice)
    assert "Joint controls" in client.get(LIST).content.decode()
    html = client.get(page(control)).content.decode()
    assert "Record a finding for Norwegian Labour Inspection Authority" in html and "Infringement fine" in html
    briefing = client.get(page(control, "controls:briefing")).content.decode()
    assert "Confidential: for the officers taking part" in briefing
