"""An auditor searches the audit trail of their unit and downloads it, in Norwegian, through
real clicks; on a phone too."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from cases.models import Case
from demo import dataset as demo
from tracker.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded(reference):
    demo.seed(cases_count=12, controls_count=1, referrals_count=1)  # units in turn: OSL is the 8th
    return Case.objects.filter(unit__code="OSL").order_by("reference").first()


def test_the_oslo_auditor_finds_who_read_a_case_and_downloads_the_rows(journey, seeded):
    page, case = journey.page, seeded
    journey.login("osl.auditor", password=demo.DEMO_PASSWORD)
    journey.goto(f"/cases/{case.pk}/")  # a read of their own, to find again
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.title)

    page.get_by_role("navigation").get_by_role("link", name="Revisjonslogg").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revisjonslogg")
    journey.assert_accessible()

    page.get_by_label("Sak", exact=True).fill(case.reference)
    page.get_by_label("Handling", exact=True).fill("case.view")
    page.locator("#main").get_by_role("button", name="Vis").click()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("case.view")
    expect(rows.first).to_contain_text("via: web")
    journey.shot("audit-search")
    journey.assert_accessible()

    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned CSV").click()
    text = open(download.value.path(), encoding="utf-8-sig").read()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["action"] == "case.view" and row["actor"] == "osl.auditor"
    assert AuditEntry.objects.filter(action="export.audit", actor__username="osl.auditor").count() == 1


def test_the_audit_trail_works_on_a_phone(phone, seeded):
    phone.login("osl.auditor", password=demo.DEMO_PASSWORD)
    phone.goto("/audit/")
    expect(phone.page.get_by_role("heading", level=1)).to_have_text("Revisjonslogg")
    expect(phone.page.locator("table tbody tr").first).to_be_visible()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    phone.shot("audit-phone")
    phone.assert_accessible()


def test_a_case_officer_is_offered_no_audit_trail(journey, seeded):
    journey.login("osl.police1", password=demo.DEMO_PASSWORD)
    expect(journey.page.get_by_role("link", name=re.compile("Revisjonslogg"))).to_have_count(0)
    journey.goto("/audit/")
    expect(journey.page.get_by_role("heading", level=1)).not_to_have_text("Revisjonslogg")
