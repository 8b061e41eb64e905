"""Journey 6: a case officer refers a case to the national contact point; the desk officer
finds it in the desk's inbox, acknowledges, accepts and closes it with an outcome. An overdue
referral carries its badge. Part of it once more on a phone.

(That the desk is *notified* when the referral arrives is tested with the notifications.)"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services as case_services
from cases.choices import LegalBasis, SubjectRole
from referrals import services
from referrals.choices import ReferralStatus
from referrals.models import Referral
from tests.factories import case_kwargs

pytestmark = pytest.mark.django_db(transaction=True)

SUMMARY = "Workers recruited in Romania with a travel debt; the employer keeps their passports."


@pytest.fixture
def case_with_subjects(alice, osl):
    """A Labour-led case in Oslo with an employer, a potential victim and a witness."""
    case = case_services.case_create(
        actor=alice, unit=osl, **case_kwargs(title="Car wash with unpaid workers", agencies=["LABOUR", "TAX"])
    )
    org = case_services.organisation_upsert(
        actor=alice, case=case, organisation_number="988077917", name="Bilvask Sentrum AS"
    )
    victim = case_services.person_upsert(
        actor=alice, case=case, name="Ana Popescu", date_of_birth=datetime.date(1990, 3, 4), nationality="RO"
    )
    witness = case_services.person_upsert(actor=alice, case=case, name="Jonas Berg", nationality="NO")
    case_services.case_add_subject(actor=alice, case=case, organisation=org, role=SubjectRole.EMPLOYER)
    case_services.case_add_subject(actor=alice, case=case, person=victim, role=SubjectRole.POTENTIAL_VICTIM)
    case_services.case_add_subject(actor=alice, case=case, person=witness, role=SubjectRole.WITNESS)
    return case


@pytest.fixture
def overdue_referral(alice, ncp, case_with_subjects):
    """An older referral of the same case that the desk has not acknowledged in time."""
    referral = services.referral_create_and_send(
        actor=alice,
        case=case_with_subjects,
        contact_point=ncp,
        category="organised_crime",
        summary="A chain of short-lived companies behind the car wash.",
        legal_basis=LegalBasis.POLICE_REGISTER_ACT,
    )
    Referral.objects.filter(pk=referral.pk).update(
        acknowledgement_due_on=timezone.localdate() - datetime.timedelta(days=2)
    )
    return referral


def test_a_case_is_referred_and_the_desk_acknowledges_accepts_and_closes_it(
    journey, alice, desk, case_with_subjects, overdue_referral
):
    page = journey.page
    journey.login("alice")

    # The refer page, reached from the case (whose page another part of the app builds).
    journey.goto(f"/referrals/new/?case={case_with_subjects.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Henvis saken til et nasjonalt kontaktpunkt")
    expect(page.get_by_text(case_with_subjects.reference)).to_be_visible()
    expect(page.get_by_text("Car wash with unpaid workers")).to_be_visible()
    journey.assert_accessible()

    # Sending an empty form: the form comes back with the messages, nothing is sent.
    page.get_by_role("button", name="Send henvisningen").click()
    expect(page.get_by_role("alert")).to_contain_text("Henvisningen ble ikke sendt")
    journey.shot("refer-with-errors")
    journey.assert_accessible()
    assert not Referral.objects.filter(category="human_trafficking").exists()

    # Choosing the category lists the contact points that take it (htmx), the only one chosen.
    with page.expect_response(re.compile(r"/referrals/new/\?.*category=human_trafficking")):
        page.get_by_label("Menneskehandel").check()
    contact_point = page.get_by_label(re.compile("^Kontaktpunkt"))
    ncis = "Nasjonalt kontaktpunkt for menneskehandel og organisert kriminalitet (NCIS)"
    expect(contact_point.locator("option:checked")).to_have_text(ncis)
    contact_point.select_option(label=ncis)
    page.get_by_label(re.compile("^Oppsummering")).fill(SUMMARY)
    page.get_by_label(re.compile("^Bilvask Sentrum AS")).check()
    page.get_by_label(re.compile("^Ana Popescu")).check()
    page.get_by_label(re.compile("^Hjemmel")).select_option(label="A-krimforskriften § 3")
    journey.shot("refer-filled-in")
    page.get_by_role("button", name="Send henvisningen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Henvisning: Menneskehandel")
    expect(page.get_by_text(re.compile("^Til Nasjonalt kontaktpunkt for menneskehandel"))).to_be_visible()
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("Henvisningen ble sendt til")
    expect(page.get_by_text("Ana Popescu")).to_be_visible()
    expect(page.get_by_text("Jonas Berg")).to_have_count(0)  # not chosen, not shared
    journey.shot("referral-sent")
    journey.assert_accessible()
    referral = Referral.objects.get(category="human_trafficking")
    assert referral.status == ReferralStatus.SENT
    assert sorted(s.subject.name for s in referral.subjects.all()) == ["Ana Popescu", "Bilvask Sentrum AS"]

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Henvisninger").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Henvisninger")
    expect(page.get_by_role("row", name=re.compile("Menneskehandel"))).to_contain_text("Sendt")
    journey.shot("referrals-list")
    journey.assert_accessible()

    # The desk officer's turn.
    page.get_by_role("button", name="Logg ut").click()
    journey.login("desk")
    page.get_by_role("link", name="Kontaktpunktets innboks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Innkomne henvisninger")
    late_row = page.get_by_role("row", name=re.compile("Organisert kriminalitet"))
    expect(late_row.get_by_text("Over fristen")).to_be_visible()
    new_row = page.get_by_role("row", name=re.compile("Menneskehandel"))
    expect(new_row.get_by_text("Over fristen")).to_have_count(0)
    journey.shot("desk-inbox")
    journey.assert_accessible()

    page.get_by_label("Status").select_option(label="Over fristen")  # htmx refreshes the table
    expect(page.get_by_role("row", name=re.compile("Menneskehandel"))).to_have_count(0)
    expect(page).to_have_url(re.compile(r"status=overdue"))
    journey.shot("desk-inbox-overdue")
    page.get_by_role("link", name="Organisert kriminalitet").click()
    expect(page.get_by_text(re.compile("^Over fristen: mottaket"))).to_be_visible()
    journey.shot("desk-overdue-referral")
    journey.assert_accessible()

    page.get_by_role("link", name="Innkomne henvisninger").first.click()
    page.get_by_role("link", name="Menneskehandel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Henvisning: Menneskehandel")
    expect(page.get_by_text(SUMMARY)).to_be_visible()
    expect(page.get_by_text("Bilvask Sentrum AS")).to_be_visible()
    expect(page.get_by_text("Car wash with unpaid workers")).to_have_count(0)  # the case is not shared
    expect(page.get_by_role("button", name="Godta")).to_have_count(0)  # not before acknowledging
    journey.shot("desk-referral-received")
    journey.assert_accessible()

    page.get_by_role("button", name="Kvitter for mottak").click()
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("Du kvitterte for henvisningen.")
    journey.shot("desk-referral-acknowledged")
    journey.assert_accessible()

    page.get_by_role("button", name="Godta").click()
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("Du godtok henvisningen.")
    journey.shot("desk-referral-accepted")
    journey.assert_accessible()

    page.get_by_role("button", name="Avslutt henvisningen").click()  # without an outcome
    expect(page.get_by_text("Skriv utfallet.")).to_be_visible()
    journey.shot("desk-close-without-outcome")
    journey.assert_accessible()
    page.get_by_label(re.compile("^Utfall")).fill("Passed on to Europol and the Romanian police.")
    page.get_by_role("button", name="Avslutt henvisningen").click()
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("Du avsluttet henvisningen.")
    expect(page.get_by_text("Passed on to Europol and the Romanian police.")).to_be_visible()
    journey.shot("desk-referral-closed")
    journey.assert_accessible()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED and referral.outcome.startswith("Passed on to Europol")


def test_the_desk_works_on_a_phone(phone, alice, desk, overdue_referral):
    page = phone.page
    phone.login("desk")
    phone.goto("/referrals/desk/")
    expect(page.get_by_role("table").get_by_text("Over fristen")).to_be_visible()
    phone.assert_accessible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the inbox scrolls sideways on a phone"

    page.get_by_role("link", name="Organisert kriminalitet").click()
    expect(page.get_by_role("button", name="Kvitter for mottak")).to_be_visible()
    phone.shot("phone-desk-referral")
    phone.assert_accessible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, "the referral scrolls sideways on a phone"

    page.get_by_role("button", name="Kvitter for mottak").click()
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("Du kvitterte for henvisningen.")
    phone.shot("phone-desk-referral-acknowledged")
    phone.assert_accessible()
