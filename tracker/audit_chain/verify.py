"""Recompute the audit chain from the rows; compare it with the seals and the checkpoints.

One pass over rows and seals together (a server-side cursor, in (txid, id) order), hashing in
Python. Two chains are kept: each row against its own seal (pinpoints an altered, removed or
inserted row even when the rest is intact) and the rows alone from the start (compared with
every signed checkpoint, so a chain rebuilt with consistent seals is caught too). A seal whose
row went with a month dropped under retention counts as dropped, not removed, only when a signed
drop record in the checkpoint store names it (tracker/audit_chain/drops.py).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import hashlib
import time
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from django.db import connection, transaction

from tracker.audit_chain.checkpoints import checkpoint_store, signed_bytes, verify_keys
from tracker.audit_chain.rows import GENESIS, SELECT_SQL, canonical, link

ITERSIZE = 5000
MAX_PROBLEMS = 1000  # kept in full; the first is what an operator needs
MAX_SWAP_CHECKS = 1000  # altered rows compared pairwise for a swap

STREAM_SQL = (
    f"SELECT s.position, s.entry_id, s.entry_txid, s.hash, {SELECT_SQL}"
    " FROM tracker_auditentry a FULL OUTER JOIN tracker_auditseal s ON s.entry_id = a.id"
    " ORDER BY coalesce(a.txid, s.entry_txid), coalesce(a.id, s.entry_id), s.position"
)


@dataclass
class Problem:
    entry_id: int | None
    kind: str  # altered, reordered, removed, inserted, rebuilt, checkpoint
    message: str

    def __str__(self) -> str:
        where = f"row {self.entry_id}" if self.entry_id is not None else "checkpoints"
        return f"{where}: {self.kind}: {self.message}"


@dataclass
class Report:
    rows: int = 0
    sealed: int = 0
    pending: int = 0
    checkpoints: int = 0
    dropped: int = 0  # rows gone with a month dropped under retention (tracker/audit_chain/drops.py)
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


@dataclass
class _Altered:
    problem: Problem
    row: tuple
    previous: bytes
    sealed: bytes


def verify(*, store=None, public_keys=None) -> Report:
    started = time.monotonic()
    report = Report()
    # Read before the database snapshot is taken: every seal a checkpoint names is then in it.
    records = (store or checkpoint_store()).read()
    if records and public_keys is None:
        public_keys = verify_keys()
    checkpoints, drops = checked_records(records, public_keys, report)
    outermost = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if outermost:  # one snapshot for the head, the stream and the look-ups
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        _Pass(cursor, checkpoints, drops, report).run()
    covered = max((record["count"] for _, record in checkpoints), default=0)
    if report.sealed > covered:
        report.warnings.append(
            f"{report.sealed - covered} sealed rows are newer than the last valid checkpoint: a rebuild of those"
            " would go unnoticed until the next one (manage.py audit_checkpoint makes one now)"
        )
    report.seconds = time.monotonic() - started
    return report


def checked_records(records: list[dict], keys, report: Report | None = None):
    """The checkpoints and the drop records whose signature holds, each numbered from 1 in the
    store's order: ``(checkpoints, drops)``. Those that fail are problems of ``report``."""
    report = report if report is not None else Report()
    good, drops = [], []
    for number, record in enumerate(records, 1):
        if record.get("kind") == "drop":
            what = f"drop record {number}"
        else:
            report.checkpoints += 1
            what = f"checkpoint {number}"
        if "unreadable" in record:
            report.problems.append(Problem(None, "checkpoint", f"{what} is not a JSON object"))
            continue
        key = keys.get(record.get("key_id"))
        if key is None:
            report.problems.append(
                Problem(None, "checkpoint", f"{what} names key {record.get('key_id')!r}, not one of ours")
            )
            continue
        try:
            key.verify(base64.b64decode(record["signature"], validate=True), signed_bytes(record))
        except (KeyError, TypeError, ValueError, binascii.Error, InvalidSignature):
            report.problems.append(Problem(None, "checkpoint", f"{what}'s signature does not verify: edited or forged"))
            continue
        if record.get("kind") == "drop":
            drops.append((number, record))
        elif record.get("count"):
            good.append((number, record))
    good.sort(key=lambda item: (item[1]["entry_txid"], item[1]["entry_id"], item[0]))
    return good, drops


@dataclass
class _Drop:
    number: int
    record: dict
    expected: int
    seen: int = 0
    digest: object = field(default_factory=hashlib.sha256)


class _Pass:
    def __init__(self, cursor, checkpoints, drops, report: Report):
        self.cursor = cursor
        self.drops = [
            _Drop(number, record, sum(last - first + 1 for first, last in record["positions"]))
            for number, record in drops
        ]
        runs = sorted(
            ((first, last, drop) for drop in self.drops for first, last in drop.record["positions"]),
            key=lambda run: run[:2],
        )
        self.run_starts = [first for first, _, _ in runs]
        self.runs = runs
        self.report = report
        self.checkpoints = checkpoints
        self.next_checkpoint = 0
        self.last_checkpoint: tuple[int, int] | None = None  # (number, entry id)
        self.chain = GENESIS  # the rows alone, from the start
        self.count = 0
        self.last_seal: tuple[int, bytes] = (0, GENESIS)  # position, hash
        self.altered: list[_Altered] = []
        self.problems_at_last_checkpoint = 0

    def problem(self, entry_id, kind, message) -> Problem:
        problem = Problem(entry_id, kind, message)
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(problem)
        return problem

    def run(self) -> None:
        self.cursor.execute(
            "SELECT position, entry_txid, entry_id FROM tracker_auditseal ORDER BY position DESC LIMIT 1"
        )
        head = self.cursor.fetchone()
        self.head = (head[1], head[2]) if head else None
        raw = connection.connection
        with raw.cursor(name="verify_audit") as stream:
            stream.itersize = ITERSIZE
            stream.execute(STREAM_SQL)
            for record in stream:
                self.step(record[0], record[1], record[2], record[3], record[4:])
        self.passed((2**63, 2**63))
        self.classify_swaps()
        self.check_drops()

    def step(self, position, entry_id, entry_txid, sealed, row) -> None:
        if row[0] is None:
            self.passed((entry_txid, entry_id))
            self.last_seal = (position, bytes(sealed))
            drop = self.dropped_at(position)
            if drop is None:
                self.problem(entry_id, "removed", f"sealed at position {position}, the row is gone")
                return
            # Dropped under retention: the rows' own chain goes on from the seal, which the signed
            # drop record's digest vouches for (check_drops).
            drop.seen += 1
            drop.digest.update(bytes(sealed))
            self.report.dropped += 1
            self.chain = bytes(sealed)
            self.count += 1
            self.at_checkpoint(entry_id)
            return
        self.passed((row[1], row[0]))
        self.report.rows += 1
        content = canonical(row)
        self.chain = link(self.chain, content)
        self.count += 1
        if position is None:
            if self.head is not None and (row[1], row[0]) <= self.head:
                self.problem(
                    row[0],
                    "inserted",
                    "inside the sealed chain but without a seal: added afterwards (or its seal removed)",
                )
            else:
                self.report.pending += 1
        else:
            self.report.sealed += 1
            sealed = bytes(sealed)
            previous = self.previous_seal(position, row[0])
            if entry_txid != row[1] or link(previous, content) != sealed:
                problem = self.problem(
                    row[0], "altered", f"its content no longer matches its seal (position {position})"
                )
                if len(self.altered) < MAX_SWAP_CHECKS:
                    self.altered.append(_Altered(problem, row, previous, sealed))
            self.last_seal = (position, sealed)
        self.at_checkpoint(row[0])

    def dropped_at(self, position: int) -> _Drop | None:
        index = bisect.bisect_right(self.run_starts, position) - 1
        if index >= 0 and self.runs[index][1] >= position:
            return self.runs[index][2]
        return None

    def check_drops(self) -> None:
        for drop in self.drops:
            name = f"drop record {drop.number} ({drop.record['partition']}, {drop.record['at']})"
            if drop.seen == 0:
                self.report.warnings.append(f"{name}: its rows are all still here, the drop was not done")
            elif drop.seen != drop.expected:
                self.problem(
                    None,
                    "removed",
                    f"{name} names {drop.expected} rows; {drop.seen} are gone and the rest still here:"
                    " not how a month is dropped",
                )
            elif drop.digest.hexdigest() != drop.record["seals"]:
                self.problem(None, "rebuilt", f"{name}: the seals of the dropped rows changed after the drop")

    def previous_seal(self, position: int, entry_id: int) -> bytes:
        last_position, last_hash = self.last_seal
        if position == last_position + 1:
            return last_hash
        if position <= last_position:
            self.problem(entry_id, "reordered", f"seal position {position} comes after position {last_position}")
        if position == 1:
            return GENESIS
        self.cursor.execute("SELECT hash FROM tracker_auditseal WHERE position = %s", [position - 1])
        found = self.cursor.fetchone()
        if found is None:
            self.problem(entry_id, "removed", f"the seal before it (position {position - 1}) is gone")
            return GENESIS
        return bytes(found[0])

    def passed(self, key: tuple[int, int]) -> None:
        """Checkpoints whose row sorts before ``key`` and was never reached: that row is gone."""
        while self.next_checkpoint < len(self.checkpoints):
            number, record = self.checkpoints[self.next_checkpoint]
            if (record["entry_txid"], record["entry_id"]) >= key:
                return
            self.next_checkpoint += 1
            self.problem(
                record["entry_id"], "removed", f"signed in checkpoint {number} ({record['at']}), the row is gone"
            )
            self.problems_at_last_checkpoint = len(self.report.problems)
            self.last_checkpoint = (number, record["entry_id"])
            self.chain, self.count = bytes.fromhex(record["head"]), record["count"]

    def at_checkpoint(self, entry_id: int) -> None:
        """Compare the rows' own chain with each checkpoint signed at this row, then carry on from
        the signed head: each stretch between two checkpoints is judged on its own."""
        while self.next_checkpoint < len(self.checkpoints):
            number, record = self.checkpoints[self.next_checkpoint]
            if record["entry_id"] != entry_id:
                return
            self.next_checkpoint += 1
            holds = self.chain.hex() == record["head"] and self.count == record["count"]
            # Rows already found broken in this stretch are why it differs: nothing new to say.
            explained = len(self.report.problems) > self.problems_at_last_checkpoint
            if not holds and not explained:
                since = (
                    f"the change lies after row {self.last_checkpoint[1]} (checkpoint {self.last_checkpoint[0]})"
                    f" and up to row {entry_id}"
                    if self.last_checkpoint
                    else f"the change lies in the rows up to {entry_id}"
                )
                self.problem(
                    entry_id,
                    "rebuilt",
                    f"the rows up to here ({self.count}) no longer hash to the head signed in checkpoint {number}"
                    f" ({record['at']}, {record['count']} rows): chain rebuilt; {since}",
                )
            self.problems_at_last_checkpoint = len(self.report.problems)
            self.last_checkpoint = (number, entry_id)
            self.chain, self.count = bytes.fromhex(record["head"]), record["count"]

    def classify_swaps(self) -> None:
        """An altered row holding exactly what was sealed for another altered row: reordered."""
        for mine in self.altered:
            for other in self.altered:
                if other is mine:
                    continue
                for moved in _relabelled(other.row, mine.row):
                    if link(mine.previous, canonical(moved)) == mine.sealed:
                        mine.problem.kind = "reordered"
                        mine.problem.message = (
                            f"what was sealed for it is now in row {other.row[0]}: rows swapped or reordered"
                        )
                        break
                else:
                    continue
                break


def _relabelled(content: tuple, place: tuple):
    """``content`` as it would read at ``place``: with its id, and with its id and txid."""
    yield (place[0], *content[1:])
    yield (place[0], place[1], *content[2:])
