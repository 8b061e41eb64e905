"""Every list endpoint runs the same number of queries for 1 row or 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import NEW_CASE, client_for
from tests.api.test_controls_referrals_api import CONTROL
from tracker import demo

# Per request, before the list's own queries: API key lookup, the caller's memberships
# (scoping), and for some lists a desk lookup; then the page and its prefetches. Once a minute
# per key (tracker/access_audit.py) two more: the last-used UPDATE and the apikey.use audit
# INSERT; and a nested list of a case (subjects, journal, tasks) reads the case, so once a
# minute per key and case one more: the case.view audit INSERT. Each URL is fetched once
# before it is measured, so those once-a-minute writes are behind it;
# test_the_first_read_in_a_minute_costs_exactly_its_audit_rows counts them.
MAX_QUERIES = 12


@pytest.fixture
def seeded_oslo(reference, make_key):
    """Demo data, plus through the API something in every list an Oslo police system can see."""
    from agencies.models import User

    demo.seed(cases_count=30, controls_count=8, referrals_count=5)
    _, token = make_key(agency="POLICE", units=("OSL",), name="Oslo police system")
    client = client_for(token)
    case = client.post(
        "/api/v1/cases/", {**NEW_CASE, "lead_agency": "POLICE", "agencies": ["POLICE"]}, format="json"
    ).json()
    client.post(f"/api/v1/cases/{case['id']}/subjects/", {"role": "worker", "person": {"name": "Ana"}}, format="json")
    client.post(f"/api/v1/cases/{case['id']}/tasks/", {"title": "T"}, format="json")
    client.post(
        "/api/v1/referrals/",
        {
            "case": case["id"],
            "contact_point": "NCIS",
            "category": "organised_crime",
            "summary": "s",
            "legal_basis": "police_register_act",
        },
        format="json",
    )
    client.post("/api/v1/webhooks/", {"url": "https://x.example/hook"}, format="json")
    client.post("/api/v1/tips/", {"unit": "OSL", "source": "public", "description": "Cash wages"}, format="json")
    client.post("/api/v1/transfers/", {"case": case["id"], "to_unit": "BGO", "reason": "Moved"}, format="json")
    created = client.post("/api/v1/controls/", {**CONTROL, "agencies": ["POLICE"]}, format="json")
    control = created.json()
    officer = User.objects.get(username="osl.police1")
    client.post(f"/api/v1/controls/{control['id']}/participants/", {"officer": str(officer.pk)}, format="json")
    etag = created["ETag"]
    for step in ("confirmed", "in_progress"):
        etag = client.post(
            f"/api/v1/controls/{control['id']}/transition/", {"to": step}, format="json", HTTP_IF_MATCH=etag
        )["ETag"]
    client.post(f"/api/v1/controls/{control['id']}/findings/", {"sanction_kind": "charge"}, format="json")
    return client, case["id"], control["id"]


LISTS = [
    "/api/v1/cases/", "/api/v1/cases/?search=a", "/api/v1/controls/", "/api/v1/referrals/", "/api/v1/events/",
    "/api/v1/organisations/", "/api/v1/persons/", "/api/v1/agencies/", "/api/v1/units/",
    "/api/v1/contact-points/", "/api/v1/webhooks/", "/api/v1/units/OSL/members/", "/api/v1/tips/",
    "/api/v1/transfers/",
    "/api/v1/cases/{case}/subjects/", "/api/v1/cases/{case}/journal/", "/api/v1/cases/{case}/tasks/",
    "/api/v1/controls/{control}/participants/", "/api/v1/controls/{control}/findings/",
    "/api/v1/audit/", "/api/v1/audit/?case={case}&action=case.",
]  # fmt: skip


def test_every_list_runs_constant_queries(seeded_oslo):
    client, case, control = seeded_oslo
    for template in LISTS:
        url = template.format(case=case, control=control)
        client.get(url)  # the minute's audit rows for this key and object: counted below
        counts = {}
        for size in (1, 200):
            sep = "&" if "?" in url else "?"
            param = "limit" if "/events/" in url else "page_size"
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{url}{sep}{param}={size}")
            assert response.status_code == 200, (url, response.content)
            counts[size] = len(ctx.captured_queries)
            rows = response.json().get("results", response.json().get("events"))
            if size == 200:
                assert len(rows) >= 1, url
        assert counts[1] == counts[200], (url, counts)
        assert counts[200] <= MAX_QUERIES, (url, counts)


def test_the_first_read_in_a_minute_costs_exactly_its_audit_rows(reference, make_key):
    from django.core.cache import cache

    from tracker.models import AuditEntry

    _, token = make_key(agency="LABOUR", units=("OSL",))
    client = client_for(token)
    case = client.post("/api/v1/cases/", NEW_CASE, format="json").json()
    cache.delete_many([f"audit-once:apikey.use:{client_key(token)}"])  # the POST took this minute's key row

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
    assert count(f"/api/v1/cases/{case['id']}/subjects/") <= MAX_QUERIES
    assert AuditEntry.objects.count() - before == 2


def client_key(token: str) -> str:
    from agencies.models import ApiKey

    prefix = token.removeprefix("trk_").split("_", 1)[0]
    return str(ApiKey.objects.get(prefix=prefix).pk)
