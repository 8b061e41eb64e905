"""What a small API request costs in process, and where: the request cycle without the network.

    .venv/bin/python bench/national_data.py --scale 0.1    # once (or any generated database)
    .venv/bin/python bench/request_path.py [--rounds 5] [--requests 40] [--profile detail]

Production settings, django.test.Client (the whole middleware stack, DRF, the database and
Redis; no WSGI server, no sockets to a client), an API key of the Labour Inspection in every
unit, as ``bench/api_vs_raw.py`` uses. Prints the median per request of the list of 50 by unit
and status, a case's detail and a 100-event feed page, and the queries each runs. ``--profile``
runs one of them under cProfile and prints where the time goes (cumulative and own time).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def targets(url: str, token: str) -> dict[str, str]:
    from api_vs_raw import pick_inputs
    from django.conf import settings

    requests = pick_inputs(url, settings.SECRET_KEY, token)["requests"]
    return {name: requests[name] for name in ("list", "detail", "feed")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: tracker_national on the embedded PostgreSQL")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="per path, per round")
    parser.add_argument("--profile", choices=("list", "detail", "feed"), help="profile this request instead")
    args = parser.parse_args()

    from api_vs_raw import KEY_AGENCY, KEY_UNITS
    from national_data import national_url
    from render_path import setup

    setup(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from agencies import services
    from agencies.models import Agency, RegionalUnit

    _, token = services.api_key_create(
        actor=None, name="request_path bench", agency=Agency.objects.get(code=KEY_AGENCY),
        units=list(RegionalUnit.objects.filter(code__in=KEY_UNITS.split(","))),
        scopes=["cases:read", "events:read"],
    )  # fmt: skip
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_FORWARDED_PROTO="https")
    paths = targets(national_url(args.database_url), token)
    for name, path in paths.items():
        client.get(path)  # warm: the first use of a key writes its audit row and last-used time
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (name, response.content[:300])
        print(f"{name:<8} {len(queries)} queries")

    if args.profile:
        path = paths[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests * args.rounds):
            client.get(path)
        profile.disable()
        profile.dump_stats(str(ROOT / "var" / f"request_path-{args.profile}.prof"))
        stats = pstats.Stats(profile).strip_dirs()
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
        return

    # Wall time, and this process's CPU time: on a shared machine the wall time swings with the
    # neighbours' load, the CPU time much less (it leaves out PostgreSQL's and Redis's share).
    wall: dict[str, list[float]] = {name: [] for name in paths}
    cpu: dict[str, list[float]] = {name: [] for name in paths}
    for _ in range(args.rounds):
        for name, path in paths.items():
            for _ in range(args.requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                cpu[name].append(time.process_time() - start_cpu)
                wall[name].append(time.perf_counter() - start)
                assert response.status_code == 200, response.content[:300]
    print(f"{'request':<8} {'wall p50':>9} {'wall p95':>9} {'CPU p50':>9}")
    for name, spent in wall.items():
        spent.sort()
        p50, p95 = statistics.median(spent) * 1000, spent[int(len(spent) * 0.95)] * 1000
        print(f"{name:<8} {p50:>7.2f}ms {p95:>7.2f}ms {statistics.median(cpu[name]) * 1000:>7.2f}ms")


if __name__ == "__main__":
    main()
