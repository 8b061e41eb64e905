"""Benchmark: committed events → outbox → Celery (2 worker processes) → signed webhooks.

    .venv/bin/python bench/webhook_delivery.py [--events 10000]

Runs on a throwaway database (tracker_bench) on the same PostgreSQL as the project (the
embedded one unless DATABASE_URL is set), with the project's Redis and a local receiver
that verifies every signature. Two phases: live (workers up while the events commit:
events per second, commit-to-delivery latency p50/p95) and backlog (events committed
first, then drained). Baseline, measured in the same run: the same receiver fed directly
by one process signing and POSTing each event (no database, no broker).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

from bench.throwaway_db import bench_database_url, recreate_database  # noqa: E402 - needs ROOT on sys.path

BENCH_DB = "tracker_bench"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    args = parser.parse_args()

    url = bench_database_url(BENCH_DB)
    recreate_database(BENCH_DB)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}  # DEBUG keeps every query in memory
    # From here on this process, and the worker, use the bench database.
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    code = subprocess.run([sys.executable, __file__, "--inner", "--events", str(args.events)], cwd=ROOT, env=env)
    sys.exit(code.returncode)


def inner(events: int) -> None:
    import django

    django.setup()
    from django.db import transaction

    from agencies import services as key_services
    from agencies.models import Agency, RegionalUnit
    from agencies.reference_data import load_reference_data
    from cases import services as cases
    from config.celery_app import app
    from notifications import services, wakeup, webhooks
    from tests.factories import case_kwargs, officer
    from tests.notifications.receiver import Receiver
    from tracker import audit
    from tracker.models import Event

    (ROOT / "var" / "bench-worker.log").write_text("")
    load_reference_data()
    actor = officer("bench.officer", "LABOUR")
    case = cases.case_create(actor=actor, unit=RegionalUnit.objects.get(code="OSL"), **case_kwargs())
    key, _ = key_services.api_key_create(
        actor=None,
        name="Bench receiver",
        agency=Agency.objects.get(code="LABOUR"),
        units=[RegionalUnit.objects.get(code="OSL")],
        scopes=["webhooks:write", "cases:read"],
    )
    app.control.purge()
    wakeup.clear()  # the purged dispatch task's flag

    with Receiver() as receiver:
        sub, receiver.secret = webhooks.subscription_create(
            actor=key.user, url=receiver.url, event_types=["case.updated"]
        )
        # Baseline: one process signs and POSTs each event straight to the receiver.
        # Written without the outbox hook, so nothing is queued for these.
        sample = Event.objects.bulk_create(
            Event(
                type="bench.baseline",
                unit=case.unit,
                agencies=["LABOUR"],
                object_type="cases.case",
                object_id=str(case.pk),
                payload={"reference": case.reference},
            )
            for _ in range(min(events, 2000))
        )
        sample = list(Event.objects.filter(type="bench.baseline").select_related("unit"))
        started = time.perf_counter()
        import httpx

        with httpx.Client() as http:
            signer = services.signer_for(sub)
            for event in sample:
                body = services.webhook_body(event)
                http.post(sub.url, content=body, headers=services.signed_headers(signer, event, body))
        baseline_rate = len(sample) / (time.perf_counter() - started)
        Event.objects.filter(type="bench.baseline").delete()

        def commit(n: int) -> dict[str, float]:
            """n changes, one transaction each as in real use; when each committed."""
            times = {}
            for _ in range(n):
                with transaction.atomic():
                    event = audit.emit(
                        event_type="case.updated",
                        obj=case,
                        unit=case.unit,
                        agencies=["LABOUR"],
                        payload={"reference": case.reference},
                    )
                times[str(event.uuid)] = time.time()
            return times

        def all_arrived(n: int) -> None:
            if not receiver.wait_for(lambda r: len(r.applied) >= n, timeout=max(600, n / 5)):
                sys.exit(f"only {len(receiver.applied)} of {n} arrived; see var/bench-worker.log")

        # 1. Live: the workers run while the changes commit.
        reset(receiver)
        with Worker():
            started = time.perf_counter()
            commit_times = commit(events)
            committed = time.perf_counter() - started
            all_arrived(events)
            total = time.perf_counter() - started
        latencies = sorted(receiver.arrival_times[i] - commit_times[i] for i in commit_times)
        duplicates = len(receiver.requests) - len(receiver.applied)
        bad = receiver.bad_signatures

        # 2. Backlog: the changes commit while no worker runs (an outage, a deploy); then
        # two workers start and drain it. This measures the pipeline alone.
        reset(receiver)
        commit(events)
        with Worker() as worker:
            all_arrived(events)
            drained = time.time() - worker.ready_at
        duplicates += len(receiver.requests) - len(receiver.applied)
        bad += receiver.bad_signatures

        p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
        print(f"events:                       {events} per phase")
        print(f"baseline (direct POST):       {baseline_rate:.0f} events/s (1 process, no DB, no broker)")
        print("live (workers up while committing):")
        print(f"  committed in:               {committed:.1f} s ({events / committed:.0f} commits/s, 1 process)")
        print(f"  delivered in:               {total:.1f} s from the first commit")
        print(f"  throughput:                 {events / total:.0f} events/s (2 worker processes)")
        print(f"  ratio to baseline:          {events / total / baseline_rate:.2f}")
        print(f"  commit-to-delivery latency: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms")
        print("backlog (committed first, then drained):")
        print(f"  drained in:                 {drained:.1f} s from worker start")
        print(f"  throughput:                 {events / drained:.0f} events/s (2 worker processes)")
        print(f"  ratio to baseline:          {events / drained / baseline_rate:.2f}")
        print(f"duplicates seen by receiver:  {duplicates}")
        print(f"bad signatures:               {bad}")


def reset(receiver) -> None:
    with receiver.lock:
        receiver.requests.clear()
        receiver.applied.clear()
        receiver.arrival_times.clear()


class Worker:
    """`celery worker --concurrency=2` on the bench database, its log in var/bench-worker.log."""

    def __enter__(self):
        self.log_path = ROOT / "var" / "bench-worker.log"
        self.log = self.log_path.open("a")
        offset = self.log_path.stat().st_size
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2",
             "--loglevel=" + os.environ.get("BENCH_WORKER_LOGLEVEL", "INFO"),
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench{time.monotonic_ns()}@%h"],
            cwd=ROOT, env=os.environ, stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip
        while "ready." not in self.log_path.read_text()[offset:]:
            if self.proc.poll() is not None:
                sys.exit("the worker did not start; see var/bench-worker.log")
            time.sleep(0.05)
        self.ready_at = time.time()
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=60)
        self.log.close()


if __name__ == "__main__":
    if "--inner" in sys.argv:
        inner(int(sys.argv[sys.argv.index("--events") + 1]))
    else:
        main()
