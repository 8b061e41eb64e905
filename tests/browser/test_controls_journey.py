"""Journeys 4 and 5: a coordinator plans a joint control in the browser, books officers (and
is warned of a clash before saving), confirms and starts it; an officer records a finding and
opens the briefing sheet. Every page is photographed and checked with axe."""

import re
from decimal import Decimal

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from agencies.models import SanctionKind
from controls import services
from controls.choices import ControlStatus
from controls.models import ControlOfficer, Finding, JointControl
from tests.controls.scenario import ORG_NUMBER, day_after_tomorrow, oslo_case, plan

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Nattkontroll, Grønland"


def check(journey, name):
    journey.shot(name)
    journey.assert_accessible()


def sign_out(journey):
    journey.page.get_by_role("button", name="Logg ut").click()
    journey.page.wait_for_load_state()


def test_a_coordinator_plans_a_joint_control_and_an_officer_records_a_finding(journey, alice, bob, carol, osl):
    case, org, _person = oslo_case(alice, osl)
    # Bob of the Tax Administration is already out on another control that evening.
    busy = plan(carol, osl, title="Restaurantkontroll, Grünerløkka", start=day_after_tomorrow(17), agencies=["TAX"])
    services.control_book_officer(actor=carol, control=busy, officer=bob)
    page = journey.page

    journey.login("carol")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kontroller").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Felleskontroller")
    check(journey, "controls-list")

    page.get_by_role("link", name="Planlegg en kontroll").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Planlegg en felleskontroll")
    check(journey, "plan-empty")
    page.get_by_role("button", name="Planlegg kontrollen").click()  # nothing filled in yet
    expect(page.get_by_role("alert")).to_contain_text("Kontrollen er ikke planlagt ennå")
    check(journey, "plan-with-errors")

    page.get_by_role("textbox", name=re.compile("^Tittel")).fill(TITLE)
    page.get_by_label(re.compile("^Dato")).fill(day_after_tomorrow(18).date().isoformat())
    page.get_by_label(re.compile("^Fra kl")).fill("18:00")
    page.get_by_label(re.compile("^Til kl")).fill("22:00")
    page.get_by_label("Orientering").fill("Oppmøte Grønland politistasjon 17:30. Tolk for polsk er bestilt.")
    page.get_by_label("Arbeidstilsynet").check()
    page.get_by_label("Skatteetaten").check()
    page.get_by_label(re.compile("^Adresse")).fill("Grønlandsleiret 1")
    page.get_by_label("Navn på stedet").fill("Bjørke Bygg, byggeplass")
    page.get_by_label("Breddegrad").fill("59,9127")
    page.get_by_label("Lengdegrad").fill("10,7608")
    page.get_by_role("button", name="Legg til et sted").click()
    second = page.get_by_role("group", name="Sted 2")
    expect(second).to_be_visible()
    second.get_by_label(re.compile("^Adresse")).fill("Tøyengata 2")

    page.get_by_label("Søk på organisasjonsnummer eller navn").fill("974 760")
    page.get_by_role("button", name=re.compile("Legg til Bjørke Bygg AS")).click()
    expect(page.get_by_role("checkbox", name=re.compile("Bjørke Bygg AS"))).to_be_checked()
    page.get_by_label("Søk på saksnummer eller tittel").fill(case.reference)
    page.get_by_role("button", name=re.compile(f"Legg til {case.reference}")).click()
    expect(page.get_by_role("checkbox", name=re.compile(case.reference))).to_be_checked()
    check(journey, "plan-filled")

    page.get_by_role("button", name="Planlegg kontrollen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    control = JointControl.objects.get(title=TITLE)
    assert [s.address for s in control.sites.order_by("address")] == ["Grønlandsleiret 1", "Tøyengata 2"]
    assert list(control.target_organisations.all()) == [org] and list(control.cases.all()) == [case]
    assert set(control.agencies.values_list("code", flat=True)) == {"LABOUR", "TAX"}
    check(journey, "control-planned")

    # Book an officer of another agency (the coordinator may), then one who is busy.
    officer = page.get_by_role("combobox", name=re.compile("^Tjenesteperson"))
    officer.select_option(label=f"{alice.get_full_name()} – Arbeidstilsynet")
    page.get_by_label("Leder kontrollen på stedet").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("main").get_by_role("status").first).to_contain_text("er booket")
    officer.select_option(label=f"{bob.get_full_name()} – Skatteetaten")
    warning = page.locator("#clash")
    expect(warning).to_contain_text("Restaurantkontroll, Grünerløkka")
    expect(warning).to_contain_text("17:00–21:00")
    check(journey, "clash-warning")
    page.get_by_role("button", name="Book", exact=True).click()  # the service refuses it too
    expect(page.locator(".ds-validation-message")).to_contain_text("Restaurantkontroll, Grünerløkka")
    assert list(ControlOfficer.objects.filter(control=control).values_list("officer__username", flat=True)) == ["alice"]
    check(journey, "booking-refused")

    page.get_by_role("button", name="Bekreft").click()
    expect(page.locator(".ctl-headline .ds-tag")).to_have_text("Bekreftet")
    page.get_by_role("button", name="Start").click()
    expect(page.locator(".ctl-headline .ds-tag")).to_have_text("Pågår")
    check(journey, "control-in-progress")
    sign_out(journey)

    # Alice of the Labour Inspection records her agency's finding.
    journey.login("alice")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Kontroller").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", name="Registrer et funn for Arbeidstilsynet")).to_be_visible()
    page.get_by_label(re.compile("^Sanksjon eller tiltak")).select_option(label="Pålegg")
    expect(page.locator("#amount-field")).to_contain_text("uten beløp")
    page.get_by_label(re.compile("^Sanksjon eller tiltak")).select_option(label="Overtredelsesgebyr")
    page.get_by_label("Beløp i kroner").fill("12 500")
    page.get_by_label(re.compile("^Antall personer")).fill("3")
    page.get_by_label("Notat").fill("Tre arbeidere uten HMS-kort.")
    page.get_by_role("button", name="Registrer funnet").click()
    findings = page.get_by_role("table", name="Funn fra Arbeidstilsynet")
    expect(findings).to_contain_text("Overtredelsesgebyr")
    expect(findings).to_contain_text(re.compile(r"kr\s12\s500"))
    finding = Finding.objects.get(control=control)
    assert finding.amount_nok == Decimal("12500") and finding.persons_count == 3
    check(journey, "finding-recorded")

    page.get_by_role("link", name="Skriv ut orienteringsark").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    for text in ("Grønlandsleiret 1", "Bjørke Bygg AS", ORG_NUMBER, alice.get_full_name(), case.reference):
        expect(page.locator(".ctl-sheet")).to_contain_text(text)
    check(journey, "briefing-sheet")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_hidden()
    journey.shot("briefing-sheet-as-printed")
    page.emulate_media(media="screen")

    page.goto(journey.base_url + "/controls/calendar/")
    page.get_by_role("button", name="Lag en kalenderlenke").click()
    link = page.get_by_label("Kalenderlenke").input_value()
    check(journey, "calendar-link")
    feed = page.request.get(link)  # as the calendar app will
    assert feed.ok
    assert [str(event["SUMMARY"]) for event in Calendar.from_ical(feed.body()).walk("VEVENT")] == [TITLE]


def test_the_control_pages_work_on_a_phone(phone, alice, bob, carol, osl):
    case, org, person = oslo_case(alice, osl)
    control = plan(carol, osl, title=TITLE, cases=[case], target_organisations=[org], target_persons=[person])
    for who in (alice, bob):
        services.control_book_officer(actor=carol, control=control, officer=who)
    for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
        control = services.control_transition(actor=carol, control=control, to=step)
    fine = SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    services.finding_record(actor=alice, control=control, sanction_kind=fine, amount_nok=Decimal("12500"))

    phone.login("alice")
    for path in ("/controls/", "/controls/plan/", f"/controls/{control.pk}/", f"/controls/{control.pk}/briefing/",
                 "/controls/calendar/"):  # fmt: skip
        response = phone.goto(path)
        assert response.ok, path
        width = phone.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
        phone.assert_accessible()
