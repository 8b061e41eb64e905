"""Reads, refusals, exports and API-key use each leave exactly the audit row promised
(tracker/access_audit.py), through the web pages and the API."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cases import services as case_services
from controls import services as control_services
from tests.conftest import client_for
from tests.controls.scenario import oslo_case, plan
from tests.factories import identity_number
from tracker.access_audit import end_window
from tracker.models import AuditEntry
from tracker.redis_outage import breaker

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def rows(action: str, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


@pytest.fixture
def attachment(alice, labour_case):
    entry = case_services.journal_add(
        actor=alice,
        case=labour_case,
        body="Timesheets",
        attachments=[SimpleUploadedFile("t.pdf", PDF, content_type="application/pdf")],
    )
    return entry.attachments.get()


# --- views ------------------------------------------------------------------------------


def test_every_web_view_of_a_case_is_recorded(client, alice, labour_case):
    client.force_login(alice)
    for _ in range(2):
        assert client.get(reverse("cases:detail", args=[labour_case.pk])).status_code == 200
    assert client.get(reverse("cases:history", args=[labour_case.pk])).status_code == 200
    views = rows("case.view", object_id=str(labour_case.pk))
    assert [(v.actor, v.after) for v in views] == [
        (alice, {"via": "web", "page": "detail"}),
        (alice, {"via": "web", "page": "detail"}),
        (alice, {"via": "web", "page": "history"}),
    ]
    assert views[0].ip == "127.0.0.1" and views[0].request_id


def test_typing_a_number_into_the_case_page_is_not_a_view(client, alice, labour_case):
    client.force_login(alice)
    client.get(reverse("cases:add_person", args=[labour_case.pk]), {"id_number": "1"}, HTTP_HX_REQUEST="true")
    assert rows("case.view") == []


def test_a_download_is_recorded_on_the_web_and_in_the_api(client, alice, labour_case, attachment, labour_api):
    client.force_login(alice)
    assert client.get(reverse("cases:attachment", args=[labour_case.pk, attachment.pk])).status_code == 200
    api = f"/api/v1/cases/{labour_case.pk}/attachments/{attachment.pk}/"
    assert labour_api.get(api).status_code == 200
    assert labour_api.get(api).status_code == 200  # the same minute: aggregated
    downloads = rows("attachment.view", object_id=str(attachment.pk))
    assert [d.after for d in downloads] == [
        {"via": "web", "case": str(labour_case.pk)},
        {"via": "api", "case": str(labour_case.pk)},
    ]


def test_api_reads_are_recorded_once_a_minute_per_key_and_object(labour_api, nav_oslo_api, api_case):

    url = api_case["Location"]
    case_id = api_case.json()["id"]
    for _ in range(3):
        assert labour_api.get(url).status_code == 200
    assert labour_api.get(f"{url}journal/").status_code == 200  # the same case, the same minute
    (view,) = rows("case.view", object_id=case_id)
    assert view.after == {"via": "api", "read": "retrieve"}
    assert view.actor == labour_api.key.user

    # The next minute (its claim expired), the next read is recorded again.
    end_window(f"case.view:key:{labour_api.key.pk}:{case_id}")
    assert labour_api.get(f"{url}journal/").status_code == 200
    assert [v.after["read"] for v in rows("case.view", object_id=case_id)] == ["retrieve", "journal"]


def test_while_redis_is_down_every_api_read_is_recorded(labour_api, api_case):
    breaker.failed(ConnectionError("Redis is down (test)"))
    for _ in range(2):
        assert labour_api.get(api_case["Location"]).status_code == 200
    assert len(rows("case.view", object_id=api_case.json()["id"])) == 2


def test_reading_a_subject_in_the_api_is_recorded_with_its_case(labour_api, api_case):
    case_id = api_case.json()["id"]
    person = {"role": "worker", "person": {"name": "Ana Popescu", "id_number": identity_number()}}
    created = labour_api.post(f"/api/v1/cases/{case_id}/subjects/", person, format="json")
    assert created.status_code == 201, created.content
    person_id = created.json()["person"]["id"]
    assert labour_api.get(f"/api/v1/persons/{person_id}/").status_code == 200
    (view,) = rows("subject.view", object_id=person_id)
    assert view.object_type == "cases.person"
    assert view.after == {"via": "api", "read": "retrieve", "case": case_id}


def test_a_lookup_by_identity_number_is_recorded_with_the_number_but_a_plain_list_is_not(labour_api, api_case):
    assert labour_api.get("/api/v1/persons/").status_code == 200
    assert labour_api.get("/api/v1/organisations/").status_code == 200
    assert rows("subject.search") == []
    assert labour_api.get("/api/v1/persons/", {"id_number": "150186 12345"}).status_code == 200
    (search,) = rows("subject.search")
    assert search.after == {"via": "api", "filters": {"id_number": "15018612345"}}


# --- refusals ---------------------------------------------------------------------------


def test_an_out_of_scope_case_and_a_missing_one_are_refused_alike_in_the_api(bergen_api, api_case):
    foreign = api_case.json()["id"]
    missing = str(uuid.uuid4())
    bergen_api.get("/api/v1/cases/")  # the key's once-a-minute apikey.use is behind us
    counts = {}
    for name, pk in (("foreign", foreign), ("missing", missing)):
        with CaptureQueriesContext(connection) as ctx:
            response = bergen_api.get(f"/api/v1/cases/{pk}/")
        assert response.status_code == 404
        counts[name] = len(ctx.captured_queries)
    assert counts["foreign"] == counts["missing"]  # the same work: no timing oracle
    refused = rows("access.refused")
    assert [(r.object_type, r.object_id, r.after["exists"]) for r in refused] == [
        ("cases.case", foreign, True),
        ("cases.case", missing, False),
    ]
    assert refused[0].after["path"] == f"/api/v1/cases/{foreign}/"
    assert refused[0].after["method"] == "GET" and refused[0].after["status"] == 404
    assert refused[0].actor is not None and refused[0].actor.kind == "service"


def test_a_key_without_the_scope_is_refused_and_recorded(make_key, api_case):
    _, token = make_key(scopes=["controls:read"])
    response = client_for(token).get(api_case["Location"])
    assert response.status_code == 403
    (refused,) = rows("access.refused")
    assert refused.after["status"] == 403 and refused.after["route"] == "api:case-detail"


def test_an_out_of_scope_case_page_and_a_missing_one_are_refused_alike_on_the_web(client, dave, labour_case):
    client.force_login(dave)
    missing = uuid.uuid4()
    for pk in (labour_case.pk, missing):
        assert client.get(reverse("cases:detail", args=[pk])).status_code == 404
    refused = rows("access.refused")
    assert [(r.actor, r.object_id, r.after["exists"], r.after["route"]) for r in refused] == [
        (dave, str(labour_case.pk), True, "cases:detail"),
        (dave, str(missing), False, "cases:detail"),
    ]


def test_a_web_form_posted_without_its_csrf_token_is_refused_and_recorded(alice, labour_case):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    url = reverse("cases:add_task", args=[labour_case.pk])
    assert client.post(url, {"title": "x"}).status_code == 403
    (refused,) = rows("access.refused")
    assert refused.actor == alice and refused.after["status"] == 403 and refused.after["path"] == url
    assert refused.object_id == str(labour_case.pk) and refused.after["exists"] is True


def test_a_wrong_calendar_link_is_recorded_without_the_token_tried(client, db):
    token = "s3cret-" + "x" * 36
    assert client.get(reverse("controls:calendar_feed", args=[token])).status_code == 404
    (refused,) = rows("access.refused")
    assert token not in str(refused.after) and refused.after["asked"] == {"token": "…"}


def test_an_unknown_path_names_no_object_and_is_not_recorded(client, alice):
    client.force_login(alice)
    assert client.get("/no-such-page/").status_code == 404
    assert rows("access.refused") == []


# --- exports ----------------------------------------------------------------------------


def test_each_statistics_export_is_recorded_with_its_filters(client, carol, osl):
    client.force_login(carol)
    assert client.get("/statistics/export.csv").status_code == 200
    assert client.get("/statistics/export.xlsx", {"unit": "OSL"}).status_code == 200
    exports = rows("export.statistics")
    assert [(e.actor, e.after) for e in exports] == [
        (carol, {"format": "csv", "filters": {}}),
        (carol, {"format": "xlsx", "filters": {"unit": ["OSL"]}}),
    ]


def test_the_calendar_feed_and_the_briefing_sheet_are_exports(client, alice, carol, osl):
    _, token = control_services.calendar_feed_create(actor=alice)
    assert client.get(reverse("controls:calendar_feed", args=[token])).status_code == 200
    (feed,) = rows("export.calendar")
    assert feed.actor == alice and feed.after == {"format": "ics"}

    case, org, person = oslo_case(alice, osl)
    control = plan(carol, osl, cases=[case])
    client.force_login(carol)
    assert client.get(reverse("controls:briefing", args=[control.pk])).status_code == 200
    (sheet,) = rows("export.briefing")
    assert sheet.actor == carol and sheet.object_id == str(control.pk)


# --- API keys ---------------------------------------------------------------------------


def test_a_key_is_recorded_once_a_minute_and_a_revoked_key_is_refused_at_once(labour_api):
    key = labour_api.key
    for _ in range(3):
        assert labour_api.get("/api/v1/cases/").status_code == 200
    (use,) = rows("apikey.use", object_id=str(key.pk))
    assert use.actor == key.user and use.after == {"path": "/api/v1/cases/"}
    key.refresh_from_db()
    assert key.last_used_at is not None and key.last_used_at <= timezone.now()

    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    assert labour_api.get("/api/v1/cases/").status_code == 401  # its very next request
