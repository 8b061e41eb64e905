"""The once-a-minute audit windows (tracker.access_audit.first_in_window): claimed in Redis,
remembered by the process until they lapse, so a busy key costs Redis one round trip a window."""

import time
import uuid

from django.core.cache import cache

from tracker import access_audit
from tracker.access_audit import GUARD_PREFIX, first_in_window


def test_a_window_is_claimed_once_then_again_after_it_lapses():
    name = f"test:{uuid.uuid4()}"
    assert first_in_window(name, seconds=1)
    assert not first_in_window(name, seconds=1)
    time.sleep(1.05)
    assert first_in_window(name, seconds=1)


def test_a_window_claimed_by_another_process_is_respected_and_remembered_until_it_lapses():
    name = f"test:{uuid.uuid4()}"
    cache.set(f"{GUARD_PREFIX}:{name}", 1, timeout=1)  # another web process's claim
    assert not first_in_window(name)
    assert 0 < access_audit._known_claimed[name] - time.monotonic() <= 1  # its own expiry, not a minute
    cache.delete(f"{GUARD_PREFIX}:{name}")
    assert not first_in_window(name)  # known claimed: Redis is not asked again within the window
    time.sleep(1.05)
    assert first_in_window(name)
