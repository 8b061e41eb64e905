"""The API's rate limit is DRF's sliding log, kept in Redis and changed there in one step
(tracker/api/throttling.py): exact under concurrent requests, and sliding, not a fixed window."""

import threading
import time
import uuid
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from tracker.api.throttling import UserRateThrottle


@pytest.fixture
def client_request():
    """What the throttle reads of a request: who is calling."""
    user = SimpleNamespace(is_authenticated=True, pk=uuid.uuid4())
    yield SimpleNamespace(user=user, META={})
    cache.delete(f"rate:throttle_user_{user.pk}")


def allow(request) -> tuple[bool, UserRateThrottle]:
    throttle = UserRateThrottle()  # a new one per request, as DRF makes them
    return throttle.allow_request(request, view=None), throttle


def test_concurrent_requests_are_all_counted(client_request, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "5/minute"})
    answers, start = [], threading.Barrier(20)

    def call():
        start.wait()
        answers.append(allow(client_request)[0])

    threads = [threading.Thread(target=call) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count(True) == 5  # DRF's get-then-set let racing requests through


def test_the_window_slides_and_the_wait_is_drfs(client_request, monkeypatch):
    monkeypatch.setattr(UserRateThrottle, "THROTTLE_RATES", {"user": "2/second"})
    assert allow(client_request)[0]
    time.sleep(0.5)
    assert allow(client_request)[0]
    refused, throttle = allow(client_request)
    assert not refused
    assert 0.3 < throttle.wait() <= 0.5  # until the first request leaves the second
    time.sleep(0.55)
    assert allow(client_request)[0]  # the first has left: one more
    assert not allow(client_request)[0]  # the second has not
