"""Every list endpoint runs the same number of queries for 1 row or 200."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tracker import demo

# Per request, before the list's own queries: API key lookup, last-used update, the caller's
# memberships (scoping), and for some lists a desk lookup; then the page and its prefetches.
MAX_QUERIES = 12


@pytest.fixture
def seeded_oslo(reference, make_key):
    demo.seed(cases_count=40, controls_count=12, referrals_count=8)
    _, token = make_key(agency="POLICE", units=("OSL",), name="Oslo police system")
    client = client_for(token)
    from cases.models import Case
    from tracker.controls.models import JointControl

    case = Case.objects.filter(unit__code="OSL", agencies__code="POLICE").order_by("reference").first()
    control = JointControl.objects.filter(unit__code="OSL", agencies__code="POLICE").order_by("starts_at").last()
    client.post(f"/api/v1/cases/{case.pk}/tasks/", {"title": "T"}, format="json")
    client.post("/api/v1/webhooks/", {"url": "https://x.example/hook"}, format="json")
    return client, case, control


LISTS = [
    "/api/v1/cases/", "/api/v1/cases/?search=a", "/api/v1/controls/", "/api/v1/referrals/", "/api/v1/events/",
    "/api/v1/organisations/", "/api/v1/persons/", "/api/v1/agencies/", "/api/v1/units/",
    "/api/v1/contact-points/", "/api/v1/webhooks/", "/api/v1/units/OSL/members/",
    "/api/v1/cases/{case}/subjects/", "/api/v1/cases/{case}/journal/", "/api/v1/cases/{case}/tasks/",
    "/api/v1/controls/{control}/participants/", "/api/v1/controls/{control}/findings/",
]  # fmt: skip


@pytest.mark.parametrize("url", LISTS)
def test_a_list_runs_constant_queries(seeded_oslo, url):
    client, case, control = seeded_oslo
    url = url.format(case=case.pk, control=control.pk)
    counts = {}
    for size in (1, 200):
        sep = "&" if "?" in url else "?"
        param = "limit" if "/events/" in url else "page_size"
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{url}{sep}{param}={size}")
        assert response.status_code == 200, response.content
        counts[size] = len(ctx.captured_queries)
    assert counts[1] == counts[200], counts
    assert counts[200] <= MAX_QUERIES, counts
