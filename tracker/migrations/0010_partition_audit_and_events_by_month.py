# The audit trail and the outbox become tables partitioned by month (RANGE on their time
# column, UTC months), so that retention drops a month instead of deleting its rows and the
# audit search by period reads only its months. tracker/partitions.py creates months ahead
# (beat) and drops expired ones.
#
# Per table, in this migration's one transaction: the table is renamed aside, a partitioned
# table of the same columns takes its name, the months of its rows (and this month plus
# AHEAD_MONTHS) get a partition each, a DEFAULT partition catches anything outside them (a
# write never fails because beat did not run), the rows are copied, the old table is dropped,
# and its indexes, foreign keys and triggers are made again under their own names on the new
# one. Indexes and row triggers made on a partitioned table reach every partition, present and
# future; statement triggers (the TRUNCATE refusal) do not, so every partition gets its own.
#
# What PostgreSQL asks and how it is met:
# - Every unique index must hold the partition key: the primary key becomes (id, at) and
#   (id, occurred_at). Django keeps ``id`` as its pk; ids come from the identity sequence, which
#   continues where the old one stopped.
# - Event.uuid loses its unique constraint for a plain index (tracker/models.py says why).
# - A foreign key to a partitioned table must name such a key: notifications 0003 removed the
#   two constraints that pointed at tracker_event (nothing points at tracker_auditentry).
#
# Reversible: going back copies the rows into plain tables again (backwards()).

import datetime
import uuid

from django.db import migrations, models

AHEAD_MONTHS = 3
HISTORY_MONTHS = 240

TABLES = {"tracker_auditentry": "at", "tracker_event": "occurred_at"}
# Unique constraints that become plain indexes (they cannot hold the partition key's promise).
UNIQUE = {"tracker_event": ["uuid"]}


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _one(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchone()


def _all(cursor, sql, params=()):
    cursor.execute(sql, params)
    return cursor.fetchall()


def partition_by_month(schema_editor, table: str, key: str) -> None:
    old = f"{table}__unpartitioned"
    with schema_editor.connection.cursor() as cursor:
        indexes = _all(
            cursor,
            "SELECT c.relname, pg_get_indexdef(i.indexrelid), i.indisunique FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
            [table],
        )
        foreign_keys = _all(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        triggers = _all(
            cursor,
            "SELECT pg_get_triggerdef(oid), tgname, tgfoid::regproc, (tgtype & 1) = 0 FROM pg_trigger"
            " WHERE tgrelid = %s::regclass AND NOT tgisinternal ORDER BY tgname",
            [table],
        )
        (sequence,) = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])
        last_value, is_called = _one(cursor, f"SELECT last_value, is_called FROM {sequence}")
        # A partition for each month (UTC) that has rows, and for this month and AHEAD_MONTHS after
        # it. Rows older than HISTORY_MONTHS or later than that (stray dates) go to the DEFAULT
        # partition rather than making partitions by the hundred; beat moves the later ones out
        # when their month comes.
        (today,) = _one(cursor, "SELECT (now() AT TIME ZONE 'UTC')::date")
        ahead = [_add_months(today.replace(day=1), offset) for offset in range(AHEAD_MONTHS + 1)]
        with_rows = _all(
            cursor,
            f"SELECT DISTINCT date_trunc('month', {key} AT TIME ZONE 'UTC')::date FROM {table}"
            f" WHERE {key} >= now() - interval '{HISTORY_MONTHS} months'",
        )
        months = sorted({month for (month,) in with_rows if month <= ahead[-1]} | set(ahead))

        cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE"
            f" INCLUDING COMMENTS) PARTITION BY RANGE ({key})"
        )
        partitions = [f"{table}_default"]
        cursor.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        for start in months:
            end = _add_months(start, 1)
            name = f"{table}_y{start:%Y}m{start:%m}"
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{start} 00:00+00') TO ('{end} 00:00+00')"
            )
            partitions.append(name)
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")

        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id, {key})")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        (sequence,) = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
        for name, definition, unique in indexes:
            if unique:
                # Only Event.uuid's: replaced by the plain index Django names for db_index=True.
                column = definition.rsplit("(", 1)[1].rstrip(")")
                cursor.execute(
                    f"CREATE INDEX {schema_editor._create_index_name(table, [column])} ON {table} ({column})"
                )
            else:
                cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for definition, name, function, per_statement in triggers:
            cursor.execute(definition)
            if per_statement:  # the TRUNCATE refusal: the only statement trigger
                for partition in partitions:
                    cursor.execute(
                        f"CREATE TRIGGER {name} BEFORE TRUNCATE ON {partition}"
                        f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                    )
        cursor.execute(f"ANALYZE {table}")


def unpartition(schema_editor, table: str, key: str) -> None:
    """The way back: the rows into one plain table with its keys, indexes, triggers and sequence
    as before 0010 (a month dropped under retention stays gone)."""
    old = f"{table}__partitioned"
    with schema_editor.connection.cursor() as cursor:
        indexes = _all(
            cursor,
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
            [table],
        )
        foreign_keys = _all(
            cursor,
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        triggers = _all(
            cursor, "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table]
        )
        (sequence,) = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])
        last_value, is_called = _one(cursor, f"SELECT last_value, is_called FROM {sequence}")
        unique = {schema_editor._create_index_name(table, [column]): column for column in UNIQUE.get(table, [])}

        cursor.execute(f"ALTER TABLE {table} RENAME TO {old}")
        cursor.execute(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE"
            " INCLUDING COMMENTS)"
        )
        cursor.execute(f"INSERT INTO {table} SELECT * FROM {old}")
        cursor.execute(f"DROP TABLE {old}")  # with its partitions

        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY (id)")
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY")
        (sequence,) = _one(cursor, "SELECT pg_get_serial_sequence(%s, 'id')", [table])
        cursor.execute("SELECT setval(%s, %s, %s)", [sequence, last_value, is_called])
        for name, definition in indexes:
            if name in unique:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {table}_{unique[name]}_key UNIQUE ({unique[name]})")
            else:  # a partitioned table's index reads "ON ONLY <table>"
                cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for (definition,) in triggers:
            cursor.execute(definition)


def forwards(apps, schema_editor):
    for table, key in TABLES.items():
        partition_by_month(schema_editor, table, key)


def backwards(apps, schema_editor):
    for table, key in TABLES.items():
        unpartition(schema_editor, table, key)


class Migration(migrations.Migration):
    dependencies = [
        ("tracker", "0009_merge_audit_chain_and_feed_order"),
        ("notifications", "0003_event_fk_without_constraint"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="uuid",
                    field=models.UUIDField(db_index=True, default=uuid.uuid4, editable=False),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
