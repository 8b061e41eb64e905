"""Monthly partitions of the audit trail and the outbox (tracker migration 0010).

Beat runs :func:`maintain_partitions` daily: it makes the partitions of this month and the next
``PARTITIONS_AHEAD_MONTHS``, then drops the months past their retention, whole, with
``DROP TABLE`` rather than deleting rows:

- the outbox when ``EVENT_RETENTION_MONTHS`` is set, a month at a time once none of its events
  waits for dispatch; its notifications and webhook deliveries go with it (the relations have
  no database constraint to do it);
- the audit trail when ``AUDIT_RETENTION_MONTHS`` is set, only as
  :mod:`tracker.audit_chain.drops` allows: every row sealed and matching its seal, the month
  inside a signed checkpoint, the drop itself signed into the checkpoint store, so that
  ``verify_audit`` still holds.

Months are UTC months; a partition is ``<table>_yYYYYmMM``. The DEFAULT partition catches rows
outside every month, so a write never fails because beat did not run; when their month is made
at last, its rows are moved out of the DEFAULT partition into it.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from tracker.models import Event

logger = logging.getLogger(__name__)

# Table -> the column it is partitioned on.
PARTITIONED = {"tracker_auditentry": "at", "tracker_event": "occurred_at"}
AUDIT_TABLE, EVENT_TABLE = "tracker_auditentry", "tracker_event"
# pg advisory lock key: "partitions" (one maintainer at a time).
LOCK_KEY = 0x70617274_6974696F
# DDL on a partition locks its parent: never queue long behind a reader (and block the writers
# queued behind us). A run that times out is retried by the next day's beat.
LOCK_TIMEOUT = "5s"


@dataclass(frozen=True)
class Partition:
    table: str
    month: datetime.date  # first day (UTC)

    @property
    def name(self) -> str:
        return f"{self.table}_y{self.month:%Y}m{self.month:%m}"

    @property
    def end(self) -> datetime.date:
        return add_months(self.month, 1)

    @property
    def key(self) -> str:
        return PARTITIONED[self.table]

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        utc = datetime.UTC
        return (
            datetime.datetime.combine(self.month, datetime.time(), utc),
            datetime.datetime.combine(self.end, datetime.time(), utc),
        )


@dataclass
class MaintenanceReport:
    created: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)  # partition made late -> rows taken from DEFAULT
    dropped: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # partition -> why it was not dropped

    def as_dict(self) -> dict:
        return {"created": self.created, "moved": self.moved, "dropped": self.dropped, "refused": self.refused}


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_of(moment: datetime.datetime) -> datetime.date:
    utc = moment.astimezone(datetime.UTC)
    return datetime.date(utc.year, utc.month, 1)


def _months_setting(name: str, *, minimum: int) -> int | None:
    value = getattr(settings, name)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < minimum):
        raise ImproperlyConfigured(f"{name} is a whole number of months, at least {minimum} (or unset).")
    return value


def existing(table: str) -> list[Partition]:
    """The monthly partitions of ``table``, oldest first (the DEFAULT partition is not one)."""
    pattern = re.compile(rf"^{table}_y(\d{{4}})m(\d{{2}})$")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    months = [datetime.date(int(m[1]), int(m[2]), 1) for m in map(pattern.match, names) if m]
    return [Partition(table, month) for month in sorted(months)]


def lock_for_maintenance(cursor) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    # Deferred key checks still pending in this transaction would make PostgreSQL refuse the DDL.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def create_partition(partition: Partition) -> int:
    """Make one month's partition, with the parent's TRUNCATE refusal (statement triggers are not
    inherited); nothing when it exists. Returns how many rows it took over from the DEFAULT
    partition, where they wait when their month had no partition (beat did not run)."""
    start, end = partition.bounds()
    table, key = partition.table, partition.key
    with transaction.atomic(), connection.cursor() as cursor:
        lock_for_maintenance(cursor)
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partition.name])
        if cursor.fetchone()[0]:
            return 0
        cursor.execute(f"SELECT count(*) FROM {table}_default WHERE {key} >= %s AND {key} < %s", [start, end])
        (stranded,) = cursor.fetchone()
        if stranded:
            moved = _move_out_of_default(cursor, partition, start, end)
        else:
            moved = 0
            cursor.execute(
                f"CREATE TABLE {partition.name} PARTITION OF {table} FOR VALUES FROM (%s) TO (%s)", [start, end]
            )
        cursor.execute(
            "SELECT tgname, tgfoid::regproc FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal"
            " AND (tgtype & 1) = 0 AND (tgtype & 32) <> 0",  # per statement, on TRUNCATE
            [table],
        )
        for name, function in cursor.fetchall():
            cursor.execute(
                f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {partition.name}"
                f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
            )
    return moved


def _move_out_of_default(cursor, partition: Partition, start, end) -> int:
    """PostgreSQL refuses a partition for rows the DEFAULT partition holds: the month is made as
    a table of its own, the rows moved into it unchanged (ids, txids, times: the audit chain still
    verifies) and it is attached, all in the caller's transaction. Deleting from the audit trail's
    DEFAULT partition needs its append-only trigger off: DISABLE TRIGGER locks that partition
    until the commit, so no other statement runs while it is off."""
    table, key, name = partition.table, partition.key, partition.name
    cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)")
    cursor.execute(f"INSERT INTO {name} SELECT * FROM {table}_default WHERE {key} >= %s AND {key} < %s", [start, end])
    moved = cursor.rowcount
    cursor.execute(f"ALTER TABLE {table}_default DISABLE TRIGGER USER")
    cursor.execute(f"DELETE FROM {table}_default WHERE {key} >= %s AND {key} < %s", [start, end])
    if cursor.rowcount != moved:
        raise RuntimeError(f"{table}_default: {moved} rows copied to {name} but {cursor.rowcount} deleted")
    cursor.execute(f"ALTER TABLE {table}_default ENABLE TRIGGER USER")
    # Attaching builds the parent's indexes on it and clones its row triggers.
    cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)", [start, end])
    logger.warning("partition %s made late: %s rows moved in from %s_default", name, moved, table)
    return moved


def ensure_partitions(*, now: datetime.datetime | None = None, ahead: int | None = None) -> MaintenanceReport:
    """This month's partitions and the next ``ahead`` months' (PARTITIONS_AHEAD_MONTHS), for both tables."""
    ahead = _months_setting("PARTITIONS_AHEAD_MONTHS", minimum=1) if ahead is None else ahead
    first = month_of(now or timezone.now())
    return ensure_months(first, add_months(first, ahead))


def ensure_months(first: datetime.date, last: datetime.date) -> MaintenanceReport:
    """The partitions of the months ``first`` to ``last`` (first days), for both tables: a bulk
    load of history makes its months before it writes."""
    report = MaintenanceReport()
    for table in PARTITIONED:
        have = {p.month for p in existing(table)}
        month = first
        while month <= last:
            partition = Partition(table, month)
            month = add_months(month, 1)
            if partition.month in have:
                continue
            report.created.append(partition.name)
            if moved := create_partition(partition):
                report.moved[partition.name] = moved
    return report


def expired(table: str, *, months: int, now: datetime.datetime | None = None) -> list[Partition]:
    """The months of ``table`` that ended ``months`` whole months before this one began."""
    cutoff = add_months(month_of(now or timezone.now()), -months)
    return [p for p in existing(table) if p.end <= cutoff]


def drop_event_partition(partition: Partition) -> str | None:
    """Drop one month of the outbox with what refers to its events. Returns None when dropped, else why not."""
    with transaction.atomic(), connection.cursor() as cursor:
        lock_for_maintenance(cursor)
        cursor.execute(f"SELECT count(*) FROM {partition.name} WHERE dispatched_at IS NULL")
        (waiting,) = cursor.fetchone()
        if waiting:
            return f"{waiting} events were never dispatched (the outbox sweeper has not caught up)"
        ids = RawSQL(f"SELECT id FROM {partition.name}", [])  # noqa: S611 - our own table name
        for relation in Event._meta.related_objects:
            relation.related_model._base_manager.filter(**{f"{relation.field.attname}__in": ids}).delete()
        cursor.execute(f"DROP TABLE {partition.name}")
    return None


def apply_partition_retention(*, now: datetime.datetime | None = None) -> MaintenanceReport:
    """Drop the months of the outbox and the audit trail past their retention (unset: kept)."""
    # Here, not at the top: drops builds on this module (lock_for_maintenance), a cycle.
    from tracker.audit_chain.drops import drop_audit_partition

    report = MaintenanceReport()
    droppers = {EVENT_TABLE: ("EVENT_RETENTION_MONTHS", drop_event_partition)}
    droppers[AUDIT_TABLE] = ("AUDIT_RETENTION_MONTHS", drop_audit_partition)
    for table, (setting, drop) in droppers.items():
        months = _months_setting(setting, minimum=1)
        if months is None:
            continue
        for partition in expired(table, months=months, now=now):
            refusal = drop(partition)
            if refusal:
                logger.warning("partition %s kept: %s", partition.name, refusal)
                report.refused[partition.name] = refusal
            else:
                report.dropped.append(partition.name)
    return report


def maintain_partitions(*, now: datetime.datetime | None = None) -> MaintenanceReport:
    report = ensure_partitions(now=now)
    retention = apply_partition_retention(now=now)
    report.dropped, report.refused = retention.dropped, retention.refused
    return report
