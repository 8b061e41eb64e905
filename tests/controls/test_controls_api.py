import pytest

from tests.cases.test_cases_api import assert_problem
from tests.factories import officer

CONTROL = {
    "unit": "OSL",
    "title": "Car washes, Groruddalen",
    "starts_at": "2027-03-01T07:00:00+01:00",
    "ends_at": "2027-03-01T12:00:00+01:00",
    "agencies": ["LABOUR", "TAX"],
    "sites": [{"address": "Trondheimsveien 300, Oslo", "latitude": "59.951", "longitude": "10.845"}],
}


@pytest.fixture
def control(labour_api, api_case):
    response = labour_api.post("/api/v1/controls/", {**CONTROL, "cases": [api_case.json()["id"]]}, format="json")
    assert response.status_code == 201, response.content
    return response


def test_a_control_is_planned_staffed_run_and_its_findings_recorded(labour_api, control, reference):
    url = control["Location"]
    body = control.json()
    assert body["status"] == "planned" and body["sites"][0]["address"].startswith("Trondheimsveien")
    inspector = officer("ingrid", "LABOUR")
    booked = labour_api.post(f"{url}participants/", {"officer": str(inspector.pk), "is_lead": True}, format="json")
    assert booked.status_code == 201 and booked.json()["agency"] == "LABOUR"
    assert [p["username"] for p in labour_api.get(f"{url}participants/").json()["results"]] == ["ingrid"]
    etag = control["ETag"]
    for step in ("confirmed", "in_progress"):
        moved = labour_api.post(f"{url}transition/", {"to": step}, format="json", HTTP_IF_MATCH=etag)
        assert moved.status_code == 200, moved.content
        etag = moved["ETag"]
    finding = labour_api.post(
        f"{url}findings/",
        {"sanction_kind": "infringement-fine", "amount_nok": "75000", "persons_count": 4},
        format="json",
    )
    assert finding.status_code == 201 and finding.json()["agency"] == "LABOUR"
    assert_problem(
        labour_api.post(f"{url}findings/", {"sanction_kind": "arrest"}, format="json"), 400, "/sanction_kind"
    )
    assert len(labour_api.get(f"{url}findings/").json()["results"]) == 1


def test_double_booking_through_the_api_is_a_409(labour_api, control, reference):
    inspector = officer("ingrid", "LABOUR")
    other = labour_api.post("/api/v1/controls/", {**CONTROL, "starts_at": "2027-03-01T10:00:00+01:00"}, format="json")
    assert (
        labour_api.post(
            f"{control['Location']}participants/", {"officer": str(inspector.pk)}, format="json"
        ).status_code
        == 201
    )
    body = assert_problem(
        labour_api.post(f"{other['Location']}participants/", {"officer": str(inspector.pk)}, format="json"), 409
    )
    assert "already booked" in body["detail"]


def test_a_control_window_must_be_positive(labour_api):
    assert_problem(
        labour_api.post("/api/v1/controls/", {**CONTROL, "ends_at": CONTROL["starts_at"]}, format="json"),
        400,
        "/ends_at",
    )


def test_controls_are_404_for_other_units(bergen_api, control):
    assert_problem(bergen_api.get(control["Location"]), 404)
    assert_problem(bergen_api.get(f"{control['Location']}findings/"), 404)
    assert_problem(bergen_api.get(f"{control['Location']}participants/"), 404)
    assert bergen_api.get("/api/v1/controls/").json()["results"] == []
