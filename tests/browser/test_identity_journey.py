"""An officer sees a worker's identity number masked and shows it by giving a reason (Bokmål, axe,
at desktop width and at 390 px)."""

import pytest
from playwright.sync_api import expect

from cases import services
from tests.factories import identity_number
from tracker.models import AuditEntry

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = identity_number()


@pytest.fixture
def worker_on_case(alice, labour_case):
    person = services.person_upsert(actor=alice, case=labour_case, name="Ana Popescu", id_number=NUMBER)
    services.case_add_subject(actor=alice, case=labour_case, person=person, role="worker")
    return labour_case


@pytest.mark.parametrize("device", ["journey", "phone"])
def test_an_officer_shows_a_number_by_giving_a_reason(request, device, worker_on_case, alice):
    journey = request.getfixturevalue(device)
    page = journey.page
    journey.login("alice")
    journey.goto(f"/cases/{worker_on_case.pk}/")
    subjects = page.locator("#subjects")
    expect(subjects).to_contain_text(f"{NUMBER[:6]} *****")
    expect(subjects).not_to_contain_text(NUMBER)

    subjects.get_by_role("link", name="Vis nummer Ana Popescu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Identitetsnummeret til Ana Popescu")
    journey.shot(f"reveal-form-{device}")
    journey.assert_accessible()

    page.get_by_role("button", name="Vis nummer").click()  # no reason: the form comes back
    expect(page.get_by_role("alert")).to_contain_text("Hvorfor trenger du hele nummeret?")
    expect(page.locator("main")).not_to_contain_text(NUMBER)
    journey.assert_accessible()

    page.get_by_label("Hvorfor trenger du hele nummeret?").fill("Kontroll mot A-meldingen")
    page.get_by_role("button", name="Vis nummer").click()
    expect(page.locator("#revealed")).to_contain_text(NUMBER)
    journey.shot(f"reveal-shown-{device}")
    journey.assert_accessible()
    row = AuditEntry.objects.get(action="subject.reveal")
    assert row.actor == alice and row.after["reason"] == "Kontroll mot A-meldingen"

    page.get_by_role("link", name="Tilbake til saken").click()
    expect(page.locator("#subjects")).not_to_contain_text(NUMBER)
