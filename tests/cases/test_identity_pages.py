"""Identity numbers on the pages: masked, and "Show number" asks for a reason (audited)."""

import re

import pytest

from cases import services
from tests.factories import identity_number
from tracker.models import AuditEntry

NUMBER = identity_number()  # 15.10.1986
MASKED = f"{NUMBER[:6]} *****"


@pytest.fixture
def ana(alice, labour_case):
    person = services.person_upsert(actor=alice, case=labour_case, name="Ana Popescu", id_number=NUMBER)
    services.case_add_subject(actor=alice, case=labour_case, person=person, role="worker")
    return person


def test_the_case_page_masks_the_number_and_offers_to_show_it(client, alice, labour_case, ana):
    client.force_login(alice)
    page = client.get(f"/cases/{labour_case.pk}/").content.decode()
    assert NUMBER not in page and MASKED in page
    assert f"/cases/{labour_case.pk}/persons/{ana.pk}/reveal/" in page


def test_show_number_asks_for_a_reason_first(client, alice, labour_case, ana):
    client.force_login(alice)
    url = f"/cases/{labour_case.pk}/persons/{ana.pk}/reveal/"
    form = client.get(url)
    assert form.status_code == 200 and NUMBER not in form.content.decode()
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and NUMBER not in refused.content.decode()
    assert 'aria-invalid="true"' in refused.content.decode()
    assert not AuditEntry.objects.filter(action="subject.reveal").exists()


def test_show_number_with_a_reason_shows_it_once_and_records_it(client, alice, labour_case, ana):
    client.force_login(alice)
    url = f"/cases/{labour_case.pk}/persons/{ana.pk}/reveal/"
    shown = client.post(url, {"reason": "Checking the tax card"})
    assert shown.status_code == 200 and NUMBER in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    row = AuditEntry.objects.get(action="subject.reveal")
    assert row.after["reason"] == "Checking the tax card" and row.after["via"] == "web" and row.actor == alice
    # Not remembered: the case page and the reveal page mask it again.
    assert NUMBER not in client.get(f"/cases/{labour_case.pk}/").content.decode()
    assert NUMBER not in client.get(url).content.decode()


def test_show_number_is_404_for_a_case_out_of_reach(client, dave, labour_case, ana):
    client.force_login(dave)
    response = client.post(f"/cases/{labour_case.pk}/persons/{ana.pk}/reveal/", {"reason": "Curious"})
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="subject.reveal").exists()


def test_the_show_number_page_speaks_bokmal(client, alice, labour_case, ana):
    client.force_login(alice)  # Bokmål is everyone's language until they choose another
    page = client.get(f"/cases/{labour_case.pk}/persons/{ana.pk}/reveal/").content.decode()
    assert "Vis nummer" in page and "Hvorfor trenger du hele nummeret?" in page


def test_the_admin_masks_the_number_and_finds_by_the_whole_one(client, root, ana):
    client.force_login(root)
    listing = client.get("/admin/cases/person/", {"q": NUMBER}).content.decode()
    # The search box and the links (sorting, preserved filters) keep what was typed.
    listing = re.sub(rf'value="{NUMBER}"|q(=|%3D){NUMBER}', "", listing)
    assert "Ana Popescu" in listing and NUMBER not in listing and MASKED in listing
    assert "Ana Popescu" not in client.get("/admin/cases/person/", {"q": NUMBER[:6]}).content.decode()
    detail = client.get(f"/admin/cases/person/{ana.pk}/change/").content.decode()
    assert NUMBER not in detail and MASKED in detail
