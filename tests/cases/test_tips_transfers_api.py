"""Tips and transfers through the API: intake by an agency system, triage, and a case moving units."""

import uuid

import pytest
from rest_framework.test import APIClient

from agencies.choices import UnitRole
from cases.models import Case, Tip
from tests.conftest import NEW_CASE
from tests.factories import officer
from tracker.models import AuditEntry

TIP = {
    "unit": "OSL",
    "source": "union",
    "description": "Cash wages at a car wash on Ring 3",
    "subjects_mentioned": "Bilvask AS",
}
PROMOTE = {"title": "Car wash on Ring 3", "lead_agency": "LABOUR", "agencies": ["LABOUR"], "sector": "45.20"}


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def tip(labour_api):
    response = labour_api.post("/api/v1/tips/", TIP, format="json")
    assert response.status_code == 201, response.content
    return response


def test_an_agency_system_takes_in_a_tip_for_its_unit(labour_api, tip):
    body = tip.json()
    assert tip["Location"] == f"/api/v1/tips/{body['id']}/"
    assert body["status"] == "new" and body["unit"] == "OSL" and body["case"] is None
    assert body["subjects_mentioned"] == "Bilvask AS" and body["received_at"]
    assert AuditEntry.objects.filter(action="tip.create", object_id=body["id"]).exists()
    assert labour_api.get(tip["Location"]).json() == body


def test_a_tip_for_a_unit_the_system_does_not_serve_is_refused_by_field(labour_api):
    response = labour_api.post("/api/v1/tips/", {**TIP, "unit": "BGO"}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["pointer"] for e in response.json()["errors"]] == ["/unit"]
    assert not Tip.objects.exists()


def test_a_tip_with_a_future_receipt_is_a_problem_at_the_field(labour_api):
    response = labour_api.post("/api/v1/tips/", {**TIP, "received_at": "2999-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400, response.content
    assert [e["pointer"] for e in response.json()["errors"]] == ["/received_at"]


def test_a_retried_intake_with_the_same_idempotency_key_makes_one_tip(labour_api):
    first = labour_api.post("/api/v1/tips/", TIP, format="json", HTTP_IDEMPOTENCY_KEY="tip-1")
    again = labour_api.post("/api/v1/tips/", TIP, format="json", HTTP_IDEMPOTENCY_KEY="tip-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json() == first.json()
    assert Tip.objects.count() == 1


def test_the_list_filters_by_status_and_source_and_another_unit_sees_none(labour_api, bergen_api, tip):
    labour_api.post("/api/v1/tips/", {**TIP, "source": "public"}, format="json")
    assert len(labour_api.get("/api/v1/tips/").json()["results"]) == 2
    union = labour_api.get("/api/v1/tips/", {"source": "union", "status": "new"}).json()["results"]
    assert [t["id"] for t in union] == [tip.json()["id"]]
    assert labour_api.get("/api/v1/tips/", {"status": "dismissed"}).json()["results"] == []
    assert bergen_api.get("/api/v1/tips/").json()["results"] == []
    assert bergen_api.get(tip["Location"]).status_code == 404
    bad = labour_api.get("/api/v1/tips/", {"status": "lost"})
    assert bad.status_code == 400 and bad["Content-Type"] == "application/problem+json"


def test_promoting_a_tip_opens_a_case_in_its_unit_prefilled_from_it(labour_api, tip):
    response = labour_api.post(f"{tip['Location']}promote/", PROMOTE, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    case = Case.objects.get(pk=body["case"])
    assert body["status"] == "promoted" and body["case_reference"] == case.reference
    assert case.unit.code == "OSL" and case.source == "tip" and case.summary == TIP["description"]
    again = labour_api.post(f"{tip['Location']}promote/", PROMOTE, format="json")
    assert again.status_code == 409 and Case.objects.count() == 1


def test_a_promotion_with_a_bad_case_field_writes_nothing(labour_api, tip):
    response = labour_api.post(f"{tip['Location']}promote/", {**PROMOTE, "sector": "99.99"}, format="json")
    assert response.status_code == 400, response.content
    assert [e["pointer"] for e in response.json()["errors"]] == ["/sector"]
    assert not Case.objects.exists() and Tip.objects.get().status == "new"


def test_a_tip_merges_into_a_case_of_its_unit(labour_api, api_case, tip):
    case_id = api_case.json()["id"]
    response = labour_api.post(f"{tip['Location']}merge/", {"case": case_id}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged" and response.json()["case"] == case_id


def test_a_tip_cannot_merge_into_a_case_the_caller_cannot_see(labour_api, nav_oslo_api, tip):
    other = nav_oslo_api.post(
        "/api/v1/cases/", {**NEW_CASE, "lead_agency": "NAV", "agencies": ["NAV"]}, format="json"
    ).json()
    response = labour_api.post(f"{tip['Location']}merge/", {"case": other["id"]}, format="json")
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["/case"]
    unknown = str(uuid.uuid4())
    as_unknown = labour_api.post(f"{tip['Location']}merge/", {"case": unknown}, format="json")
    assert response.content.decode().replace(other["id"], unknown) == as_unknown.content.decode()


def test_a_tip_merged_into_another_agency_s_case_names_no_case_to_the_unit(labour_api, nav_oslo_api, api_case, tip):
    labour_api.post(f"{tip['Location']}merge/", {"case": api_case.json()["id"]}, format="json")
    seen_by_nav = nav_oslo_api.get(tip["Location"]).json()
    assert seen_by_nav["status"] == "merged" and seen_by_nav["case"] is None and seen_by_nav["case_reference"] is None


def test_dismissing_needs_a_reason_and_is_kept(labour_api, tip):
    blank = labour_api.post(f"{tip['Location']}dismiss/", {"reason": ""}, format="json")
    assert blank.status_code == 400 and blank.json()["errors"][0]["pointer"] == "/reason"
    done = labour_api.post(f"{tip['Location']}dismiss/", {"reason": "Same as last week's"}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "dismissed" and done.json()["dismissal_reason"] == "Same as last week's"


def test_a_key_without_cases_write_cannot_take_in_tips(make_key):
    from tests.conftest import client_for

    _, token = make_key(scopes=["cases:read"])
    response = client_for(token).post("/api/v1/tips/", TIP, format="json")
    assert response.status_code == 403 and "cases:write" in response.json()["detail"]


# --- transfers ----------------------------------------------------------------------------


@pytest.fixture
def trd_coordinator(reference):
    return officer("tove", "LABOUR", unit="TRD", role=UnitRole.COORDINATOR)


@pytest.fixture
def transfer(labour_api, api_case):
    response = labour_api.post(
        "/api/v1/transfers/", {"case": api_case.json()["id"], "to_unit": "TRD", "reason": "The firm moved"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    return response


def test_a_transfer_is_asked_for_and_the_receiving_coordinator_sees_it(transfer, trd_coordinator, bergen_api):
    body = transfer.json()
    assert body["status"] == "pending" and body["from_unit"] == "OSL" and body["to_unit"] == "TRD"
    coordinator = _session(trd_coordinator)
    listed = coordinator.get("/api/v1/transfers/", {"status": "pending", "to_unit": "TRD"}).json()["results"]
    assert [t["id"] for t in listed] == [body["id"]]
    assert bergen_api.get(transfer["Location"]).status_code == 404
    assert bergen_api.get("/api/v1/transfers/").json()["results"] == []


def test_a_second_pending_transfer_of_a_case_is_a_conflict(labour_api, transfer):
    again = labour_api.post(
        "/api/v1/transfers/", {"case": transfer.json()["case"], "to_unit": "BGO", "reason": "Or Bergen"}, format="json"
    )
    assert again.status_code == 409 and again["Content-Type"] == "application/problem+json"


def test_transferring_to_the_case_s_own_unit_is_refused_at_the_field(labour_api, api_case):
    response = labour_api.post(
        "/api/v1/transfers/", {"case": api_case.json()["id"], "to_unit": "OSL", "reason": "x"}, format="json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["pointer"] == "/to_unit"


def test_the_receiving_coordinator_accepts_and_the_case_moves(transfer, trd_coordinator):
    response = _session(trd_coordinator).post(f"{transfer['Location']}accept/", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    assert Case.objects.get(pk=transfer.json()["case"]).unit.code == "TRD"


def test_the_sender_cannot_decide_its_own_transfer(labour_api, transfer):
    response = labour_api.post(f"{transfer['Location']}accept/", {}, format="json")
    assert response.status_code == 403
    assert Case.objects.get(pk=transfer.json()["case"]).unit.code == "OSL"


def test_declining_needs_a_reason_and_leaves_the_case_where_it_was(transfer, trd_coordinator):
    coordinator = _session(trd_coordinator)
    assert coordinator.post(f"{transfer['Location']}decline/", {}, format="json").status_code == 400
    response = coordinator.post(f"{transfer['Location']}decline/", {"reason": "Not our region"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "refused" and response.json()["decision_note"] == "Not our region"
    assert Case.objects.get(pk=transfer.json()["case"]).unit.code == "OSL"
    twice = coordinator.post(f"{transfer['Location']}accept/", {}, format="json")
    assert twice.status_code == 409
