"""Journey 1: the unit's intake of tips, triaged into a new case, merged into a case, dismissed."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cases import services
from cases.choices import CaseSource, TipSource, TipStatus
from cases.models import Case, Tip
from tests.factories import case_kwargs

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def tips(alice, osl):
    now = timezone.now()

    def tip(description, source, hours_ago, mentioned=""):
        return services.tip_create(
            actor=alice,
            unit=osl,
            source=source,
            description=description,
            subjects_mentioned=mentioned,
            received_at=now - datetime.timedelta(hours=hours_ago),
        )

    return [
        tip(
            "Bilvaskeri på Alnabru: seks arbeidere uten kontrakt jobber tolv timer om dagen og sover i lageret.",
            TipSource.UNION,
            2,
            "Alna Bilpleie AS (988077917), en formann som kalles «Marius»",
        ),
        tip("Samme bilvask: lønn utbetales kontant hver fredag, ingen lønnsslipper.", TipSource.ANONYMOUS, 5),
        tip("Nabo klager på støy fra en byggeplass om natten.", TipSource.PUBLIC, 30),
    ]


@pytest.fixture
def car_wash_case(alice, osl):
    return services.case_create(
        actor=alice,
        unit=osl,
        **case_kwargs(title="Bilvask med svart arbeid på Alnabru", sector="45.20", agencies=["LABOUR", "TAX"]),
    )


def test_an_officer_opens_a_case_from_a_tip_and_merges_another_into_a_case(journey, alice, tips, car_wash_case):
    page = journey.page
    journey.login("alice")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Tips").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tips")
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("3 tips")
    expect(page.locator(".app-tip").first).to_contain_text("Alna Bilpleie AS (988077917)")
    expect(page.locator(".app-tip").first).to_contain_text("Fagforening")
    journey.shot("tips-inbox")
    journey.assert_accessible()

    # The first tip becomes a case: the form comes filled in from it.
    page.get_by_role("link", name=re.compile("^Bilvaskeri på Alnabru")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tips mottatt")
    journey.shot("tip")
    journey.assert_accessible()
    page.get_by_role("link", name="Opprett sak fra tipset").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny sak fra et tips")
    expect(page.get_by_label("Sammendrag")).to_have_value(re.compile("^Bilvaskeri på Alnabru"))
    journey.shot("case-form-from-tip")
    journey.assert_accessible()
    page.get_by_label("Tittel").fill("Alna Bilpleie: arbeidere uten kontrakt")
    page.get_by_label("Skatteetaten").check()
    page.get_by_label("Søk etter næring").fill("45.20")
    page.get_by_label(re.compile("^Vedlikehold og reparasjon av motorvogner")).check()
    page.get_by_label("Svart arbeid").check()
    page.get_by_role("button", name="Registrer saken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Alna Bilpleie: arbeidere uten kontrakt")
    expect(page.locator("#history")).to_contain_text("Opprettet saken fra et tips")
    promoted = Case.objects.get(title="Alna Bilpleie: arbeidere uten kontrakt")
    assert promoted.source == CaseSource.TIP and promoted.summary.startswith("Bilvaskeri på Alnabru")
    assert Tip.objects.get(pk=tips[0].pk).case == promoted
    journey.shot("case-from-tip")

    # The second tip goes into the car-wash case, found by a word of its title.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Tips").click()
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("2 tips")
    page.get_by_role("link", name=re.compile("^Samme bilvask")).click()
    page.get_by_label("Finn saken med saksnummer eller tittel").fill("svart arbeid")
    page.get_by_label(re.compile("^Bilvask med svart arbeid på Alnabru")).check()
    journey.shot("tip-merge-search")
    journey.assert_accessible()
    page.get_by_role("button", name="Slå tipset sammen med saken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bilvask med svart arbeid på Alnabru")
    expect(page.locator("#journal")).to_contain_text("slått sammen med saken")
    assert Tip.objects.get(pk=tips[1].pk).status == TipStatus.MERGED
    journey.shot("case-with-merged-tip")


def test_a_tip_is_dismissed_with_a_reason_on_a_phone(phone, alice, tips):
    page = phone.page
    phone.login("alice")
    phone.goto("/cases/tips/")
    phone.assert_accessible()
    page.get_by_role("link", name=re.compile("^Nabo klager")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tips mottatt")
    page.get_by_role("button", name="Henlegg tipset").click()
    expect(page.get_by_text("Dette feltet er påkrevd.")).to_be_visible()
    assert Tip.objects.get(pk=tips[2].pk).status == TipStatus.NEW
    phone.shot("dismiss-without-reason")
    phone.assert_accessible()
    page.get_by_label("Begrunnelse for henleggelse").fill("Støy fra byggeplass er ikke arbeidslivskriminalitet.")
    page.get_by_role("button", name="Henlegg tipset").click()
    expect(page.get_by_role("main").get_by_role("status").first).to_contain_text("Tipset er henlagt")
    expect(page.locator(".app-tip")).to_have_count(2)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the inbox scrolls sideways on a phone ({width}px)"
    phone.shot("inbox-after-dismissal")
    page.get_by_role("link", name="Behandlet").click()
    expect(page.locator(".app-tip")).to_contain_text("Støy fra byggeplass er ikke arbeidslivskriminalitet.")
    phone.shot("triaged-tips")
    phone.assert_accessible()

    # The case page on a phone: one column, nothing wider than the screen.
    case = services.case_create(actor=alice, unit=alice.memberships.get().unit, **case_kwargs())
    phone.goto(f"/cases/{case.pk}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the case page scrolls sideways on a phone ({width}px)"
    phone.assert_accessible()
    phone.goto("/cases/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the cases list scrolls sideways on a phone ({width}px)"
