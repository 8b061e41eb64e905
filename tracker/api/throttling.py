"""The API's rate limit, counted in Redis in one round trip, and in each process alone while
Redis is down."""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework import throttling

from tracker import redis_client
from tracker.redis_outage import REDIS_ERRORS, breaker

# Per process: with N web processes a client may make up to N times the rate while Redis is
# down. Looser, but a limit, and the API keeps answering.
_local = LocMemCache("tracker-throttle", {"OPTIONS": {"MAX_ENTRIES": 10_000}})

# DRF's sliding log (the times of the client's requests within the last period; a request is
# allowed while fewer than the limit remain), as a sorted set changed in one step on the server:
# DRF's own get-then-set took two round trips, (un)pickled the whole log on each, and let
# concurrent requests overwrite each other's entries. Returns {allowed, count, oldest time}.
SLIDING_LOG = """
local now, period, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - period)
local count = redis.call('ZCARD', KEYS[1])
if count < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    redis.call('EXPIRE', KEYS[1], math.ceil(period))
    return {1, count + 1, ''}
end
return {0, count, redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2]}
"""
_script = None


def _sliding_log():
    global _script
    if _script is None:
        _script = redis_client.client().register_script(SLIDING_LOG)
    return _script


class UserRateThrottle(throttling.UserRateThrottle):
    refused_log: tuple[int, float] | None = None  # (requests in the period, the oldest's time) when refused

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        if not breaker.is_open:
            try:
                allowed = self._allow_in_redis(request, view)
            except REDIS_ERRORS as exc:
                breaker.failed(exc)
            else:
                breaker.succeeded()
                return allowed
        self.cache = _local
        return super().allow_request(request, view)

    def _allow_in_redis(self, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        # The log's own key: the cache's entry of the same name held DRF's pickled list.
        name = cache.make_and_validate_key(f"rate:{self.key}")
        member = f"{self.now!r}:{secrets.token_hex(4)}"  # two requests in the same microsecond both count
        allowed, count, oldest = _sliding_log()(
            keys=[name], args=[repr(self.now), self.duration, self.num_requests, member]
        )
        if not allowed:
            self.refused_log = (int(count), float(oldest))
        return bool(allowed)

    def wait(self):
        if self.refused_log is None:  # counted in this process (Redis down): DRF's own log
            return super().wait()
        # DRF's formula: the time until the oldest request leaves the period, shared among the
        # requests the client could then make.
        count, oldest = self.refused_log
        available = self.num_requests - count + 1
        return (self.duration - (self.now - oldest)) / available if available > 0 else None
