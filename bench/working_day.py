"""A working day under locust, one command:

    make bench-deps && .venv/bin/python bench/working_day.py [--scale 0.02] [--users 100] [--time 5m]

1. A throwaway database ``tracker_working_day`` on the embedded PostgreSQL: the national dataset
   at ``--scale`` (bench/national_data.py), then the cast (bench/working_day_cast.py): 50 units
   with members, cases and per-unit API keys. ``--reuse`` keeps the last one (new keys each run).
2. gunicorn with the production settings and config/gunicorn.conf.py (``--workers`` processes,
   gthread), and a Celery worker (the events' dispatch), both on the embedded PostgreSQL and Redis.
3. locust headless (bench/locustfile.py) for ``--time``, while the gunicorn workers' RSS is
   sampled every ``--sample`` seconds.
4. Prints per endpoint p50/p95/count/failures (locust's CSV under var/bench/), the failures, each
   worker's RSS (first, warm, per minute, last, max, slope after warm-up), and the load average
   before, during and after. Exits 1 if any request failed.
"""

from __future__ import annotations

import argparse
import csv
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
OUT = ROOT / "var" / "bench"
DATABASE = "tracker_working_day"


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def build(url: str, scale: float, reuse: bool, env: dict) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not (reuse and exists):
        subprocess.run([sys.executable, "bench/national_data.py", "--scale", str(scale), "--database-url", url],
                       cwd=ROOT, env=env, check=True)  # fmt: skip
    code = "import django, pathlib, sys; django.setup(); import working_day_cast as w; print(w.prepare(pathlib.Path(sys.argv[1])))"  # noqa: E501
    subprocess.run([sys.executable, "-c", code, str(OUT / "working_day_cast.json")],
                   cwd=ROOT / "bench", env={**env, "PYTHONPATH": str(ROOT)}, check=True)  # fmt: skip


def server_env(url: str, redis_url: str, port: int, workers: int) -> dict:
    secrets_dir = OUT / "secrets"
    secrets_dir.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": str(workers),
        "LOG_LEVEL": "WARNING",
        # The notifications' e-mails are made and dropped: the console's would bury the worker's log.
        "EMAIL_URL": "dummymail://",
        # Demanded by production: the audit chain's key and checkpoints (no beat runs here: never signed).
        "AUDIT_SIGNING_KEY_FILE": str(secrets_dir / "audit-signing-key.pem"),
        "AUDIT_CHECKPOINT_FILE": str(secrets_dir / "audit-checkpoints.jsonl"),
    }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the main process only: gunicorn and Celery then stop their children gracefully
    (a task under way finishes); the whole group is killed only if that takes over a minute."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                sys.exit(f"gunicorn stopped:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                sys.exit("gunicorn did not start in 90 s")
            time.sleep(0.3)


class RssSampler(threading.Thread):
    """The RSS of each gunicorn worker (the master's children), every ``every`` seconds. A worker
    imports most of the project on its first requests: "warm" is its RSS ``warm_up`` seconds in,
    once every kind of request has come; flat means last ≈ warm."""

    def __init__(self, master_pid: int, every: float, warm_up: float) -> None:
        super().__init__(daemon=True)
        self.master = psutil.Process(master_pid)
        self.every = every
        self.warm_up = warm_up
        self.samples: dict[int, list[tuple[float, int]]] = {}
        self.loads: list[float] = []  # the 1-minute load average at each sample
        self.halt = threading.Event()

    def run(self) -> None:
        started = time.monotonic()
        while not self.halt.is_set():
            self.loads.append(os.getloadavg()[0])
            for worker in self.master.children():
                try:
                    rss = worker.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.samples.setdefault(worker.pid, []).append((time.monotonic() - started, rss))
            self.halt.wait(self.every)

    def report(self) -> list[str]:
        """Per worker: RSS first, warm, at each further minute, last and max (MiB), and the slope
        after warm-up (least squares, MiB per minute): flat is a slope near zero."""
        mib = 1024 * 1024
        longest = max((series[-1][0] for series in self.samples.values()), default=0)
        minutes = list(range(int(self.warm_up // 60) + 1, int(longest // 60) + 1))
        lines = [
            f"| worker pid | samples | first | warm ({self.warm_up:.0f} s) | "
            + "".join(f"{m} min | " for m in minutes)
            + "last | max | last − warm | slope after warm-up |",
            "| --- | ---: | ---: | ---: | " + "---: | " * len(minutes) + "---: | ---: | ---: | ---: |",
        ]
        for pid, series in sorted(self.samples.items()):
            values = [rss for _, rss in series]
            warm = next((rss for at, rss in series if at >= self.warm_up), values[-1])
            marks = [next((rss for at, rss in series if at >= m * 60), values[-1]) for m in minutes]
            lines.append(
                f"| {pid} | {len(values)} | {values[0] / mib:.1f} | {warm / mib:.1f} | "
                + "".join(f"{rss / mib:.1f} | " for rss in marks)
                + f"{values[-1] / mib:.1f} | {max(values) / mib:.1f} | {(values[-1] - warm) / mib:+.1f} | "
                f"{slope([(at, rss) for at, rss in series if at >= self.warm_up]) * 60 / mib:+.2f} MiB/min |"
            )
        return lines

    def write_csv(self, path: Path) -> None:
        with path.open("w", newline="") as f:
            out = csv.writer(f)
            out.writerow(["worker_pid", "seconds", "rss_bytes"])
            for pid, series in sorted(self.samples.items()):
                out.writerows((pid, f"{at:.1f}", rss) for at, rss in series)


def slope(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread if spread else 0.0


def endpoint_table(stats_csv: Path) -> tuple[list[str], int, int]:
    lines = [
        "| endpoint | requests | failures | p50 ms | p95 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    total = failures = 0
    with stats_csv.open() as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                total, failures = int(row["Request Count"]), int(row["Failure Count"])
                name = "**all**"
            else:
                name = f"{row['Type']} {row['Name']}"
            lines.append(
                f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
                f"{float(row['Max Response Time']):.0f} |"
            )
    return lines, total, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=0.02, help="of the national dataset (1.0 = 1M cases)")
    parser.add_argument("--reuse", action="store_true", help="keep the dataset of the last run if there is one")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--time", default="5m")
    parser.add_argument("--port", type=int, default=8270)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn processes (4 threads each)")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--warm-up", type=float, default=60.0, help="seconds before the RSS counted as warm")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django
    from django.conf import settings

    django.setup()  # attaches the embedded PostgreSQL and Redis for the life of this process
    from throwaway_db import bench_database_url

    url, redis_url = bench_database_url(DATABASE), settings.REDIS_URL
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"load average at start: {load_average()} ({os.cpu_count()} cores)", flush=True)
    started = time.monotonic()
    build(url, args.scale, args.reuse, {**os.environ, "DATABASE_URL": url, "REDIS_URL": redis_url, "DEBUG": "false"})
    print(f"dataset and cast ready in {time.monotonic() - started:.0f} s", flush=True)

    env = server_env(url, redis_url, args.port, args.workers)
    # As a deployment does: WhiteNoise serves what collectstatic gathered (and warns without it).
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    web_log, worker_log = OUT / "working_day_gunicorn.log", OUT / "working_day_celery.log"
    web = start([sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"], env, web_log)
    worker = start([sys.executable, "-m", "celery", "-A", "config.celery_app", "worker", "--loglevel=WARNING",
                    "--concurrency=1"], env, worker_log)  # fmt: skip
    sampler = RssSampler(web.pid, args.sample, args.warm_up)
    try:
        wait_for_port(args.port, web, web_log)
        load_before = load_average()
        sampler.start()
        prefix = OUT / "working_day"
        locust = subprocess.run(
            [sys.executable, "-m", "locust", "-f", "bench/locustfile.py", "--headless", "-u", str(args.users),
             "-r", str(args.spawn_rate), "-t", args.time, "--host", f"http://127.0.0.1:{args.port}",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING"],
            cwd=ROOT, env={**os.environ, "WORKING_DAY_CAST": str(OUT / "working_day_cast.json")},
        )  # fmt: skip
        sampler.halt.set()
        sampler.join()
        load_after = load_average()
    finally:
        stop(web)
        stop(worker)

    table, total, failures = endpoint_table(Path(f"{prefix}_stats.csv"))
    print("\n## Endpoints\n" + "\n".join(table))
    sampler.write_csv(OUT / "working_day_rss.csv")
    print(
        "\n## gunicorn workers' RSS (MiB; every sample in var/bench/working_day_rss.csv)\n"
        + "\n".join(sampler.report())
    )
    loads = sampler.loads or [0.0]
    print(f"\n1-minute load average during the run: min {min(loads):.2f}, mean {sum(loads) / len(loads):.2f}, "
          f"max {max(loads):.2f} ({os.cpu_count()} cores)")  # fmt: skip
    print(f"load average: before {load_before}, after {load_after}; requests {total}, failures {failures}"
          f" ({100 * failures / max(1, total):.3f} %); locust exit code {locust.returncode}")  # fmt: skip
    if failures or locust.returncode:
        print(Path(f"{prefix}_failures.csv").read_text())
        sys.exit(1)


if __name__ == "__main__":
    main()
