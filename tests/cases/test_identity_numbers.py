"""Identity numbers in the API: the birth-date part for everyone, the whole number to a reason (audited) or
to an agency system holding identity:read (each response audited)."""

import pytest
from django.apps import apps

from agencies.models import ApiKey
from cases import services
from cases.identity import mask_identity_number
from tests.conftest import client_for
from tests.factories import identity_number
from tracker.api.scopes import SCOPES
from tracker.models import AuditEntry

NUMBER = identity_number()  # 15.10.1986
MASKED = f"{NUMBER[:6]} *****"
WITHOUT_IDENTITY = [scope for scope in SCOPES if scope != "identity:read"]


@pytest.fixture
def ana(alice, labour_case):
    person = services.person_upsert(actor=alice, case=labour_case, name="Ana Popescu", id_number=NUMBER)
    services.case_add_subject(actor=alice, case=labour_case, person=person, role="worker")
    return person


@pytest.fixture
def api_as(client, make_key):
    def sign_in(user=None, scopes=WITHOUT_IDENTITY):
        if user is not None:
            from rest_framework.test import APIClient

            api = APIClient()
            api.force_login(user)
            return api
        _, token = make_key(scopes=scopes)
        return client_for(token)

    return sign_in


def test_the_mask_keeps_the_birth_date_part_only():
    assert mask_identity_number("15108695088") == "151086 *****"
    assert mask_identity_number(None) == mask_identity_number("") == ""


@pytest.mark.parametrize("who", ["person", "key without identity:read"])
def test_api_responses_carry_the_birth_date_part_only(api_as, alice, labour_case, ana, who):
    api = api_as(alice) if who == "person" else api_as()
    responses = [
        api.get(f"/api/v1/persons/{ana.pk}/"),
        api.get("/api/v1/persons/"),
        api.get(f"/api/v1/cases/{labour_case.pk}/subjects/"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert NUMBER not in response.content.decode() and MASKED in response.content.decode()
    assert not AuditEntry.objects.filter(action="identity.disclose").exists()


def test_a_key_with_identity_read_gets_whole_numbers_and_each_response_is_audited(api_as, labour_case, ana):
    api = api_as(scopes=list(SCOPES))
    assert api.get(f"/api/v1/persons/{ana.pk}/").json()["id_number"] == NUMBER
    listed = api.get(f"/api/v1/cases/{labour_case.pk}/subjects/").json()["results"]
    assert listed[0]["person"]["id_number"] == NUMBER
    rows = AuditEntry.objects.filter(action="identity.disclose").order_by("id")
    assert rows.count() == 2
    assert all(row.after == {"via": "api", "persons": [str(ana.pk)]} for row in rows)


def test_the_subject_created_answers_masked_to_whoever_lacks_the_scope(api_as, labour_case):
    response = api_as().post(
        f"/api/v1/cases/{labour_case.pk}/subjects/",
        {"role": "worker", "person": {"name": "Ion Rusu", "id_number": NUMBER}},
        format="json",
    )
    assert response.status_code == 201 and response.json()["person"]["id_number"] == MASKED


def test_a_person_is_found_by_the_whole_number_only_and_answered_masked(api_as, alice, ana):
    api = api_as(alice)
    found = api.get("/api/v1/persons/", {"id_number": NUMBER}).json()["results"]
    assert [p["id"] for p in found] == [str(ana.pk)] and found[0]["id_number"] == MASKED
    assert api.get("/api/v1/persons/", {"id_number": NUMBER[:6]}).json()["results"] == []


def test_a_reveal_through_the_api_gives_the_number_and_records_the_reason(api_as, alice, ana):
    response = api_as(alice).post(
        f"/api/v1/persons/{ana.pk}/reveal/", {"reason": "Matching the A-melding"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"id": str(ana.pk), "id_kind": "national_id", "id_number": NUMBER}
    assert response["Cache-Control"] == "no-store"
    row = AuditEntry.objects.get(action="subject.reveal")
    assert row.actor == alice and row.object_id == str(ana.pk)
    assert row.after["reason"] == "Matching the A-melding" and row.after["via"] == "api"


def test_a_reveal_without_a_reason_is_a_problem_naming_the_field_and_records_nothing(api_as, alice, ana):
    response = api_as(alice).post(f"/api/v1/persons/{ana.pk}/reveal/", {"reason": "  "}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    assert "reason" in response.content.decode()
    missing = api_as(alice).post(f"/api/v1/persons/{ana.pk}/reveal/", {}, format="json")
    assert missing.status_code == 400 and "reason" in missing.content.decode()
    assert not AuditEntry.objects.filter(action="subject.reveal").exists()


def test_a_key_needs_identity_read_to_reveal(api_as, ana):
    response = api_as().post(f"/api/v1/persons/{ana.pk}/reveal/", {"reason": "Match"}, format="json")
    assert response.status_code == 403 and "identity:read" in response.content.decode()


def test_a_person_out_of_reach_cannot_be_revealed(api_as, dave, ana):
    response = api_as(dave).post(f"/api/v1/persons/{ana.pk}/reveal/", {"reason": "Curious"}, format="json")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action="subject.reveal").exists()


def test_the_audit_row_of_a_new_person_holds_the_masked_number(ana):
    row = AuditEntry.objects.get(action="person.create", object_id=str(ana.pk))
    assert row.after["id_number"] == MASKED and NUMBER not in str(row.after)


def test_the_identity_scope_is_given_to_no_existing_key(make_key):
    from importlib import import_module

    migration = import_module("agencies.migrations.0006_identity_scope_granted_to_no_key")
    key, _ = make_key(scopes=["cases:read"])
    ApiKey.objects.filter(pk=key.pk).update(scopes=["cases:read", "identity:read"])
    migration.grant_to_no_key(apps, None)
    key.refresh_from_db()
    assert key.scopes == ["cases:read"]


def test_a_person_without_a_number_has_nothing_to_reveal(api_as, alice, labour_case):
    nameless = services.person_upsert(actor=alice, case=labour_case, name="Unknown worker")
    services.case_add_subject(actor=alice, case=labour_case, person=nameless, role="worker")
    response = api_as(alice).post(f"/api/v1/persons/{nameless.pk}/reveal/", {"reason": "Match"}, format="json")
    assert response.status_code == 400 and "no identity number" in response.content.decode()
    assert not AuditEntry.objects.filter(action="subject.reveal").exists()


def test_a_reveal_is_neither_stored_nor_replayed_for_an_idempotency_key(api_as, alice, ana):
    from tracker.models import IdempotencyRecord

    api = api_as(alice)
    for _ in range(2):
        response = api.post(
            f"/api/v1/persons/{ana.pk}/reveal/", {"reason": "Match"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
        )
        assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert AuditEntry.objects.filter(action="subject.reveal").count() == 2
    assert not IdempotencyRecord.objects.exists()
