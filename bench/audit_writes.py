"""Benchmark: does the audit hash chain slow the writers down?

    .venv/bin/python bench/audit_writes.py [--writers 8] [--seconds 10] [--rounds 10]

Runs on a throwaway database (tracker_bench_audit) on the project's PostgreSQL (the embedded one
unless DATABASE_URL is set). ``--writers`` processes each write audit rows through
``audit.record``, one row per transaction, throughout. Phases of ``--seconds`` rotate between
the audit table as it was before the chain (no txid default, no chain index), the chain's
schema without a sealer, and with a sealer process chaining every second
(tracker.audit_chain.sealer.seal, what beat runs every 10 s), so the machine's other load falls
on all three. Prints writes/s of each, the ratios (goal >= 0.8: with / without sealer), how busy
the sealer was, and the bytes per row of the audit table and of the seals.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.throwaway_db import bench_database_url, recreate_database  # noqa: E402 - needs ROOT on sys.path

BENCH_DB = "tracker_bench_audit"
TXID = "pg_current_xact_id()::text::bigint"
CHAIN_INDEX = "tracker_audit_chain_order"
LABELS = {"before": "before the chain", "without": "without sealer  ", "with": "with sealer     "}


def writer(stop, ready) -> None:
    import django

    django.setup()
    from django.db import transaction

    from agencies.models import Agency
    from tracker import audit

    agency = Agency.objects.order_by("pk").first()
    ready.release()
    written = 0
    while not stop.is_set():
        with transaction.atomic():
            audit.record(actor=None, action="bench.write", obj=agency, after={"n": written})
        written += 1


def sealer(stop, active, ready, results) -> None:
    """Chains every second while ``active`` is set; adds up what it did per phase."""
    import django

    django.setup()
    from tracker.audit_chain.sealer import seal

    ready.release()
    sealed, busy = 0, 0.0
    while not stop.is_set():
        if not active.wait(0.1):
            if sealed:
                results.put((sealed, busy))
                sealed, busy = 0, 0.0
            continue
        started = time.monotonic()
        sealed += seal()
        busy += time.monotonic() - started
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))


def inner(writers: int, seconds: float, rounds: int) -> None:
    """The writers run throughout; the sealer is switched on and off in alternate phases, and
    each phase's rate is read from the audit table's id sequence."""
    import django

    django.setup()
    from django.db import connection

    from agencies.reference_data import load_reference_data
    from tracker.audit_chain.sealer import seal

    load_reference_data()
    ctx = multiprocessing.get_context("spawn")
    stop, active, ready, sealer_results = ctx.Event(), ctx.Event(), ctx.Semaphore(0), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(stop, ready)) for _ in range(writers)]
    procs.append(ctx.Process(target=sealer, args=(stop, active, ready, sealer_results)))
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire(timeout=300)

    def written() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM tracker_auditentry_id_seq")
            return cursor.fetchone()[0]

    def schema(chained: bool) -> None:
        """Without the chain's txid default and index, the audit table is as it was before (the column stays:
        the model returns it; a constant default costs nothing)."""
        with connection.cursor() as cursor:
            if chained:
                cursor.execute(f"ALTER TABLE tracker_auditentry ALTER COLUMN txid SET DEFAULT ({TXID})")
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {CHAIN_INDEX} ON tracker_auditentry (txid, id)")
            else:
                cursor.execute(f"DROP INDEX IF EXISTS {CHAIN_INDEX}")
                cursor.execute("ALTER TABLE tracker_auditentry ALTER COLUMN txid SET DEFAULT 0")

    def phase(kind: str) -> float:
        active.clear()
        schema(kind != "before")
        # Every phase starts from a chain that is up to date: the sealer's steady work is measured,
        # not the backlog the phase before left. (Rows of "before" phases, txid 0, are never chained.)
        seal(wait=True)
        if kind == "with":
            active.set()
        time.sleep(1)  # settle
        first, started = written(), time.monotonic()
        time.sleep(seconds)
        return (written() - first) / (time.monotonic() - started)

    phase("without")  # warm-up
    rates: dict[str, list[float]] = {kind: [] for kind in LABELS}
    try:
        for round_ in range(1, rounds + 1):
            for kind, label in LABELS.items():
                rates[kind].append(phase(kind))
                print(f"round {round_} {label}: {rates[kind][-1]:8.0f} audit writes/s", flush=True)
        active.clear()
        sealed, busy = sealer_results.get(timeout=60)
        print(f"sealer, last phase: {sealed} rows chained, busy {busy:.1f} s of {seconds + 1:.0f} (one process)")
    finally:
        stop.set()
        for proc in procs:
            proc.join(timeout=60)
    schema(True)
    medians = {kind: statistics.median(values) for kind, values in rates.items()}
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (pg,) = cursor.fetchone()
        cursor.execute(
            "SELECT (SELECT count(*) FROM tracker_auditentry), pg_total_relation_size('tracker_auditentry'),"
            " pg_total_relation_size('tracker_auditseal')"
        )
        rows, audit_bytes, seal_bytes = cursor.fetchone()
    print()
    print(f"machine: {_cpu_model()}, {os.cpu_count()} cores; PostgreSQL {pg}")
    print(f"{writers} writers, {rounds} rounds of {seconds:.0f} s per phase, medians:")
    for kind, label in LABELS.items():
        print(f"  {label}: {medians[kind]:8.0f} audit writes/s")
    print(f"  ratio with sealer / without sealer: {medians['with'] / medians['without']:.2f} (goal >= 0.8)")
    print(f"  ratio with sealer / before the chain: {medians['with'] / medians['before']:.2f}")
    # Each round's phases ran back to back: their ratios are the least disturbed by the machine's other load.
    for other in ("without", "before"):
        pairs = statistics.median(w / o for w, o in zip(rates["with"], rates[other], strict=True))
        print(f"  median of the rounds' own ratios, with sealer / {LABELS[other].strip()}: {pairs:.2f}")
    print(
        f"storage: {rows} rows; audit table {audit_bytes / rows:.0f} bytes/row,"
        f" seals {seal_bytes / rows:.0f} bytes/row (tables and indexes)"
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args.writers, args.seconds, args.rounds)

    url = bench_database_url(BENCH_DB)
    recreate_database(BENCH_DB)
    # DEBUG keeps every query in memory; no pool: each process holds one connection.
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "DATABASE_POOL": "false"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    argv = ["--inner", "--writers", str(args.writers), "--seconds", str(args.seconds), "--rounds", str(args.rounds)]
    code = subprocess.run([sys.executable, __file__, *argv], cwd=ROOT, env=env)
    sys.exit(code.returncode)


if __name__ == "__main__":
    main()
