"""A page of the change feed, built from the columns it shows (as cases.api.reads does for cases).

The same JSON as ``EventSerializer`` over ``Event`` instances, from ``.values()`` rows of the
feed's one query (the unit's code joined). ``EventSerializer`` stays the schema's description of
an event; ``tests/api/test_control_referral_feed_reads.py`` holds the two equal.
"""

from __future__ import annotations

from tracker import events
from tracker.api.fields import DateTimeField

COLUMNS = ("id", "uuid", "txid", "type", "occurred_at", "unit__code", "object_type", "object_id", "payload")
_datetime = DateTimeField().to_representation


def feed_rows(user, *, after: str | None, limit: int) -> list[dict]:
    """At most ``limit`` events of the feed after ``after`` (see tracker.events.feed), as rows."""
    return list(events.feed_queryset(user, after=after).values(*COLUMNS)[:limit])


def cursor_of(row: dict) -> str:
    """The feed cursor of a row (tracker.events.encode_cursor for an instance)."""
    return f"{row['txid']}-{row['id']}"


def represent(rows) -> list[dict]:
    return [
        {
            "id": str(row["uuid"]),
            "sequence": cursor_of(row),
            "type": row["type"],
            "time": _datetime(row["occurred_at"]),
            "unit": row["unit__code"],
            "object": {"type": row["object_type"], "id": row["object_id"]},
            "payload": row["payload"],
        }
        for row in rows
    ]
