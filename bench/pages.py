"""Server time and query count of each main page of the web app, on the demo data.

    .venv/bin/python bench/pages.py                  # 50 timed requests per page
    .venv/bin/python bench/pages.py --requests 200

On a throwaway database (tracker_bench_pages) on the project's PostgreSQL (the embedded one
unless DATABASE_URL is set), migrated and loaded with the demo (``seed_demo``: 300 cases, 80
controls, 30 referrals, tips), with ``DEBUG`` off. Each page is requested in-process through
Django's test client (the whole middleware stack, sessions, templates, the database; no network
and no WSGI server) as the demo user who would open it — ``osl.coordinator`` for everything but
the desk's inbox, which is ``ncp.desk1``'s. After two warm-up requests, each page is requested
N times; the wall time of each request is its server time. Then it is requested once more with
every statement captured, for its query count. Pages are taken in turns (one request of each,
then the next round) so that all see the same machine state.

Prints one row per page: p50, p95 and max in milliseconds, the query count, and whether p95
meets the target (100 ms). Figures also go, as JSON, to var/bench/pages-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
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
BENCH_DB = "tracker_bench_pages"
TARGET_P95_MS = 100


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    args = parser.parse_args()
    url = bench_database_url()
    recreate_database()
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}  # DEBUG keeps every query in memory
    for command in (["migrate", "-v0"], ["seed_demo"]):
        manage = [sys.executable, "manage.py", *command]
        subprocess.run(manage, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    code = subprocess.run([sys.executable, __file__, "--inner", "--requests", str(args.requests)], cwd=ROOT, env=env)
    sys.exit(code.returncode)


def pages() -> list[tuple[str, str, str]]:
    """(page, user, path): the main pages, each with a representative object of Oslo's."""
    from django.db.models import Count

    from agencies.models import User
    from cases.selectors import cases_visible_to
    from controls.models import JointControl

    coordinator = User.objects.get(username="osl.coordinator")
    # The richest case and control the coordinator sees: the heaviest pages of their kind.
    case = (
        cases_visible_to(coordinator)
        .annotate(entries=Count("journal", distinct=True), links=Count("subjects", distinct=True))
        .order_by("-entries", "-links")
        .first()
    )
    control = (
        JointControl.objects.filter(unit__code="OSL")
        .annotate(n=Count("findings", distinct=True) + Count("officers", distinct=True))
        .order_by("-n")
        .first()
    )
    c = "osl.coordinator"
    return [
        ("home", c, "/"),
        ("case list", c, "/cases/"),
        ("case page", c, f"/cases/{case.pk}/"),
        ("tips", c, "/cases/tips/"),
        ("controls planner", c, "/controls/plan/"),
        ("control page", c, f"/controls/{control.pk}/"),
        ("referrals", c, "/referrals/"),
        ("desk inbox", "ncp.desk1", "/referrals/desk/"),
        ("statistics", c, "/statistics/"),
        ("search", c, "/search/?q=as"),
        ("notifications", c, "/notifications/"),
    ]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def inner(requests: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies.models import User
    from web.security import SECOND_FACTOR

    measured = pages()
    clients = {}
    for _, username, _ in measured:
        if username not in clients:
            clients[username] = Client(SERVER_NAME="127.0.0.1")
            clients[username].force_login(User.objects.get(username=username))
            # A session as it is after the whole sign-in, the two-factor code step done too.
            session = clients[username].session
            session.pop(SECOND_FACTOR, None)
            session.save()

    def get(username: str, path: str) -> float:
        started = time.perf_counter()
        response = clients[username].get(path)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"{path} as {username}: {response.status_code}")
        return elapsed

    for _ in range(2):
        for _, username, path in measured:
            get(username, path)
    times: dict[str, list[float]] = {name: [] for name, _, _ in measured}
    for _ in range(requests):
        for name, username, path in measured:
            times[name].append(get(username, path))
    queries = {}
    for name, username, path in measured:
        with CaptureQueriesContext(connection) as captured:
            get(username, path)
        queries[name] = len(captured.captured_queries)

    rows = []
    for name, username, path in measured:
        p50, p95 = statistics.median(times[name]), percentile(times[name], 0.95)
        rows.append({"page": name, "user": username, "path": path, "p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
                     "max_ms": round(max(times[name]), 1), "queries": queries[name]})  # fmt: skip
    print(f"{requests} requests per page, {platform.node()}, {os.cpu_count()} cores, {datetime.date.today()}")
    print(f"| page | p50 ms | p95 ms | max ms | queries | p95 < {TARGET_P95_MS} ms |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        ok = "yes" if row["p95_ms"] < TARGET_P95_MS else "**no**"
        print(f"| {row['page']} | {row['p50_ms']} | {row['p95_ms']} | {row['max_ms']} | {row['queries']} | {ok} |")
    out = ROOT / "var" / "bench" / f"pages-{datetime.date.today()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"requests": requests, "rows": rows}, indent=2))


if __name__ == "__main__":
    if "--inner" in sys.argv:
        inner(int(sys.argv[sys.argv.index("--requests") + 1]))
    else:
        main()
