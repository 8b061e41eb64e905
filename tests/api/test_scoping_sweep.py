"""Out of scope is 404 on every endpoint, for a system and for a person of another unit."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.models import ApiKey
from tests.api.conftest import NEW_CASE, client_for
from tests.api.test_controls_referrals_api import CONTROL
from tracker.api.idempotency import RETENTION
from tracker.models import IdempotencyRecord
from tracker.tasks import purge_idempotency_records


@pytest.fixture
def oslo_objects(labour_api):
    case = labour_api.post("/api/v1/cases/", NEW_CASE, format="json").json()
    subject = labour_api.post(
        f"/api/v1/cases/{case['id']}/subjects/", {"role": "worker", "person": {"name": "Ana Popescu"}}, format="json"
    ).json()
    task = labour_api.post(f"/api/v1/cases/{case['id']}/tasks/", {"title": "Call"}, format="json").json()
    control = labour_api.post("/api/v1/controls/", CONTROL, format="json").json()
    referral = labour_api.post(
        "/api/v1/referrals/",
        {
            "case": case["id"],
            "contact_point": "NCIS",
            "category": "organised_crime",
            "summary": "s",
            "legal_basis": "police_register_act",
        },
        format="json",
    ).json()
    hook = labour_api.post("/api/v1/webhooks/", {"url": "https://labour.example/h"}, format="json").json()
    return {
        "case": case["id"],
        "subject": subject["id"],
        "person": subject["person"]["id"],
        "task": task["id"],
        "control": control["id"],
        "referral": referral["id"],
        "hook": hook["id"],
    }


ENDPOINTS = [
    ("get", "/api/v1/cases/{case}/"), ("patch", "/api/v1/cases/{case}/"), ("put", "/api/v1/cases/{case}/"),
    ("post", "/api/v1/cases/{case}/transition/"), ("get", "/api/v1/cases/{case}/subjects/"),
    ("post", "/api/v1/cases/{case}/subjects/"), ("delete", "/api/v1/cases/{case}/subjects/{subject}/"),
    ("post", "/api/v1/cases/{case}/assignees/"), ("delete", "/api/v1/cases/{case}/assignees/{case}/"),
    ("get", "/api/v1/cases/{case}/journal/"), ("post", "/api/v1/cases/{case}/journal/"),
    ("get", "/api/v1/cases/{case}/tasks/"), ("post", "/api/v1/cases/{case}/tasks/"),
    ("post", "/api/v1/cases/{case}/tasks/{task}/status/"), ("get", "/api/v1/persons/{person}/"),
    ("get", "/api/v1/controls/{control}/"), ("patch", "/api/v1/controls/{control}/"),
    ("post", "/api/v1/controls/{control}/transition/"), ("get", "/api/v1/controls/{control}/participants/"),
    ("post", "/api/v1/controls/{control}/participants/"), ("get", "/api/v1/controls/{control}/findings/"),
    ("post", "/api/v1/controls/{control}/findings/"), ("get", "/api/v1/referrals/{referral}/"),
    ("post", "/api/v1/referrals/{referral}/send/"), ("post", "/api/v1/referrals/{referral}/revoke/"),
    ("get", "/api/v1/webhooks/{hook}/"), ("patch", "/api/v1/webhooks/{hook}/"), ("delete", "/api/v1/webhooks/{hook}/"),
]  # fmt: skip


@pytest.fixture(params=["bergen system", "bergen person"])
def outsider(request, make_key, dave):
    if request.param == "bergen system":
        _, token = make_key(agency="POLICE", units=("BGO",), name="Bergen")
        return client_for(token)
    client = APIClient()
    client.force_login(dave)
    return client


@pytest.mark.parametrize("method,url", ENDPOINTS)
def test_out_of_scope_is_404_everywhere(outsider, oslo_objects, method, url):
    response = getattr(outsider, method)(url.format(**oslo_objects), {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 404, (url, response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"


def test_out_of_scope_objects_are_in_no_list(outsider, oslo_objects):
    for url in (
        "/api/v1/cases/",
        "/api/v1/controls/",
        "/api/v1/referrals/",
        "/api/v1/persons/",
        "/api/v1/organisations/",
        "/api/v1/webhooks/",
        "/api/v1/cases/?search=Car",
    ):
        assert outsider.get(url).json()["results"] == [], url
    assert outsider.get("/api/v1/events/").json()["events"] == []


def test_an_admin_creates_a_key_shown_once(client, root, reference):
    from agencies.models import Agency, RegionalUnit

    client.force_login(root)
    customs = Agency.objects.get(code="CUSTOMS")
    osl = RegionalUnit.objects.get(code="OSL")
    response = client.post(
        "/admin/agencies/apikey/add/",
        {
            "name": "Customs system",
            "agency": customs.pk,
            "units": [osl.pk],
            "scopes": ["cases:read"],
            "expires_at_0": "2030-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if "trk_" in str(m)]
    assert len(shown) == 1
    token = shown[0].rsplit(" ", 1)[-1]
    assert client_for(token).get("/api/v1/cases/").status_code == 200
    key = ApiKey.objects.get(name="Customs system")
    assert token not in key.digest and key.user.agency == customs
    listing = client.get("/admin/agencies/apikey/")
    assert token not in listing.content.decode()


def test_expired_idempotency_records_are_purged(labour_api):
    labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="fresh")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - RETENTION * 2)
    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
