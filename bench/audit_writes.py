"""Benchmark: does the audit hash chain slow the writers down?

    .venv/bin/python bench/audit_writes.py [--writers 8] [--seconds 10] [--rounds 10]

Runs on a throwaway database (tracker_bench_audit) on the project's PostgreSQL (the embedded one
unless DATABASE_URL is set). ``--writers`` processes each write audit rows through
``audit.record``, one row per transaction, for ``--seconds``; rounds alternate between no sealer
and a sealer process chaining every second (tracker.audit_chain.sealer.seal, what beat runs every
10 s), so the machine's noise falls on both. Prints writes/s of each, their ratio (goal >= 0.8),
and how far behind the sealer was at the end.
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
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
BENCH_DB = "tracker_bench_audit"


def bench_database_url() -> str:
    import django
    from django.conf import settings

    django.setup()
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def recreate_database() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")


def writer(seconds: float, barrier, results) -> None:
    import django

    django.setup()
    from django.db import transaction

    from agencies.models import Agency
    from tracker import audit

    agency = Agency.objects.order_by("pk").first()
    barrier.wait(timeout=120)
    written, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        with transaction.atomic():
            audit.record(actor=None, action="bench.write", obj=agency, after={"n": written})
        written += 1
    results.put(written)


def sealer(stop, results) -> None:
    import django

    django.setup()
    from tracker.audit_chain.sealer import seal

    sealed, busy = 0, 0.0
    while not stop.is_set():
        started = time.monotonic()
        sealed += seal()
        busy += time.monotonic() - started
        stop.wait(max(0.0, 1.0 - (time.monotonic() - started)))
    results.put((sealed, busy))


def run_round(writers: int, seconds: float, with_sealer: bool) -> tuple[float, tuple[int, float] | None]:
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(writers + 1), ctx.Queue()
    stop, sealer_results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(seconds, barrier, results)) for _ in range(writers)]
    sealing = ctx.Process(target=sealer, args=(stop, sealer_results)) if with_sealer else None
    for proc in procs + ([sealing] if sealing else []):
        proc.start()
    barrier.wait(timeout=120)
    started = time.monotonic()
    total = sum(results.get(timeout=seconds + 120) for _ in procs)
    elapsed = time.monotonic() - started
    for proc in procs:
        proc.join()
    sealer_figures = None
    if sealing:
        stop.set()
        sealer_figures = sealer_results.get(timeout=120)
        sealing.join()
    return total / elapsed, sealer_figures


def inner(writers: int, seconds: float, rounds: int) -> None:
    import django

    django.setup()
    from django.db import connection

    from agencies.reference_data import load_reference_data
    from tracker.audit_chain.sealer import seal
    from tracker.models import AuditEntry

    load_reference_data()
    seal(wait=True)
    without, with_ = [], []
    sealer_lines = []
    for round_ in range(1, rounds + 1):
        for with_sealer in (False, True):
            rate, sealer_figures = run_round(writers, seconds, with_sealer)
            (with_ if with_sealer else without).append(rate)
            label = "with sealer   " if with_sealer else "without sealer"
            line = f"round {round_} {label}: {rate:8.0f} audit writes/s"
            if sealer_figures:
                left = AuditEntry.objects.count() - _sealed(connection)
                sealed, busy = sealer_figures
                line += f"  (sealer: {sealed} rows chained, busy {busy:.1f} s of {seconds:.0f}; {left} left at the end)"
                sealer_lines.append(left)
            print(line, flush=True)
            seal(wait=True)  # the next round starts from a chain that is up to date
    before, after = statistics.median(without), statistics.median(with_)
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
    print(f"{writers} writers, {seconds:.0f} s x {rounds} rounds each, medians:")
    print(f"  without sealer: {before:8.0f} audit writes/s")
    print(f"  with sealer:    {after:8.0f} audit writes/s (sealing every second)")
    print(f"  ratio: {after / before:.2f} (goal >= 0.8)")
    # Each round's pair ran back to back: its ratio is the least disturbed by the machine's other load.
    pairs = statistics.median(w / wo for w, wo in zip(with_, without, strict=True))
    print(f"  median of the rounds' own ratios: {pairs:.2f}")
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


def _sealed(connection) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tracker_auditseal")
        return cursor.fetchone()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        return inner(args.writers, args.seconds, args.rounds)

    url = bench_database_url()
    recreate_database()
    # DEBUG keeps every query in memory; no pool: each process holds one connection.
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "DATABASE_POOL": "false"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    argv = ["--inner", "--writers", str(args.writers), "--seconds", str(args.seconds), "--rounds", str(args.rounds)]
    code = subprocess.run([sys.executable, __file__, *argv], cwd=ROOT, env=env)
    sys.exit(code.returncode)


if __name__ == "__main__":
    main()
