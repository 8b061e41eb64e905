"""Coalesced hand-off of committed events to the dispatcher.

Each commit used to queue its own dispatch task. In a burst, most of those found their event
already claimed by an earlier batch and did nothing, at a few milliseconds of worker time
each, queued ahead of the deliveries. Now a commit queues a task only when none is waiting:
a flag set with NX as the task is queued, cleared by the task before it claims anything. An
event committed while the flag stands is therefore claimed by that task, and one committed
after the task cleared it queues a new one. A flag left without a task (the publish failed,
the queue was purged) expires after DISPATCH_WAKEUP_TTL; the outbox sweeper covers the rest.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.cache import cache

from notifications import tasks
from tracker.redis_outage import REDIS_ERRORS, breaker

KEY = "notifications:dispatch-wakeup"


def request(event_id: int) -> bool:
    """Make sure a dispatch task is waiting. True when this call queued it.

    With Redis down the commit stands and nothing is queued: the outbox sweeper hands the
    event over once Redis is back (tracker/redis_outage.py logs the outage, once)."""
    if breaker.is_open:
        return False
    try:
        if not cache.add(KEY, event_id, timeout=settings.DISPATCH_WAKEUP_TTL):
            breaker.succeeded()
            return False
        tasks.dispatch_event.delay(event_id)
    except REDIS_ERRORS as exc:
        breaker.failed(exc)
        with contextlib.suppress(*REDIS_ERRORS):
            cache.delete(KEY)
        return False
    breaker.succeeded()
    return True


def clear() -> None:
    cache.delete(KEY)
