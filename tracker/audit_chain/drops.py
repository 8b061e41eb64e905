"""Dropping a month of the audit trail without breaking the chain.

A month's rows may go (AUDIT_RETENTION_MONTHS, tracker/partitions.py) only when
- every row of it is sealed and still matches its seal: broken evidence is never dropped, the
  operator hears of it from verify_audit first;
- a signed checkpoint covers its last seal: what goes was attested outside the database first;
- the drop is itself signed and appended to the checkpoint store, naming the seal positions of
  the rows dropped and a digest of their seal hashes.

The seals stay (they are append-only and small). verify_audit takes a seal without its row as
dropped, not removed, only when a valid signed drop record names its position, and checks that
the record's positions are all gone and their seals unchanged. It carries the rows' own chain
across the gap from those seal hashes, so the rows kept are still compared with every later
checkpoint. A row deleted by hand, or a partition dropped without a record, is still "removed".
"""

from __future__ import annotations

import base64
import hashlib

from django.db import connection, transaction
from django.utils import timezone

from tracker.audit_chain.checkpoints import checkpoint_store, key_id, signed_bytes, signing_key, verify_keys
from tracker.audit_chain.rows import GENESIS, SELECT_SQL, canonical, link
from tracker.audit_chain.sealer import LOCK_KEY as SEAL_LOCK_KEY
from tracker.audit_chain.verify import checked_records
from tracker.partitions import lock_for_maintenance

VERSION = 1
ITERSIZE = 5000
KIND = "drop"


def position_runs(positions: list[int]) -> list[list[int]]:
    """Sorted positions as [first, last] runs: a month's rows are nearly consecutive in the chain."""
    runs: list[list[int]] = []
    for position in positions:
        if runs and position == runs[-1][1] + 1:
            runs[-1][1] = position
        else:
            runs.append([position, position])
    return runs


def drop_audit_partition(partition) -> str | None:
    """Drop one month of the audit trail if the chain allows it. Returns None when dropped, else why not."""
    key = signing_key()  # no key, no drop
    with transaction.atomic(), connection.cursor() as cursor:
        lock_for_maintenance(cursor)
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SEAL_LOCK_KEY])  # the chain holds still
        cursor.execute(
            f"SELECT count(*) FROM {partition.name} a"
            " WHERE NOT EXISTS (SELECT 1 FROM tracker_auditseal s WHERE s.entry_id = a.id)"
        )
        (unsealed,) = cursor.fetchone()
        if unsealed:
            return f"{unsealed} rows are not sealed yet"
        positions, digest = [], hashlib.sha256()
        with connection.connection.cursor(name="audit_drop") as rows:
            rows.itersize = ITERSIZE
            rows.execute(
                f"SELECT s.position, s.entry_txid, s.hash, p.hash, {SELECT_SQL} FROM {partition.name} a"
                " JOIN tracker_auditseal s ON s.entry_id = a.id"
                " LEFT JOIN tracker_auditseal p ON p.position = s.position - 1 ORDER BY s.position"
            )
            for position, entry_txid, sealed, previous, *row in rows:
                if previous is None and position > 1:
                    return f"the seal before row {row[0]} is gone: run verify_audit"
                previous = bytes(previous) if previous is not None else GENESIS
                if entry_txid != row[1] or link(previous, canonical(tuple(row))) != bytes(sealed):
                    return f"row {row[0]} does not match its seal: run verify_audit"
                positions.append(position)
                digest.update(bytes(sealed))
        checkpoints, _ = checked_records(checkpoint_store().read(), verify_keys())
        covered = max((record["count"] for _, record in checkpoints), default=0)
        if positions and positions[-1] > covered:
            return f"its last seal (position {positions[-1]}) is newer than the last signed checkpoint ({covered})"
        start, end = partition.bounds()
        record = {
            "v": VERSION,
            "kind": KIND,
            "partition": partition.name,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "count": len(positions),
            "positions": position_runs(positions),
            "seals": digest.hexdigest(),
            "checkpoint_count": covered,
            "at": timezone.now().isoformat(),
            "key_id": key_id(key.public_key()),
        }
        record["signature"] = base64.b64encode(key.sign(signed_bytes(record))).decode()
        cursor.execute(f"DROP TABLE {partition.name}")
        # Appended last: a failure rolls the drop back; a commit that fails after it leaves a
        # record of a drop not done, which verify_audit notes and tolerates.
        checkpoint_store().append(record)
    return None
