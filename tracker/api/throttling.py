"""The API's rate limit, counted in Redis, and in each process alone while Redis is down."""

from __future__ import annotations

from django.core.cache.backends.locmem import LocMemCache
from rest_framework import throttling

from tracker.redis_outage import REDIS_ERRORS, breaker

# Per process: with N web processes a client may make up to N times the rate while Redis is
# down. Looser, but a limit, and the API keeps answering.
_local = LocMemCache("tracker-throttle", {"OPTIONS": {"MAX_ENTRIES": 10_000}})


class UserRateThrottle(throttling.UserRateThrottle):
    def allow_request(self, request, view):
        if not breaker.is_open:
            try:
                allowed = super().allow_request(request, view)
            except REDIS_ERRORS as exc:
                breaker.failed(exc)
            else:
                breaker.succeeded()
                return allowed
        self.cache = _local
        return super().allow_request(request, view)
