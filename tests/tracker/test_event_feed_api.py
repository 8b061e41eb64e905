import datetime
import threading

import pytest
from django.db import connection, transaction

from cases import services
from tests.cases.test_cases_api import assert_problem
from tests.conftest import NEW_CASE, client_for
from tests.factories import case_kwargs


def drain(client, after=None, limit=100):
    events = []
    while True:
        page = client.get("/api/v1/events/", {"after": after, "limit": limit} if after else {"limit": limit}).json()
        events += page["events"]
        after = page["next"]
        if not page["has_more"]:
            return events, after


def test_the_feed_replays_every_change_once_in_order(labour_api, api_case):
    url = api_case["Location"]
    labour_api.post(f"{url}transition/", {"to": "assessment"}, format="json", HTTP_IF_MATCH=api_case["ETag"])
    events, cursor = drain(labour_api, limit=1)
    types = [e["type"] for e in events if e["object"]["id"] == api_case.json()["id"]]
    assert types == ["case.created", "case.transitioned"]
    assert len({e["id"] for e in events}) == len(events)
    labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
    more, _ = drain(labour_api, after=cursor)
    assert [e["type"] for e in more] == ["case.created"]


def test_the_feed_hides_other_agencies_private_journal_entries(labour_api, nav_oslo_api, api_case, make_key):
    labour_api.post(f"{api_case['Location']}journal/", {"body": "Labour only"}, format="json")
    events, _ = drain(labour_api)
    assert "journal.added" in [e["type"] for e in events]
    _, tax_token = make_key(agency="TAX", name="Tax system")
    tax_events, _ = drain(client_for(tax_token))
    assert "case.created" in [e["type"] for e in tax_events]  # Tax takes part in the case
    assert "journal.added" not in [e["type"] for e in tax_events]


@pytest.mark.django_db(transaction=True)
def test_an_event_of_a_slow_transaction_is_not_skipped(labour_api, alice, osl):
    """A transaction that started first but commits last must not fall behind a consumer's cursor."""
    started, release = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            services.case_create(actor=alice, unit=osl, **case_kwargs(title="Slow"))
            started.set()
            assert release.wait(30)
        connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert started.wait(30)
    # Another year: another reference counter row, so it does not queue behind "Slow".
    received = datetime.date(2025, 6, 1)
    services.case_create(actor=alice, unit=osl, **case_kwargs(title="Fast", received_on=received))  # commits first
    before, cursor = drain(labour_api)
    assert "Slow" not in {e["payload"].get("title") for e in before}
    assert "Fast" not in {e["payload"].get("title") for e in before}  # held back behind the open transaction
    release.set()
    thread.join()
    after, _ = drain(labour_api, after=cursor)
    assert [e["payload"]["title"] for e in after if e["type"] == "case.created"] == ["Slow", "Fast"]


def test_a_bad_cursor_is_a_400(labour_api):
    assert_problem(labour_api.get("/api/v1/events/", {"after": "yesterday"}), 400, "/after")
    assert_problem(labour_api.get("/api/v1/events/", {"limit": 0}), 400, "/limit")
