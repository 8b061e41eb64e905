import json

import pytest
from django.test import override_settings

from cases.models import Case, Organisation
from tests.conftest import NEW_CASE, client_for

PROBLEM = "application/problem+json"


def assert_problem(response, status, pointer=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= body.keys() and body["status"] == status
    if pointer:
        assert pointer in [e["pointer"] for e in body["errors"]], body
    return body


def test_a_system_creates_a_case_and_reads_it_back(labour_api, api_case):
    body = api_case.json()
    assert body["reference"].startswith("OSL-") and body["unit"] == "OSL" and body["agencies"] == ["LABOUR", "TAX"]
    assert api_case["Location"] == f"/api/v1/cases/{body['id']}/"
    read = labour_api.get(api_case["Location"])
    assert read.status_code == 200 and read.json() == body
    assert read["ETag"] == '"1"'


def test_reference_data_is_named_by_code(labour_api):
    agencies = labour_api.get("/api/v1/agencies/").json()["results"]
    assert {a["code"] for a in agencies} == {"POLICE", "TAX", "NAV", "LABOUR", "CUSTOMS"}
    labour = labour_api.get("/api/v1/agencies/LABOUR/").json()
    assert "infringement-fine" in {k["code"] for k in labour["sanction_kinds"]}
    assert labour_api.get("/api/v1/units/OSL/").json()["agencies"] == ["CUSTOMS", "LABOUR", "NAV", "POLICE", "TAX"]
    assert labour_api.get("/api/v1/contact-points/").json()["results"][0]["code"] == "NCIS"


def test_unknown_fields_are_refused_with_a_pointer(labour_api):
    body = assert_problem(
        labour_api.post("/api/v1/cases/", {**NEW_CASE, "colour": "red"}, format="json"), 400, "/colour"
    )
    assert body["errors"] == [{"pointer": "/colour", "detail": "Unknown field."}]
    assert not Case.objects.exists()


def test_wrong_types_and_bad_codes_are_refused_with_pointers(labour_api):
    body = assert_problem(
        labour_api.post(
            "/api/v1/cases/", {**NEW_CASE, "offences": "wages", "sector": "99.99", "lead_agency": "FBI"}, format="json"
        ),
        400,
    )
    pointers = {e["pointer"] for e in body["errors"]}
    assert {"/offences", "/lead_agency"} <= pointers
    assert_problem(labour_api.post("/api/v1/cases/", {**NEW_CASE, "sector": "99.99"}, format="json"), 400, "/sector")
    assert not Case.objects.exists()


def test_malformed_json_is_a_400(labour_api):
    response = labour_api.generic("POST", "/api/v1/cases/", "{not json", content_type="application/json")
    assert_problem(response, 400)


def test_a_non_json_body_is_a_415(labour_api):
    response = labour_api.generic("POST", "/api/v1/cases/", "title=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000)
def test_an_oversized_body_is_a_413(labour_api):
    response = labour_api.post("/api/v1/cases/", {**NEW_CASE, "summary": "x" * 5000}, format="json")
    assert_problem(response, 413)
    assert not Case.objects.exists()


def test_an_invalid_organisation_number_is_a_400_naming_the_field(labour_api, api_case):
    url = f"{api_case['Location']}subjects/"
    response = labour_api.post(
        url,
        {"role": "employer", "organisation": {"organisation_number": "988077918", "name": "Fjord Bilpleie AS"}},
        format="json",
    )
    body = assert_problem(response, 400, "/organisation_number")
    assert "check digit" in body["errors"][0]["detail"]
    assert not Organisation.objects.exists()
    ok = labour_api.post(
        url,
        {"role": "employer", "organisation": {"organisation_number": "988077917", "name": "Fjord Bilpleie AS"}},
        format="json",
    )
    assert ok.status_code == 201
    found = labour_api.get("/api/v1/organisations/", {"organisation_number": "988 077 917"}).json()["results"]
    assert [o["name"] for o in found] == ["Fjord Bilpleie AS"]


def test_an_invalid_identity_number_is_a_400_naming_the_field(labour_api, api_case):
    response = labour_api.post(
        f"{api_case['Location']}subjects/",
        {"role": "worker", "person": {"name": "Piotr", "id_number": "1510869508"}},
        format="json",
    )
    body = assert_problem(response, 400, "/id_number")
    assert "11 digits" in body["errors"][0]["detail"]


def test_updates_need_if_match_and_lose_nothing(labour_api, api_case):
    url = api_case["Location"]
    assert_problem(labour_api.patch(url, {"title": "New"}, format="json"), 428)
    assert_problem(labour_api.patch(url, {"title": "New"}, format="json", HTTP_IF_MATCH='"7"'), 412)
    ok = labour_api.patch(url, {"title": "New"}, format="json", HTTP_IF_MATCH=api_case["ETag"])
    assert ok.status_code == 200 and ok.json()["title"] == "New" and ok["ETag"] == '"2"'
    assert_problem(labour_api.patch(url, {"title": "Lost"}, format="json", HTTP_IF_MATCH=api_case["ETag"]), 412)
    assert Case.objects.get().title == "New"


def test_transitions_follow_the_workflow(labour_api, api_case):
    url = f"{api_case['Location']}transition/"
    assert_problem(labour_api.post(url, {"to": "assessment"}, format="json"), 428)
    moved = labour_api.post(url, {"to": "assessment"}, format="json", HTTP_IF_MATCH=api_case["ETag"])
    assert moved.status_code == 200 and moved.json()["status"] == "assessment"
    body = assert_problem(labour_api.post(url, {"to": "received"}, format="json", HTTP_IF_MATCH=moved["ETag"]), 409)
    assert "cannot go from" in body["detail"]
    assert_problem(labour_api.post(url, {"to": "closed"}, format="json", HTTP_IF_MATCH=moved["ETag"]), 400, "/outcome")


def test_journal_and_tasks_on_a_case(labour_api, api_case):
    url = api_case["Location"]
    assert_problem(
        labour_api.post(f"{url}journal/", {"body": "Payroll", "visibility": "unit"}, format="json"), 400, "/legal_basis"
    )
    entry = labour_api.post(
        f"{url}journal/",
        {
            "body": "Payroll",
            "visibility": "unit",
            "legal_basis": "akrim_regulation_3",
            "necessity_note": "Tax needs it",
        },
        format="json",
    )
    assert entry.status_code == 201 and entry.json()["agency"] == "LABOUR"
    journal = labour_api.get(f"{url}journal/").json()["results"]
    assert [e["body"] for e in journal][-1] == "Payroll"
    task = labour_api.post(f"{url}tasks/", {"title": "Call the employer", "due_on": "2027-01-10"}, format="json")
    assert task.status_code == 201
    done = labour_api.post(f"{url}tasks/{task.json()['id']}/status/", {"status": "done"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done"


def test_filters_search_and_ordering(labour_api):
    for title, sector in (("Cleaning firm", "81.21"), ("Restaurant chain", "56.10"), ("Building site", "41.20")):
        assert (
            labour_api.post("/api/v1/cases/", {**NEW_CASE, "title": title, "sector": sector}, format="json").status_code
            == 201
        )
    assert [c["title"] for c in labour_api.get("/api/v1/cases/", {"sector": "56.10"}).json()["results"]] == [
        "Restaurant chain"
    ]
    assert len(labour_api.get("/api/v1/cases/", {"search": "clean"}).json()["results"]) == 1
    ordered = labour_api.get("/api/v1/cases/", {"ordering": "created_at"}).json()["results"]
    assert [c["title"] for c in ordered] == ["Cleaning firm", "Restaurant chain", "Building site"]
    assert_problem(labour_api.get("/api/v1/cases/", {"status": "nonsense"}), 400)
    assert_problem(labour_api.get("/api/v1/cases/", {"updated_after": "yesterday"}), 400)


def test_cursor_pagination_is_stable_under_inserts(labour_api):
    for n in range(5):
        labour_api.post("/api/v1/cases/", {**NEW_CASE, "title": f"Case {n}"}, format="json")
    first = labour_api.get("/api/v1/cases/", {"page_size": 2, "ordering": "created_at"}).json()
    labour_api.post("/api/v1/cases/", {**NEW_CASE, "title": "Inserted meanwhile"}, format="json")
    second = labour_api.get(first["next"]).json()
    titles = [c["title"] for c in first["results"] + second["results"]]
    assert titles == ["Case 0", "Case 1", "Case 2", "Case 3"]


def test_page_size_is_capped_at_200(labour_api):
    labour_api.post("/api/v1/cases/bulk/", {"cases": [NEW_CASE] * 205}, format="json")
    assert len(labour_api.get("/api/v1/cases/", {"page_size": 500}).json()["results"]) == 200


def test_bulk_creates_all_or_nothing_with_errors_per_item(labour_api):
    bad = {"cases": [NEW_CASE, {**NEW_CASE, "sector": "99.99"}, NEW_CASE, {**NEW_CASE, "colour": "red"}]}
    body = assert_problem(labour_api.post("/api/v1/cases/bulk/", bad, format="json"), 400)
    assert {e["pointer"] for e in body["errors"]} == {"/cases/1/sector", "/cases/3/colour"}
    assert not Case.objects.exists()
    ok = labour_api.post("/api/v1/cases/bulk/", {"cases": [NEW_CASE] * 3}, format="json")
    assert ok.status_code == 201 and len(ok.json()["cases"]) == 3
    assert_problem(labour_api.post("/api/v1/cases/bulk/", {"cases": [NEW_CASE] * 501}, format="json"), 400, "/cases")


def test_idempotency_key_replays_and_refuses_a_different_body(labour_api):
    first = labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Case.objects.count() == 1
    other = labour_api.post(
        "/api/v1/cases/", {**NEW_CASE, "title": "Other"}, format="json", HTTP_IDEMPOTENCY_KEY="abc-1"
    )
    assert_problem(other, 422)
    assert Case.objects.count() == 1


def test_a_failed_request_does_not_use_up_its_idempotency_key(labour_api):
    assert_problem(
        labour_api.post("/api/v1/cases/", {**NEW_CASE, "sector": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k2"), 400
    )
    ok = labour_api.post("/api/v1/cases/", {**NEW_CASE, "sector": "x"}, format="json", HTTP_IDEMPOTENCY_KEY="k2")
    assert ok.status_code == 400  # still refused, and nothing was stored for the key
    fixed = labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="k3")
    assert fixed.status_code == 201


def test_keys_are_scoped(make_key, labour_api, api_case):
    _, read_only = make_key(scopes=["cases:read"], name="Reader")
    reader = client_for(read_only)
    assert reader.get(api_case["Location"]).status_code == 200
    body = assert_problem(reader.post("/api/v1/cases/", NEW_CASE, format="json"), 403)
    assert "cases:write" in body["detail"]
    assert_problem(reader.get("/api/v1/events/"), 403)


def test_bad_revoked_and_expired_keys_are_401(labour_api, make_key):
    from django.utils import timezone

    assert_problem(client_for("trk_nope_nope").get("/api/v1/cases/"), 401)
    assert_problem(client_for("garbage").get("/api/v1/cases/"), 401)
    key, token = make_key(name="Old system")
    key.revoked_at = timezone.now()
    key.save()
    assert_problem(client_for(token).get("/api/v1/cases/"), 401)
    assert_problem(client_for("").get("/api/v1/cases/"), 401)


def test_each_use_of_a_key_records_the_time(labour_api):
    labour_api.get("/api/v1/cases/")
    labour_api.key.refresh_from_db()
    assert labour_api.key.last_used_at is not None


def test_out_of_scope_cases_are_404_and_appear_nowhere(labour_api, bergen_api, nav_oslo_api, api_case):
    case = api_case.json()
    for client in (bergen_api, nav_oslo_api):
        assert_problem(client.get(api_case["Location"]), 404)
        assert_problem(client.patch(api_case["Location"], {"title": "x"}, format="json", HTTP_IF_MATCH='"1"'), 404)
        assert_problem(
            client.post(f"{api_case['Location']}transition/", {"to": "assessment"}, format="json", HTTP_IF_MATCH='"1"'),
            404,
        )
        for sub in ("subjects/", "journal/", "tasks/"):
            assert_problem(client.get(f"{api_case['Location']}{sub}"), 404)
        assert client.get("/api/v1/cases/").json()["results"] == []
        assert client.get("/api/v1/cases/", {"search": case["reference"]}).json()["results"] == []
        events = client.get("/api/v1/events/").json()["events"]
        assert all(e["object"]["id"] != case["id"] for e in events)


def test_a_key_cannot_create_in_a_unit_it_does_not_serve(labour_api):
    assert_problem(labour_api.post("/api/v1/cases/", {**NEW_CASE, "unit": "BGO"}, format="json"), 400, "/unit")


@override_settings(
    REST_FRAMEWORK={
        **__import__("django.conf").conf.settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "3/minute"},
    }
)
def test_rate_limits_answer_429_with_retry_after(make_key):
    from django.core.cache import cache
    from rest_framework.settings import api_settings
    from rest_framework.throttling import UserRateThrottle

    cache.clear()
    api_settings.reload()
    UserRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        _, token = make_key(name="Chatty")
        client = client_for(token)
        statuses = [client.get("/api/v1/agencies/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        response = client.get("/api/v1/agencies/")
        assert_problem(response, 429)
        assert int(response["Retry-After"]) > 0
    finally:
        UserRateThrottle.THROTTLE_RATES = {"user": "1200/minute"}
        cache.clear()


@pytest.mark.parametrize("page_size", [1, 200])
def test_the_case_list_runs_constant_queries(labour_api, page_size, django_assert_max_num_queries):
    labour_api.post("/api/v1/cases/bulk/", {"cases": [NEW_CASE] * 30}, format="json")
    # key lookup, last-used update, memberships, page of cases (unit, lead joined), agencies prefetch,
    # plus savepoints around the key update
    with django_assert_max_num_queries(8):
        response = labour_api.get("/api/v1/cases/", {"page_size": page_size})
    assert len(response.json()["results"]) == min(page_size, 30)


def test_session_users_use_the_api_with_csrf(client, alice, osl):
    from rest_framework.test import APIClient

    api = APIClient(enforce_csrf_checks=True)
    api.force_login(alice)
    assert api.get("/api/v1/cases/").status_code == 200
    assert_problem(api.post("/api/v1/cases/", json.dumps(NEW_CASE), content_type="application/json"), 403)


def test_search_finds_word_beginnings_of_titles_and_subjects_references_and_numbers(labour_api, api_case, bergen_api):
    """`?search=` goes through the folded names' indexes: accents and case ignored, each word's
    beginning, a reference or its end, an organisation number with or without spaces."""
    url = f"{api_case['Location']}subjects/"
    employer = {"organisation_number": "988077917", "name": "Bjørke Bygg AS"}
    labour_api.post(url, {"role": "employer", "organisation": employer}, format="json")
    labour_api.post(url, {"role": "worker", "person": {"name": "Kari Østby"}}, format="json")
    other = labour_api.post("/api/v1/cases/", {**NEW_CASE, "title": "Cleaning firm without contracts"}, format="json")
    reference = api_case.json()["reference"]

    def found(term, client=labour_api):
        return {c["reference"] for c in client.get("/api/v1/cases/", {"search": term}).json()["results"]}

    terms = ("bjorke", "BJØRKE bygg", "ostby", "kari øst", "car wash", "WASH", "988 077 917")
    for term in (*terms, reference, reference[-10:]):
        assert found(term) == {reference}, term
    assert found("cleaning") == {other.json()["reference"]}
    assert found("yg") == set()  # the middle of a word is not a beginning
    assert found("bjorke", bergen_api) == set()  # another unit's system


def test_an_objects_url_names_it_whatever_list_filters_the_query_string_carries(labour_api, api_case):
    url = api_case["Location"]
    for query in ({"status": "closed"}, {"search": "nothing like it"}, {"ordering": "-priority"}):
        response = labour_api.get(url, query)
        assert response.status_code == 200 and response.json()["id"] == api_case.json()["id"], query
