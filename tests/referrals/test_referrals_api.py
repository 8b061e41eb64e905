from tests.cases.test_cases_api import assert_problem
from tests.conftest import NEW_CASE


def test_a_referral_from_draft_to_closed(labour_api, api_case, desk):
    from rest_framework.test import APIClient

    case = api_case.json()
    subject = labour_api.post(
        f"{api_case['Location']}subjects/",
        {
            "role": "potential_victim",
            "person": {"name": "Yonas Tesfay", "nationality": "ER"},
            "ilo_indicators": ["debt_bondage"],
        },
        format="json",
    ).json()
    draft = labour_api.post(
        "/api/v1/referrals/",
        {
            "case": case["id"],
            "contact_point": "NCIS",
            "category": "migrant_trafficking",
            "summary": "Travel debt",
            "legal_basis": "police_register_act",
            "subjects": [subject["id"]],
        },
        format="json",
    )
    assert draft.status_code == 201, draft.content
    sent = labour_api.post(f"{draft['Location']}send/", {}, format="json", HTTP_IF_MATCH=draft["ETag"])
    assert sent.status_code == 200 and sent.json()["acknowledgement_due_on"]
    desk_api = APIClient()
    desk_api.force_login(desk)
    assert_problem(
        labour_api.post(f"{draft['Location']}acknowledge/", {}, format="json", HTTP_IF_MATCH=sent["ETag"]), 403
    )
    etag = sent["ETag"]
    for step, body in (("acknowledge", {}), ("accept", {}), ("close", {"outcome": "Shared with Europol"})):
        moved = desk_api.post(f"{draft['Location']}{step}/", body, format="json", HTTP_IF_MATCH=etag)
        assert moved.status_code == 200, moved.content
        etag = moved["ETag"]
    assert moved.json()["status"] == "closed"
    assert_problem(desk_api.get(api_case["Location"]), 404)  # the desk sees the referral, not the case


def test_referral_subjects_must_belong_to_the_case(labour_api, api_case):
    other = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
    foreign = labour_api.post(
        f"{other['Location']}subjects/", {"role": "witness", "person": {"name": "X"}}, format="json"
    ).json()
    response = labour_api.post(
        "/api/v1/referrals/",
        {
            "case": api_case.json()["id"],
            "contact_point": "NCIS",
            "category": "organised_crime",
            "summary": "s",
            "legal_basis": "police_register_act",
            "subjects": [foreign["id"]],
        },
        format="json",
    )
    assert_problem(response, 400, "/subjects")


def test_a_referral_for_an_invisible_case_is_refused(bergen_api, api_case):
    response = bergen_api.post(
        "/api/v1/referrals/",
        {
            "case": api_case.json()["id"],
            "contact_point": "NCIS",
            "category": "organised_crime",
            "summary": "s",
            "legal_basis": "police_register_act",
        },
        format="json",
    )
    assert_problem(response, 400, "/case")
