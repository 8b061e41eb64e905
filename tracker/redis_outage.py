"""Redis is a helper here, not the store: while it is down, its callers carry on without it.

The web processes use Redis for two things that can wait: the API's rate-limit counters and
the wake-up of the dispatcher (the outbox sweeper hands over any event that was not woken
for). ``breaker`` is a per-process circuit breaker shared by both: the first failure logs one
warning and, for ``RETRY_AFTER`` seconds, callers skip Redis without trying (no connection
attempt, no delay per request); then one call tries again, and the first success logs that
Redis is back. Nothing that must persist lives in Redis: sessions, idempotency records and
events are in PostgreSQL.
"""

from __future__ import annotations

import logging
import threading
import time

from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Connection refused or reset, timeouts; kombu wraps them when publishing a task.
REDIS_ERRORS = (RedisError, BrokerError, OSError)
RETRY_AFTER = 5.0


class Breaker:
    def __init__(self, retry_after: float = RETRY_AFTER):
        self.retry_after = retry_after
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0

    @property
    def is_open(self) -> bool:
        """True while Redis failed recently: skip it."""
        return self._down_since is not None and time.monotonic() < self._retry_at

    def failed(self, exc: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            first = self._down_since is None
            if first:
                self._down_since = now
            self._retry_at = now + self.retry_after
        if first:
            logger.warning(
                "Redis is unreachable (%s): rate limits are counted per process, and the outbox sweeper "
                "hands events to the workers, until it is back.",
                exc,
            )

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            down_for, self._down_since = time.monotonic() - self._down_since, None
        logger.warning("Redis is back after %.0f s.", down_for)

    def reset(self) -> None:
        """Forget any outage (tests that stop Redis leave no state for the next)."""
        with self._lock:
            self._down_since, self._retry_at = None, 0.0


breaker = Breaker()
