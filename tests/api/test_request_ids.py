"""Our request id is ours; a client's X-Request-ID is kept apart, sanitised, and echoed as theirs."""

import re

import pytest

from tests.conftest import NEW_CASE
from tracker.models import AuditEntry


@pytest.mark.parametrize(
    "sent,kept",
    [
        ("abc-123", "abc-123"),
        ("<script>alert(1)</script>\r\nX-Injected: 1", "scriptalert1/scriptX-Injected:1"),
        ("x" * 500, "x" * 64),
        ("", ""),
    ],
)
def test_a_clients_request_id_is_sanitised_kept_apart_and_echoed_as_theirs(labour_api, sent, kept):
    response = labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_X_REQUEST_ID=sent)
    assert response.status_code == 201
    ours = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", ours) and ours != sent
    assert response.get("X-Client-Request-ID", "") == kept
    entry = AuditEntry.objects.get(action="case.create")
    assert (entry.request_id, entry.client_request_id) == (ours, kept)


def test_every_request_gets_its_own_id_whatever_the_client_sends(labour_api):
    ids = {labour_api.get("/api/v1/cases/", HTTP_X_REQUEST_ID="same").get("X-Request-ID") for _ in range(3)}
    assert len(ids) == 3 and "same" not in ids
