"""The audit trail and the outbox partitioned by month (migration 0010, tracker/partitions.py):
made ahead by beat, dropped whole by retention, protected and searched as before."""

import datetime
import importlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit_trail.selectors import audit_search
from notifications.models import Notification
from tracker import audit
from tracker.audit_chain.checkpoints import ensure_signing_key, make_checkpoint
from tracker.audit_chain.sealer import seal
from tracker.audit_chain.verify import verify
from tracker.events import feed
from tracker.models import AuditEntry, Event
from tracker.partitions import (
    AUDIT_TABLE,
    EVENT_TABLE,
    Partition,
    add_months,
    create_partition,
    ensure_partitions,
    existing,
    month_of,
)
from tracker.tasks import maintain_partitions_task

THIS_MONTH = month_of(timezone.now())


def months_from_now(offset: int) -> datetime.date:
    return add_months(THIS_MONTH, offset)


def at_month(offset: int, day: int = 15) -> datetime.datetime:
    return datetime.datetime.combine(months_from_now(offset).replace(day=day), datetime.time(12), datetime.UTC)


def rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def insert_audit_row(at: datetime.datetime, label: str = "x") -> tuple[int, str]:
    """An audit row at ``at`` (the ORM sets ``at`` to now); returns its id and partition."""
    [(pk, partition)] = rows(
        "INSERT INTO tracker_auditentry (at, request_id, client_request_id, action, object_type, object_id,"
        " object_repr) VALUES (%s, '', '', 'test.row', 'x', %s, %s) RETURNING id, tableoid::regclass::text",
        [at, label, label],
    )
    return pk, partition


def dispatched_event_at(at: datetime.datetime) -> Event:
    event = Event.objects.create(type="test.event", object_type="x", object_id="1", dispatched_at=timezone.now())
    Event.objects.filter(pk=event.pk).update(occurred_at=at)  # moves the row to that month's partition
    return event


def partition_of(model, pk) -> str:
    [(name,)] = rows(f"SELECT tableoid::regclass::text FROM {model._meta.db_table} WHERE id = %s", [pk])
    return name


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "key"), [(AUDIT_TABLE, "at"), (EVENT_TABLE, "occurred_at")])
def test_after_migrate_each_table_is_partitioned_by_month_with_months_ahead_and_a_default(table, key):
    [(kind, partition_key)] = rows(
        "SELECT c.relkind, pg_get_partkeydef(c.oid) FROM pg_class c WHERE c.oid = %s::regclass", [table]
    )
    assert (kind, partition_key) == ("p", f"RANGE ({key})")
    months = {p.month for p in existing(table)}
    assert {months_from_now(i) for i in range(4)} <= months
    assert rows("SELECT to_regclass(%s) IS NOT NULL", [f"{table}_default"]) == [(True,)]
    # The key holds the partition key (PostgreSQL asks it of every unique index); Django keeps id.
    [(primary_key,)] = rows(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table]
    )
    assert primary_key == f"PRIMARY KEY (id, {key})"


@pytest.mark.django_db
def test_the_indexes_the_feed_the_dispatcher_and_the_chain_read_by_are_kept_on_every_partition():
    parents = dict(rows("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [EVENT_TABLE]))
    assert "(txid, id)" in parents["event_feed_order"]
    assert "WHERE (dispatched_at IS NULL)" in parents["event_undispatched"]
    chain = rows("SELECT indexdef FROM pg_indexes WHERE indexname = 'tracker_audit_chain_order'")
    assert "(txid, id)" in chain[0][0]
    for parent, index in [(EVENT_TABLE, "event_feed_order"), (AUDIT_TABLE, "tracker_audit_chain_order")]:
        partitions = {name for (name,) in rows("SELECT inhrelid::regclass::text FROM pg_inherits"
                                                " WHERE inhparent = %s::regclass", [parent])}  # fmt: skip
        attached = {
            name
            for (name,) in rows(
                "SELECT i.indrelid::regclass::text FROM pg_inherits h JOIN pg_index i ON i.indexrelid = h.inhrelid"
                " WHERE h.inhparent = %s::regclass",
                [index],
            )
        }
        assert attached == partitions


@pytest.mark.django_db
def test_ids_continue_from_the_sequence_and_the_orm_keeps_id_as_the_key(alice):
    entry = audit.record_access(actor=alice, action="case.view", object_type="x", object_id="1")
    later = audit.record_access(actor=alice, action="case.view", object_type="x", object_id="2")
    assert later.pk == entry.pk + 1
    assert AuditEntry.objects.get(pk=entry.pk).object_id == "1"
    assert partition_of(AuditEntry, entry.pk) == Partition(AUDIT_TABLE, THIS_MONTH).name


@pytest.mark.django_db
def test_a_row_goes_to_its_months_partition_and_beyond_the_months_made_to_the_default():
    assert insert_audit_row(at_month(2))[1] == Partition(AUDIT_TABLE, months_from_now(2)).name
    assert insert_audit_row(at_month(40))[1] == f"{AUDIT_TABLE}_default"
    event = dispatched_event_at(at_month(3))
    assert partition_of(Event, event.pk) == Partition(EVENT_TABLE, months_from_now(3)).name


@pytest.mark.django_db
def test_the_beat_task_makes_months_ahead_once(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["maintain-partitions"]
    assert entry["task"] == maintain_partitions_task.name == "tracker.maintain_partitions"
    settings.PARTITIONS_AHEAD_MONTHS = 6
    made = maintain_partitions_task()
    assert {Partition(t, months_from_now(i)).name for t in (AUDIT_TABLE, EVENT_TABLE) for i in (5, 6)} <= set(
        made["created"]
    )
    assert maintain_partitions_task() == {"created": [], "moved": {}, "dropped": [], "refused": {}}
    assert insert_audit_row(at_month(6))[1] == Partition(AUDIT_TABLE, months_from_now(6)).name


@pytest.mark.django_db
def test_a_month_made_late_takes_its_rows_out_of_the_default_partition_unchanged():
    pk, partition = insert_audit_row(at_month(8))
    assert partition == f"{AUDIT_TABLE}_default"
    before = rows("SELECT * FROM tracker_auditentry WHERE id = %s", [pk])
    late = Partition(AUDIT_TABLE, months_from_now(8))

    report = ensure_partitions(ahead=9)

    assert report.moved == {late.name: 1}
    assert {late.name, Partition(AUDIT_TABLE, months_from_now(9)).name} <= set(report.created)
    assert partition_of(AuditEntry, pk) == late.name
    assert rows("SELECT * FROM tracker_auditentry WHERE id = %s", [pk]) == before
    # Made late, it is protected and indexed like the others.
    for statement in (
        f"DELETE FROM {late.name}",
        f"TRUNCATE {late.name}",
        f"UPDATE {AUDIT_TABLE}_default SET ip = NULL",
    ):
        with pytest.raises(DatabaseError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET LOCAL tracker.allow_truncate = 'off'")
            insert_audit_row(at_month(50))  # something in the default partition to refuse to update
            cursor.execute(statement)
    assert rows("SELECT count(*) FROM pg_indexes WHERE tablename = %s", [late.name]) == rows(
        "SELECT count(*) FROM pg_indexes WHERE tablename = %s", [Partition(AUDIT_TABLE, THIS_MONTH).name]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("table", [AUDIT_TABLE, EVENT_TABLE])
def test_a_new_partition_refuses_truncate_like_its_parent(table):
    partition = Partition(table, months_from_now(7))
    assert create_partition(partition) == 0
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL tracker.allow_truncate = 'off'")
        cursor.execute(f"TRUNCATE {partition.name}")


@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["UPDATE {} SET object_repr = 'rewritten'", "DELETE FROM {}", "TRUNCATE {}"])
@pytest.mark.parametrize("target", ["parent", "month", "default"])
def test_the_audit_trail_is_append_only_on_its_partitions_as_on_the_parent(statement, target):
    insert_audit_row(at_month(0))
    insert_audit_row(at_month(50))
    table = {
        "parent": AUDIT_TABLE,
        "month": Partition(AUDIT_TABLE, THIS_MONTH).name,
        "default": f"{AUDIT_TABLE}_default",
    }[target]
    with pytest.raises(DatabaseError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # else TRUNCATE stops at the pending key checks
        cursor.execute("SET LOCAL tracker.allow_truncate = 'off'")
        cursor.execute(statement.format(table))


@pytest.mark.django_db
def test_the_outbox_partitions_refuse_truncate():
    for table in (EVENT_TABLE, Partition(EVENT_TABLE, THIS_MONTH).name, f"{EVENT_TABLE}_default"):
        with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL tracker.allow_truncate = 'off'")
                cursor.execute(f"TRUNCATE {table}")


# --- Retention: the outbox ----------------------------------------------------------------


@pytest.mark.django_db
def test_event_retention_drops_only_the_expired_months_with_their_notifications(settings, alice):
    for offset in (-15, -14, -12, -11):
        assert create_partition(Partition(EVENT_TABLE, months_from_now(offset))) == 0
    old, older, kept, recent = (dispatched_event_at(at_month(o)) for o in (-14, -15, -11, -1))
    notice = Notification.objects.create(recipient=alice, event=old, verb="x", title="old")
    kept_notice = Notification.objects.create(recipient=alice, event=kept, verb="x", title="kept")
    settings.EVENT_RETENTION_MONTHS = 12
    settings.AUDIT_RETENTION_MONTHS = None

    report = maintain_partitions_task()

    assert report["dropped"] == [Partition(EVENT_TABLE, months_from_now(o)).name for o in (-15, -14)]
    months = {p.month for p in existing(EVENT_TABLE)}
    assert months_from_now(-14) not in months and months_from_now(-15) not in months
    assert {months_from_now(-12), months_from_now(-11), THIS_MONTH} <= months
    assert set(Event.objects.filter(pk__in=[old.pk, older.pk, kept.pk, recent.pk]).values_list("pk", flat=True)) == {
        kept.pk,
        recent.pk,
    }
    assert not Notification.objects.filter(pk=notice.pk).exists()
    assert Notification.objects.filter(pk=kept_notice.pk).exists()


@pytest.mark.django_db
def test_a_month_with_an_undispatched_event_is_kept(settings):
    partition = Partition(EVENT_TABLE, months_from_now(-20))
    create_partition(partition)
    event = dispatched_event_at(at_month(-20))
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)
    settings.EVENT_RETENTION_MONTHS = 12
    report = maintain_partitions_task()
    assert report["refused"][partition.name] == (
        "1 events were never dispatched (the outbox sweeper has not caught up)"
    )
    assert Event.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [0, -1, "12"])
def test_a_bad_retention_setting_fails_loudly(settings, value):
    from django.core.exceptions import ImproperlyConfigured

    settings.EVENT_RETENTION_MONTHS = value
    with pytest.raises(ImproperlyConfigured, match="EVENT_RETENTION_MONTHS"):
        maintain_partitions_task()


# --- Retention: the audit trail, and the chain after it ---------------------------------


@pytest.fixture
def chain_files(settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_FILE = str(ensure_signing_key(tmp_path / "audit-signing-key.pem"))
    settings.AUDIT_PUBLIC_KEY_FILE = ""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    return tmp_path


@pytest.fixture
def old_audit_months(chain_files):
    """Two months 14 and 13 months ago with rows, and rows this month, committed (the sealer
    chains finished transactions only). The old months' tables are dropped afterwards: DDL
    outlives a transactional test's TRUNCATE."""
    old = [Partition(AUDIT_TABLE, months_from_now(offset)) for offset in (-14, -13)]
    for partition in old:
        assert create_partition(partition) == 0
    ids = {partition.name: [insert_audit_row(at_month(o, day))[0] for day in (3, 9, 27)]
           for partition, o in zip(old, (-14, -13), strict=True)}  # fmt: skip
    ids["now"] = [
        audit.record_access(actor=None, action="test.row", object_type="x", object_id=str(i)).pk for i in range(3)
    ]
    yield old, ids
    with connection.cursor() as cursor:
        for partition in old:
            cursor.execute(f"DROP TABLE IF EXISTS {partition.name}")


def verify_audit_output() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_audit_retention_is_off_unless_set(settings, old_audit_months):
    seal()
    make_checkpoint()
    settings.AUDIT_RETENTION_MONTHS = None
    assert maintain_partitions_task()["dropped"] == []
    assert {p.name for p in existing(AUDIT_TABLE)} >= {p.name for p in old_audit_months[0]}


@pytest.mark.django_db(transaction=True)
def test_an_audit_month_is_dropped_only_once_a_signed_checkpoint_covers_it(settings, old_audit_months):
    old, ids = old_audit_months
    settings.AUDIT_RETENTION_MONTHS = 12
    report = maintain_partitions_task()  # nothing sealed yet
    assert report["refused"] == {p.name: "3 rows are not sealed yet" for p in old}
    seal()
    report = maintain_partitions_task()  # sealed, no checkpoint yet
    assert report["refused"][old[0].name] == ("its last seal (position 3) is newer than the last signed checkpoint (0)")
    make_checkpoint()

    report = maintain_partitions_task()

    assert report["dropped"] == [p.name for p in old]
    assert not AuditEntry.objects.filter(pk__in=ids[old[0].name] + ids[old[1].name]).exists()
    assert AuditEntry.objects.filter(pk__in=ids["now"]).count() == 3
    checked = verify()
    assert checked.ok, checked.problems
    assert (checked.rows, checked.dropped, checked.sealed) == (3, 6, 3)
    output = verify_audit_output()
    assert "3 rows, 3 sealed, 0 waiting for the sealer, 1 checkpoints, 6 dropped under retention" in output
    assert "The audit chain is intact." in output
    # The chain goes on across the gap: later rows, sealed and signed, still verify.
    audit.record_access(actor=None, action="test.row", object_type="x", object_id="later")
    make_checkpoint()
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_a_checkpoint_signed_at_a_row_since_dropped_still_holds(settings, chain_files):
    old = Partition(AUDIT_TABLE, months_from_now(-14))
    assert create_partition(old) == 0
    try:
        for day in (3, 9):
            insert_audit_row(at_month(-14, day))
        seal()
        assert make_checkpoint()["count"] == 2  # signed at the old month's last row
        kept = audit.record_access(actor=None, action="test.row", object_type="x", object_id="kept").pk
        seal()
        make_checkpoint()
        settings.AUDIT_RETENTION_MONTHS = 12
        assert maintain_partitions_task()["dropped"] == [old.name]
        checked = verify()
        assert checked.ok, checked.problems
        assert (checked.rows, checked.dropped, checked.checkpoints) == (1, 2, 2)
        assert AuditEntry.objects.filter(pk=kept).exists()
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {old.name}")


@pytest.mark.django_db(transaction=True)
def test_after_a_drop_a_row_deleted_by_hand_is_still_caught(settings, old_audit_months):
    old, ids = old_audit_months
    seal()
    make_checkpoint()
    settings.AUDIT_RETENTION_MONTHS = 12
    assert maintain_partitions_task()["dropped"] == [p.name for p in old]
    victim = ids["now"][1]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tracker_auditentry DISABLE TRIGGER USER")
        try:
            cursor.execute("DELETE FROM tracker_auditentry WHERE id = %s", [victim])
        finally:
            cursor.execute("ALTER TABLE tracker_auditentry ENABLE TRIGGER USER")
    problems = verify().problems
    assert [(p.entry_id, p.kind) for p in problems] == [(victim, "removed")]


@pytest.mark.django_db(transaction=True)
def test_an_edited_drop_record_or_a_changed_seal_of_a_dropped_row_is_caught(settings, old_audit_months):
    old, ids = old_audit_months
    seal()
    make_checkpoint()
    settings.AUDIT_RETENTION_MONTHS = 12
    assert maintain_partitions_task()["dropped"] == [p.name for p in old]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tracker_auditseal DISABLE TRIGGER USER")
        try:
            cursor.execute("UPDATE tracker_auditseal SET hash = sha256(hash) WHERE position = 2")
        finally:
            cursor.execute("ALTER TABLE tracker_auditseal ENABLE TRIGGER USER")
    assert [p.kind for p in verify().problems] == ["rebuilt"]
    assert "the seals of the dropped rows changed after the drop" in verify().problems[0].message

    store = Path(settings.AUDIT_CHECKPOINT_FILE)
    lines = store.read_text().splitlines()
    record = json.loads(lines[1])
    assert record["kind"] == "drop" and record["partition"] == old[0].name
    record["positions"] = [[1, 9]]  # claim the rows kept as dropped too
    store.write_text("\n".join([lines[0], json.dumps(record), *lines[2:]]) + "\n")
    problems = verify().problems
    assert problems[0].message == "drop record 2's signature does not verify: edited or forged"
    assert {(p.entry_id, p.kind) for p in problems[1:4]} == {(pk, "removed") for pk in ids[old[0].name]}


@pytest.mark.django_db(transaction=True)
def test_a_month_dropped_without_a_signed_record_is_caught(old_audit_months):
    old, ids = old_audit_months
    seal()
    make_checkpoint()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {old[1].name}")
    problems = verify().problems
    assert [(p.entry_id, p.kind) for p in problems][:3] == [(pk, "removed") for pk in ids[old[1].name]]


# --- Plans ----------------------------------------------------------------------------------


def plan(sql: str, params=()) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # what the plan can use, not what tiny tables prefer
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(line for (line,) in cursor.fetchall())


@pytest.mark.django_db
def test_the_change_feed_reads_each_partition_through_an_index(alice):
    dispatched_event_at(at_month(1))
    with CaptureQueriesContext(connection) as queries:
        feed(alice, after="1-1", limit=50)
    [sql] = [q["sql"] for q in queries.captured_queries if 'FROM "tracker_event"' in q["sql"]]
    explained = plan(sql)
    assert "Seq Scan on tracker_event" not in explained, explained
    # The feed's order alone starts each month's (txid, id) index at the cursor.
    bare = Event.objects.filter(TupleGreaterThan(Tuple(F("txid"), F("id")), (1, 1))).order_by("txid", "id")[:50]
    explained = plan(*bare.query.sql_with_params())
    for name in [p.name for p in existing(EVENT_TABLE)] + [f"{EVENT_TABLE}_default"]:
        assert f"{name}_txid_id_idx" in explained, explained  # an index scan, or a bitmap one


@pytest.mark.django_db
def test_an_audit_search_by_period_reads_only_that_periods_months():
    insert_audit_row(at_month(0))
    start, end = Partition(AUDIT_TABLE, THIS_MONTH).bounds()
    entries = audit_search(AuditEntry.objects.order_by("-at", "-id"), since=start, until=end, action="test.")
    explained = plan(*entries.query.sql_with_params())
    months = [p.name for p in existing(AUDIT_TABLE)] + [f"{AUDIT_TABLE}_default"]
    assert {name for name in months if name in explained} == {Partition(AUDIT_TABLE, THIS_MONTH).name}, explained
    assert "Seq Scan" not in explained, explained


# --- The migration on a table with rows ---------------------------------------------------


@pytest.mark.django_db
def test_the_migration_moves_rows_of_several_months_keeping_ids_indexes_and_triggers():
    migration = importlib.import_module("tracker.migrations.0010_partition_audit_and_events_by_month")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE tracker_scratch (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            " at timestamptz NOT NULL, note varchar(20) NOT NULL, uid uuid NOT NULL UNIQUE);"
            " CREATE INDEX tracker_scratch_note ON tracker_scratch (note);"
            " CREATE TRIGGER tracker_scratch_append_only BEFORE UPDATE OR DELETE ON tracker_scratch"
            "  FOR EACH ROW EXECUTE FUNCTION tracker_audit_append_only();"
            " CREATE TRIGGER tracker_scratch_no_truncate BEFORE TRUNCATE ON tracker_scratch"
            "  FOR EACH STATEMENT EXECUTE FUNCTION tracker_refuse_truncate();"
            " INSERT INTO tracker_scratch (at, note, uid) SELECT now() - make_interval(days => 20 * i), 'row ' || i,"
            "  gen_random_uuid() FROM generate_series(1, 12) AS i;"
            " SELECT setval(pg_get_serial_sequence('tracker_scratch', 'id'), 500)"
        )
    with connection.schema_editor() as editor:
        migration.partition_by_month(editor, "tracker_scratch", "at")

    by_month = dict(rows("SELECT tableoid::regclass::text, count(*) FROM tracker_scratch GROUP BY 1"))
    assert sum(by_month.values()) == 12 and len(by_month) >= 8
    assert all(name.startswith("tracker_scratch_y") for name in by_month)
    [(pk,)] = rows("INSERT INTO tracker_scratch (at, note, uid) VALUES (now(), 'new', gen_random_uuid()) RETURNING id")
    assert pk == 501
    indexes = dict(rows("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tracker_scratch'"))
    assert "(id, at)" in indexes["tracker_scratch_pkey"] and "(note)" in indexes["tracker_scratch_note"]
    assert any("(uid)" in d and "UNIQUE" not in d for d in indexes.values())
    some_month = next(iter(by_month))
    for statement in (f"DELETE FROM {some_month}", f"TRUNCATE {some_month}"):
        with pytest.raises(DatabaseError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL tracker.allow_truncate = 'off'")
            cursor.execute(statement)


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_to_plain_tables_and_forward_again_with_the_rows():
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)

    audit_ids = [insert_audit_row(at_month(offset))[0] for offset in (-2, -1, 0)]
    event = dispatched_event_at(at_month(-1))
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        migrate([("tracker", "0009_merge_audit_chain_and_feed_order"),
                 ("notifications", "0002_delivery_log_keeps_no_reply_and_cancelled")])  # fmt: skip
        assert rows(
            "SELECT relkind FROM pg_class WHERE oid IN (%s::regclass, %s::regclass)", [AUDIT_TABLE, EVENT_TABLE]
        ) == [
            ("r",),
            ("r",),
        ]
        assert rows("SELECT id FROM tracker_auditentry ORDER BY id") == [(pk,) for pk in audit_ids]
        assert rows("SELECT id FROM tracker_event") == [(event.pk,)]
        constraints = dict(
            rows("SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass", [EVENT_TABLE])
        )
        assert constraints["tracker_event_uuid_key"] == "u" and constraints["tracker_event_pkey"] == "p"
        with pytest.raises(DatabaseError, match="refused"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM tracker_auditentry")
        [(later,)] = rows(
            "INSERT INTO tracker_auditentry (at, request_id, client_request_id, action, object_type, object_id,"
            " object_repr) VALUES (now(), '', '', 'x', 'x', 'x', 'x') RETURNING id"
        )
        assert later == audit_ids[-1] + 1
    finally:
        migrate(leaves)
    assert partition_of(AuditEntry, later) == Partition(AUDIT_TABLE, THIS_MONTH).name
    assert partition_of(Event, event.pk) == Partition(EVENT_TABLE, months_from_now(-1)).name


def test_the_settings_default_to_three_months_ahead_two_years_of_outbox_and_every_audit_month():
    assert settings.PARTITIONS_AHEAD_MONTHS == 3
    assert settings.EVENT_RETENTION_MONTHS == 24 and settings.AUDIT_RETENTION_MONTHS is None
