"""Every list endpoint runs exactly the queries recorded in tests/query_counts.json, the same for a
page of one row as for a page of many: every list has several rows to show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demo import dataset as demo
from tests.conftest import NEW_CASE, client_for
from tests.controls.test_controls_api import CONTROL
from tests.factories import NationalContactPointFactory, officer, organisation_number

MANY = 3  # rows each list has at least, so that a query per row would show


@pytest.fixture
def seeded_oslo(reference, make_key):
    """Demo data, plus through the API several of everything an Oslo police system can see."""
    from agencies.models import User

    demo.load_people()
    NationalContactPointFactory.create_batch(MANY - 1)
    _, token = make_key(agency="POLICE", units=("OSL",), name="Oslo police system")
    client = client_for(token)

    def post(url, data):
        response = client.post(url, data, format="json")
        assert response.status_code == 201, (url, response.content)
        return response

    police = [*User.objects.filter(username__in=("osl.police1", "osl.police2")), officer("osl.police3", "POLICE")]
    cases = []
    for n in range(MANY):  # the newest cases, alike: each with an officer on it
        case = post("/api/v1/cases/", {**NEW_CASE, "lead_agency": "POLICE", "agencies": ["POLICE"]}).json()
        cases.append(case["id"])
        post(f"/api/v1/cases/{case['id']}/assignees/", {"officer": str(police[n].pk)})
    for n in range(MANY):
        post(f"/api/v1/cases/{case['id']}/subjects/", {"role": "worker", "person": {"name": f"Ana {n}"}})
        number = organisation_number(str(98807790 + n * 3))
        employer = {"organisation_number": number, "name": f"Firma {n} AS"}
        post(f"/api/v1/cases/{case['id']}/subjects/", {"role": "employer", "organisation": employer})
        post(f"/api/v1/cases/{case['id']}/tasks/", {"title": f"T{n}"})
        post(f"/api/v1/cases/{case['id']}/journal/", {"body": f"Note {n}"})
        post(
            "/api/v1/referrals/",
            {"case": case["id"], "contact_point": "NCIS", "category": "organised_crime", "summary": f"s{n}",
             "legal_basis": "police_register_act"},
        )  # fmt: skip
        post("/api/v1/webhooks/", {"url": f"https://x{n}.example/hook"})
        post("/api/v1/tips/", {"unit": "OSL", "source": "public", "description": f"Cash wages {n}"})
    for day in range(1, MANY + 1):  # controls alike: staffed, under way, with findings
        when = {"starts_at": f"2027-03-0{day}T07:00:00+01:00", "ends_at": f"2027-03-0{day}T12:00:00+01:00"}
        created = post("/api/v1/controls/", {**CONTROL, **when, "agencies": ["POLICE"]})
        control = created.json()
        for person in police:
            post(f"/api/v1/controls/{control['id']}/participants/", {"officer": str(person.pk)})
        etag = created["ETag"]
        for step in ("confirmed", "in_progress"):
            etag = client.post(
                f"/api/v1/controls/{control['id']}/transition/", {"to": step}, format="json", HTTP_IF_MATCH=etag
            )["ETag"]
        for kind in ("charge", "arrest", "removal"):
            post(f"/api/v1/controls/{control['id']}/findings/", {"sanction_kind": kind})
    for case_id in cases:
        post("/api/v1/transfers/", {"case": case_id, "to_unit": "BGO", "reason": "Moved"})
    return client, case["id"], control["id"]


LISTS = [
    "/api/v1/cases/", "/api/v1/cases/?search=car", "/api/v1/controls/", "/api/v1/referrals/", "/api/v1/events/",
    "/api/v1/organisations/", "/api/v1/persons/", "/api/v1/agencies/", "/api/v1/units/",
    "/api/v1/contact-points/", "/api/v1/webhooks/", "/api/v1/units/OSL/members/", "/api/v1/tips/",
    "/api/v1/transfers/", "/api/v1/audit/", "/api/v1/audit/?case={case}",
    "/api/v1/cases/{case}/subjects/", "/api/v1/cases/{case}/journal/", "/api/v1/cases/{case}/tasks/",
    "/api/v1/controls/{control}/participants/", "/api/v1/controls/{control}/findings/",
]  # fmt: skip


def test_every_list_runs_the_recorded_queries_for_one_row_and_many(seeded_oslo, query_counts):
    client, case, control = seeded_oslo
    for template in LISTS:
        url = template.format(case=case, control=control)
        sep = "&" if "?" in url else "?"
        param = "limit" if "/events/" in url else "page_size"
        # Once a minute per key (tracker/access_audit.py): the last-used UPDATE and the apikey.use
        # audit INSERT; and a nested list of a case reads the case, so once a minute per key and
        # case the case.view INSERT. Fetched once before it is measured, those writes are behind
        # it; test_the_first_read_in_a_minute_costs_exactly_its_audit_rows counts them.
        client.get(url)
        for size in (1, 200):
            with query_counts(f"api GET {template}"):
                response = client.get(f"{url}{sep}{param}={size}")
            assert response.status_code == 200, (url, response.content)
            rows = response.json().get("results", response.json().get("events"))
            assert len(rows) == 1 if size == 1 else len(rows) >= MANY, (url, len(rows))


def test_the_first_read_in_a_minute_costs_exactly_its_audit_rows(reference, make_key):
    from tracker.access_audit import end_window
    from tracker.models import AuditEntry

    _, token = make_key(agency="LABOUR", units=("OSL",))
    client = client_for(token)
    case = client.post("/api/v1/cases/", NEW_CASE, format="json").json()
    end_window(f"apikey.use:{client_key(token)}")  # the POST took this minute's key row

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    detail = f"/api/v1/cases/{case['id']}/"
    before = AuditEntry.objects.count()
    first, second, third = count(detail), count(detail), count(detail)
    # First: + the last-used UPDATE, the apikey.use INSERT and the case.view INSERT.
    assert first == second + 3
    assert second == third
    assert AuditEntry.objects.count() - before == 2
    # A nested read of the same case within the minute writes nothing more.
    count(f"/api/v1/cases/{case['id']}/subjects/")
    assert AuditEntry.objects.count() - before == 2


def client_key(token: str) -> str:
    from agencies.models import ApiKey

    prefix = token.removeprefix("trk_").split("_", 1)[0]
    return str(ApiKey.objects.get(prefix=prefix).pk)
