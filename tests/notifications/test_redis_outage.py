"""Redis is a helper, not the store: with the real Redis stopped, the API and the web pages
keep serving reads and writes, workers wait for it instead of exiting, and everything
committed meanwhile is delivered once it is back."""

import datetime
import logging
import re
import time

import pytest
import requests
from django.test import override_settings

from notifications import services
from tests.conftest import NEW_CASE, client_for
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import subscribe, system
from tracker.api.throttling import UserRateThrottle
from tracker.redis_outage import breaker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_server():
    from config import embedded

    if not embedded.uses_embedded_redis():
        pytest.skip("REDIS_URL points at a Redis this test cannot stop")
    server = embedded._server(embedded.EmbeddedRedis)
    yield server
    if server.running_pid() is None:
        server.start()


def outage_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "tracker.redis_outage"]


def test_with_redis_down_the_rate_limit_is_counted_per_process_and_logged_once(
    make_key, redis_server, caplog, monkeypatch
):
    labour_api = client_for(make_key()[1])
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "6/minute"})
    monkeypatch.setattr(breaker, "retry_after", 0.2)  # try Redis again soon, to see it come back
    caplog.set_level(logging.WARNING, logger="tracker.redis_outage")
    redis_server.stop()
    try:
        created = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
        assert created.status_code == 201, created.content
        statuses = [labour_api.get("/api/v1/cases/").status_code for _ in range(6)]
    finally:
        redis_server.start()
    # Six requests a minute, counted in this process while Redis was away: the 7th is refused.
    assert statuses == [200] * 5 + [429]
    assert len(outage_warnings(caplog)) == 1 and "unreachable" in outage_warnings(caplog)[0]
    time.sleep(0.3)
    assert labour_api.get("/api/v1/agencies/").status_code == 200
    assert len([m for m in outage_warnings(caplog) if m.startswith("Redis is back after")]) == 1


@override_settings(OUTBOX_SWEEP_AFTER=datetime.timedelta(0))
def test_under_live_traffic_the_api_and_pages_serve_while_redis_is_down_and_events_arrive_after(
    worker, live_server, make_key, root, redis_server, caplog
):
    caplog.set_level(logging.WARNING, logger="tracker.redis_outage")
    _, token = make_key()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    cases_url = f"{live_server.url}/api/v1/cases/"
    admin = requests.Session()  # a person in the web pages, logged in before the outage
    admin.get(f"{live_server.url}/admin/login/", timeout=30)
    login = admin.post(
        f"{live_server.url}/admin/login/?next=/admin/",
        data={"username": "root", "password": "pw", "csrfmiddlewaretoken": admin.cookies["csrftoken"]},
        timeout=30,
    )
    assert login.status_code == 200 and "/admin/login/" not in login.url

    # The receiver holds the first delivery, so a worker holds an unacknowledged task when
    # Redis goes: the state in which one of two workers used to exit.
    with Receiver(hold_first=4) as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        first = api.post(cases_url, json=NEW_CASE, timeout=30)
        assert first.status_code == 201, first.text
        assert receiver.first_arrived.wait(60), worker.log_path.read_text()[-3000:]
        redis_server.stop()
        created, started = [], time.monotonic()
        try:
            while time.monotonic() - started < 8:
                case = {**NEW_CASE, "title": f"During the outage {len(created)}"}
                response = api.post(cases_url, json=case, timeout=30)
                assert response.status_code == 201, response.text
                created.append(response.json()["reference"])
                assert api.get(f"{cases_url}{response.json()['id']}/", timeout=30).status_code == 200
                assert api.get(cases_url, params={"ordering": "-created_at"}, timeout=30).status_code == 200
            assert admin.get(f"{live_server.url}/admin/cases/case/", timeout=30).status_code == 200
            assert worker.proc.poll() is None, worker.log_path.read_text()[-3000:]
        finally:
            redis_server.start()
        assert len(created) >= 5

        assert services.events_sweep_undispatched() >= len(created)  # what beat's sweeper does every 30 s
        expected = {first.json()["reference"], *created}
        arrived = lambda r: {e["payload"]["reference"] for e in r.applied.values()} >= expected  # noqa: E731
        assert receiver.wait_for(arrived, timeout=120), worker.log_path.read_text()[-3000:]
        assert receiver.bad_signatures == 0

    log = worker.log_path.read_text()
    assert worker.proc.poll() is None and "Unrecoverable error" not in log, log[-3000:]
    assert re.search(r"Connection to broker lost|Cannot connect to", log), "the outage never reached the worker"
    assert len([m for m in outage_warnings(caplog) if "unreachable" in m]) == 1
