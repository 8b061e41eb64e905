"""Journey 7: the home page after signing in, the header search, statistics with a download,
and the notifications page — in Norwegian, through real clicks; at 390 px once."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from notifications.choices import EmailFrequency
from notifications.models import Notification, NotificationPreference
from tests.web.conftest import make_work

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def work(alice, bob, carol, dave, osl, bgo):
    return make_work(2, alice=alice, bob=bob, carol=carol, dave=dave, osl=osl, bgo=bgo)


def test_a_coordinator_reads_the_dashboard_searches_and_downloads_the_statistics(journey, work, carol, tmp_path):
    page = journey.page
    page.emulate_media(reduced_motion="reduce")  # no opening animation half-way in a screenshot
    journey.login("carol")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Velkommen")
    expect(page.get_by_role("heading", name="Mine åpne saker")).to_be_visible()
    expect(page.get_by_text(f"{work.cases[0].reference} {work.cases[0].title}").first).to_be_visible()
    charts = page.locator('svg[role="img"]')
    expect(charts).to_have_count(4)
    expect(page.get_by_role("img", name=re.compile("Saker etter status"))).to_be_visible()
    page.get_by_text("Vis tallene som tabell").first.click()  # the numbers behind a chart
    expect(page.get_by_role("table").first).to_be_visible()
    journey.shot("dashboard")
    journey.assert_accessible()

    search = page.get_by_role("searchbox", name="Søk etter en sak, en virksomhet eller en person")
    search.fill("ostby")
    live = page.locator("#search-live")
    expect(live.get_by_text("Kari Østby 0")).to_be_visible()
    expect(page.locator("#search-status")).to_have_text("2 treff")
    journey.shot("search-as-you-type")
    journey.assert_accessible()
    search.press("Escape")  # closes the live results
    expect(live.get_by_text("Kari Østby 0")).to_have_count(0)
    search.fill("østby")
    expect(live.get_by_text("Kari Østby 1")).to_be_visible()
    search.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Søk")
    expect(page.get_by_role("heading", name="Personer")).to_be_visible()
    expect(page.get_by_text("Kari Østby 1")).to_be_visible()
    expect(page.get_by_text("Ola Østby")).to_have_count(0)  # Bergen's: not Oslo's to see
    journey.shot("search-results")
    journey.assert_accessible()

    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Statistikk").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Statistikk")
    expect(page.get_by_role("heading", name="Totalt")).to_be_visible()
    page.get_by_label("Næring", exact=True).select_option(label="Hele Forretningsmessig tjenesteyting")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"sector=N"))
    figures = page.locator(".app-figure")
    expect(figures.first).to_contain_text("3")  # cases opened: two and the closed one
    journey.shot("statistics")
    journey.assert_accessible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned CSV").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert re.fullmatch(r"statistikk-\d{4}-01-01-\d{4}-12-31\.csv", saved.name)
    lines = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert ["Næring: N Forretningsmessig tjenesteyting"] in lines
    assert ["Saker opprettet", "3"] in lines and ["Kontroller gjennomført", "2"] in lines


def test_an_officer_reads_a_notification_and_changes_her_email_preference(journey, work, alice):
    page = journey.page
    journey.login("alice")
    unread = Notification.objects.filter(recipient=alice, read_at__isnull=True).count()
    assert unread >= 2
    page.get_by_role("link", name=re.compile(r"^Varsler")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Varsler")
    expect(page.get_by_text("Felles kontroll planlagt: Cleaning contractors 0")).to_be_visible()
    journey.shot("notifications")
    journey.assert_accessible()

    page.get_by_role("button", name=re.compile("^Merk som lest")).first.click()
    expect(page.locator("#unread-link .ds-badge")).to_have_attribute("data-count", str(unread - 1))
    assert Notification.objects.filter(recipient=alice, read_at__isnull=True).count() == unread - 1
    journey.shot("notification-read")

    page.get_by_label("Daglig sammendrag").check()
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status").filter(has_text="E-postvalget ditt er lagret.")).to_be_visible()
    expect(page.get_by_label("Daglig sammendrag")).to_be_checked()
    assert NotificationPreference.objects.get(user=alice).email == EmailFrequency.DIGEST
    journey.shot("email-preference-saved")
    journey.assert_accessible()


def test_the_dashboard_works_on_a_phone(phone, work, carol):
    phone.login("carol")
    expect(phone.page.get_by_role("heading", name="Mine åpne saker")).to_be_visible()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the dashboard scrolls sideways on a phone ({width}px)"
    phone.shot("dashboard-390")
    phone.assert_accessible()
    # And the charts as the phone shows them (the full-page shot is long).
    phone.page.get_by_role("heading", name="Enhetenes arbeid de siste 12 månedene").scroll_into_view_if_needed()
    phone.page.screenshot(path=str(phone.shots / "dashboard-390-charts.png"))
