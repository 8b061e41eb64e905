"""Chain finished transactions' audit rows into AuditSeal.

A row's place in the chain is (txid, id). Only rows whose transaction id is below the oldest
still-running transaction (``pg_snapshot_xmin``) are chained: every transaction that could
still add a row has a larger id, so nothing can later appear before a sealed row, and a row
is chained exactly once. Writers take no lock and never wait; sealers exclude each other with
a transaction-scoped advisory lock.
"""

from __future__ import annotations

from django.db import connection, transaction

from tracker.audit_chain.rows import GENESIS, SELECT_SQL, canonical, link

# pg advisory lock key: "audit seal" (any constant unused elsewhere in the project).
LOCK_KEY = 0x61756469_7365616C
BATCH_SIZE = 5000


def seal(*, wait: bool = False, batch_size: int = BATCH_SIZE) -> int:
    """Chain every row that may be chained now; return how many. Each batch commits on its own,
    so a backlog is worked off in steps. Without ``wait`` it returns 0 at once when another
    sealer holds the lock (beat's next run catches up); with it, it waits its turn."""
    total = 0
    while True:
        sealed = _seal_batch(wait=wait, batch_size=batch_size)
        total += sealed
        if sealed < batch_size:
            return total


def _seal_batch(*, wait: bool, batch_size: int) -> int:
    with transaction.atomic(), connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        else:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_KEY])
            if not cursor.fetchone()[0]:
                return 0
        # Before this transaction writes anything (its own id would hold the horizon down).
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        (horizon,) = cursor.fetchone()
        cursor.execute(
            "SELECT position, entry_txid, entry_id, hash FROM tracker_auditseal ORDER BY position DESC LIMIT 1"
        )
        head = cursor.fetchone()
        position, after_txid, after_id, previous = head if head else (0, -1, -1, GENESIS)
        previous = bytes(previous)
        cursor.execute(
            f"SELECT {SELECT_SQL} FROM tracker_auditentry a"
            " WHERE a.txid < %s AND (a.txid, a.id) > (%s, %s) ORDER BY a.txid, a.id LIMIT %s",
            [horizon, after_txid, after_id, batch_size],
        )
        rows = cursor.fetchall()
        if not rows:
            return 0
        positions, entry_ids, entry_txids, hashes = [], [], [], []
        for row in rows:
            position += 1
            previous = link(previous, canonical(row))
            positions.append(position)
            entry_ids.append(row[0])
            entry_txids.append(row[1])
            hashes.append(previous)
        cursor.execute(
            "INSERT INTO tracker_auditseal (position, entry_id, entry_txid, hash)"
            " SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bytea[])",
            [positions, entry_ids, entry_txids, hashes],
        )
        return len(rows)
