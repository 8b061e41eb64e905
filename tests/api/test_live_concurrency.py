"""Idempotency and If-Match under real concurrent requests against the live (threaded) server."""

import threading

import pytest
import requests

from cases.models import Case
from tests.conftest import NEW_CASE

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(n: int, call) -> list[requests.Response]:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        barrier.wait(timeout=30)
        results[i] = call(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


@pytest.fixture
def auth(make_key):
    _, token = make_key()
    return {"Authorization": f"Bearer {token}"}


def test_concurrent_retries_with_one_idempotency_key_create_one_case(live_server, auth):
    url = f"{live_server.url}/api/v1/cases/"
    headers = {**auth, "Idempotency-Key": "create-once"}
    responses = in_parallel(8, lambda i: requests.post(url, json=NEW_CASE, headers=headers, timeout=30))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
    assert Case.objects.count() == 1
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert created == {str(Case.objects.get().pk)}
    for r in responses:
        if r.status_code == 409:
            assert r.headers["Content-Type"] == "application/problem+json"
    # Once the first has finished, a retry replays it.
    replay = requests.post(url, json=NEW_CASE, headers=headers, timeout=30)
    assert replay.status_code == 201 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] in created


def test_concurrent_writers_with_the_same_etag_lose_no_update(live_server, auth):
    created = requests.post(f"{live_server.url}/api/v1/cases/", json=NEW_CASE, headers=auth, timeout=30)
    url, etag = f"{live_server.url}{created.headers['Location']}", created.headers["ETag"]
    responses = in_parallel(
        8,
        lambda i: requests.patch(url, json={"title": f"Writer {i}"}, headers={**auth, "If-Match": etag}, timeout=30),
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 7, statuses
    winner = next(r for r in responses if r.status_code == 200).json()
    case = Case.objects.get()
    assert case.version == 2 and case.title == winner["title"]
