"""The API against a raw baseline, side by side, on the national dataset.

    .venv/bin/python bench/national_data.py            # once: the national dataset (~15 min)
    .venv/bin/python bench/api_vs_raw.py               # this benchmark

Serves, at the same time and through the same WSGI server with the same settings (gunicorn, 2 sync
workers: the production command in docker-compose.yml with the worker count of this 2-core machine):
- the API: ``config.wsgi`` with ``config.settings.production`` (a fresh random ``SECRET_KEY``,
  ``X-Forwarded-Proto: https`` sent as a TLS-terminating proxy would, the rate limit raised out of
  the way), authenticated by a key made with ``manage.py create_api_key``;
- the raw baseline: ``bench/raw_app.py``, the same endpoints as hand-written SQL + psycopg + orjson.

Then, for each measured request, in rounds that alternate API and raw (so both see the same machine
state), with 1 and with 8 concurrent clients (threads, ``http.client``; the sync workers close each
connection, so every request pays its TCP connect, on both sides):
- the list of 50 cases filtered by unit and status; a case's detail; the first and the 20,000th
  cursor page of the case list (its page size chosen so that the key sees 20,000 pages); a page
  of the change feed from its middle; organisation-number, identity-number and name search.
Before measuring, each endpoint's JSON from the API and from the raw app must be equal (same keys
and values, cursors decoded and compared), or the benchmark stops.

Create: 4 clients creating cases through the API and through the raw app (the same rows: counter,
case, agencies, journal entry, audit row, event). Bulk: N cases through ``POST /api/v1/cases/bulk/``,
500 a request.

Plans: in a separate process, each measured request is made once in-process (django.test.Client,
production settings) with ``connection.execute_wrapper`` capturing every statement; each is
EXPLAINed (no ANALYZE) and any sequential scan of a large table (≥ 100,000 rows) is reported with
its query. The same is done on a 10,000-case database (built on first use) and the query counts per
request must be equal: the benchmark fails otherwise.

Figures go to stdout and, as JSON, to var/bench/. Options: ``--help``.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SMALL_DB = "tracker_national_small"
LARGE_TABLE_ROWS = 100_000
DEEP_PAGE = 20_000
KEY_UNITS = "OSL,TBG,KRS,SVG,BGO,TRD,BOO,ALT,MRO,INN,FRO"
KEY_AGENCY = "LABOUR"


# --- Setup ----------------------------------------------------------------------------------


def database_url(explicit: str | None, name: str) -> str:
    from national_data import national_url

    if explicit:
        return explicit
    return urlunsplit(urlsplit(national_url(None))._replace(path=f"/{name}"))


def server_env(url: str, secret: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": url,
        "RAW_DATABASE_URL": url,
        "SECRET_KEY": secret,
        "DEBUG": "false",
        # One key plays every client: DRF's per-client limit (1,200/min) would answer 429 instead.
        "API_RATE_LIMIT": "10000000/minute",
        "LOG_LEVEL": "WARNING",
        # Demanded by production (the audit chain's key and checkpoints); the web server never signs.
        "AUDIT_SIGNING_KEY_FILE": str(ROOT / "var" / "audit-signing-key.pem"),
        "AUDIT_CHECKPOINT_FILE": str(ROOT / "var" / "audit-checkpoints.jsonl"),
    }


def create_key(env: dict) -> str:
    out = subprocess.run(
        [sys.executable, "manage.py", "create_api_key", "--agency", KEY_AGENCY, "--units", KEY_UNITS,
         "--scopes", "cases:read,cases:write,events:read", "--name", "Benchmark national"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def pick_inputs(url: str, secret: str, token: str, page_size: int | None = None) -> dict:
    """The requests to measure, chosen from the data as the key sees it."""
    import psycopg
    from raw_app import CURSOR_SALT

    signing = _signing(secret)
    prefix = token[4:].split("_", 1)[0]
    with psycopg.connect(url, options="-c TimeZone=UTC") as conn:
        agency = conn.execute(
            "SELECT u.agency_id FROM agencies_apikey k JOIN agencies_user u ON u.id = k.user_id WHERE k.prefix = %s",
            [prefix],
        ).fetchone()[0]
        visible = "EXISTS (SELECT 1 FROM cases_case_agencies v WHERE v.case_id = c.id AND v.agency_id = %(a)s)"
        count = conn.execute(f"SELECT count(*) FROM cases_case c WHERE {visible}", {"a": agency}).fetchone()[0]
        # The deepest page size (≤ 50) at which the key has 20,000 pages; a smaller database gets
        # its middle page instead (for the query counts).
        page_size = page_size or max(1, min(50, count // DEEP_PAGE))
        pages = count // page_size
        page = DEEP_PAGE if pages >= DEEP_PAGE else max(2, pages // 2)
        created_at, case_id = conn.execute(
            f"SELECT c.created_at, c.id FROM cases_case c WHERE {visible} ORDER BY c.created_at DESC, c.id DESC "
            "OFFSET %(o)s LIMIT 1",
            {"a": agency, "o": (page - 1) * page_size - 1},
        ).fetchone()
        cursor = signing.dumps(
            {"path": "/api/v1/cases/", "ordering": ["-created_at", "-pk"],
             "values": [created_at.isoformat(), str(case_id)], "reverse": False, "inclusive": False},
            salt=CURSOR_SALT, compress=True,
        )  # fmt: skip
        detail = conn.execute(
            f"SELECT c.id FROM cases_case c JOIN agencies_regionalunit u ON u.id = c.unit_id "
            f"WHERE u.code = 'OSL' AND c.status = 'active' AND {visible} "
            "AND EXISTS (SELECT 1 FROM cases_caseassignment x WHERE x.case_id = c.id) ORDER BY c.created_at DESC "
            "LIMIT 1000",
            {"a": agency},
        ).fetchall()[-1][0]
        org = conn.execute(
            f"SELECT o.organisation_number FROM cases_organisation o JOIN cases_case c ON c.id = o.case_id "
            f"WHERE o.organisation_number IS NOT NULL AND {visible} ORDER BY o.created_at DESC LIMIT 500",
            {"a": agency},
        ).fetchall()[-1][0]
        person, name = conn.execute(
            f"SELECT p.id_number, p.name FROM cases_person p JOIN cases_case c ON c.id = p.case_id "
            f"WHERE p.id_number IS NOT NULL AND {visible} ORDER BY p.created_at DESC LIMIT 700",
            {"a": agency},
        ).fetchall()[-1]
        txid, event_id = conn.execute(
            "SELECT txid, id FROM tracker_event WHERE id >= (SELECT (min(id) + max(id)) / 2 FROM tracker_event) "
            "ORDER BY id LIMIT 1"
        ).fetchone()
    return {
        "visible_cases": count,
        "deep_page": page,
        "page_size": page_size,
        "requests": {
            "list": "/api/v1/cases/?" + urlencode({"unit": "OSL", "status": "active"}),
            "detail": f"/api/v1/cases/{detail}/",
            "first_page": f"/api/v1/cases/?page_size={page_size}",
            "deep_page": f"/api/v1/cases/?{urlencode({'cursor': cursor, 'page_size': page_size})}",
            "feed": f"/api/v1/events/?after={txid}-{event_id}&limit=100",
            "organisation_number": f"/api/v1/organisations/?organisation_number={org}",
            "identity_number": f"/api/v1/persons/?id_number={person}",
            "name_search": "/api/v1/cases/?" + urlencode({"search": name}),
        },
    }


def _signing(secret: str):
    from django.conf import settings

    if not settings.configured:
        settings.configure(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=[], USE_TZ=True)
    from django.core import signing

    return signing


def ensure_small_database(url: str) -> None:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            if conn.execute("SELECT count(*) FROM cases_case").fetchone()[0] > 0:
                return
    except psycopg.Error:
        pass
    print("building the 10,000-case database for the query counts…", flush=True)
    subprocess.run([sys.executable, "bench/national_data.py", "--scale", "0.01", "--database-url", url],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)  # fmt: skip


# --- In-process capture: query counts and plans ---------------------------------------------


def capture(token: str, inputs: dict) -> dict:
    """Run in a child process with production settings: each request once, every statement captured
    and EXPLAINed."""
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="localhost")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r'")
        sizes = dict(cursor.fetchall())
    requests = dict(inputs["requests"])
    # The key's use is audited once a minute (tracker/access_audit.py), and the windows live in the
    # one Redis both databases share, where key ids repeat: whichever capture ran first would count
    # that minute's audit row in its first request. One request first takes the window here.
    client.get(next(iter(requests.values())))
    results = {}
    for name, path in [*requests.items(), ("create", None)]:
        statements: list[tuple[str, object]] = []

        def wrapper(execute, sql, params, many, context, statements=statements):
            statements.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(wrapper):
            if path is None:
                response = client.post("/api/v1/cases/", create_body(0), content_type="application/json")
            else:
                response = client.get(path)
        assert response.status_code in (200, 201), (name, response.status_code, response.content[:500])
        seq_scans = []
        for sql, params in statements:
            if not sql.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT", "DELETE", "WITH")):
                continue
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            for node in _nodes(plan[0]["Plan"]):
                table = node.get("Relation Name")
                if node["Node Type"] == "Seq Scan" and sizes.get(table, 0) >= LARGE_TABLE_ROWS:
                    seq_scans.append({"table": table, "rows": int(sizes[table]), "filter": node.get("Filter", ""),
                                      "sql": _interpolated(sql, params)})  # fmt: skip
        results[name] = {"queries": len(statements), "seq_scans": seq_scans,
                         "sql": [_interpolated(sql, params)[:400] for sql, params in statements]}  # fmt: skip
    return results


def _nodes(node):
    yield node
    for child in node.get("Plans", []):
        yield from _nodes(child)


def _interpolated(sql: str, params) -> str:
    if not params:
        return sql
    try:
        return sql % tuple(repr(p) if not isinstance(p, int | float) else p for p in params)
    except (TypeError, ValueError):
        return f"{sql} -- {params!r}"


def run_capture(url: str, secret: str, token: str, inputs: dict) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--capture-child"],
        input=json.dumps({"token": token, "inputs": inputs}), cwd=ROOT, env=server_env(url, secret),
        capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"The in-process capture failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- Servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, app: str, env: dict, workers: int, name: str) -> None:
        self.port = free_port()
        self.name = name
        log = ROOT / "var" / "bench" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--workers", str(workers), "--worker-class", "sync",
             "--bind", f"127.0.0.1:{self.port}", "--timeout", "600", "--chdir", str(ROOT)],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not start: see {log}")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


# --- Clients --------------------------------------------------------------------------------


class Caller:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.headers = {"Authorization": f"Bearer {token}", "X-Forwarded-Proto": "https"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def call(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, dict]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.conn.close()
        return response.status, data, dict(response.getheaders())


def run_block(port: int, token: str, make, clients: int, max_requests: int, max_seconds: float) -> dict:
    """``clients`` threads issue requests from ``make(n) -> (method, path, body)`` until
    ``max_requests`` are done or ``max_seconds`` have passed."""
    lock = threading.Lock()
    issued = [0]
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.perf_counter() + max_seconds

    def client() -> None:
        caller = Caller(port, token)
        while True:
            with lock:
                if issued[0] >= max_requests or time.perf_counter() > deadline:
                    return
                n = issued[0]
                issued[0] += 1
            method, path, body = make(n)
            started = time.perf_counter()
            try:
                status, data, _ = caller.call(method, path, body)
            except (http.client.HTTPException, OSError) as exc:
                errors.append(repr(exc))
                continue
            elapsed = time.perf_counter() - started
            if status >= 400:
                errors.append(f"{status} {data[:200]!r}")
                continue
            with lock:
                latencies.append(elapsed)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {"latencies": latencies, "seconds": time.perf_counter() - started, "errors": errors}


def summary(blocks: list[dict]) -> dict:
    latencies = sorted(x for b in blocks for x in b["latencies"])
    seconds = sum(b["seconds"] for b in blocks)
    errors = [e for b in blocks for e in b["errors"]]
    if not latencies:
        return {"n": 0, "p50": None, "p95": None, "rps": 0.0, "errors": len(errors), "error_sample": errors[:3]}
    return {
        "n": len(latencies),
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
        "rps": len(latencies) / seconds,
        "errors": len(errors),
        "error_sample": errors[:3],
    }


def create_body(n: int, unit: str = "OSL") -> bytes:
    return json.dumps(
        {"unit": unit, "title": f"Benchmark: renholdsfirma {n}", "lead_agency": "LABOUR", "agencies": ["TAX"],
         "sector": "81.21", "source": "tip", "offences": ["wages"], "received_on": datetime.date.today().isoformat()}
    ).encode()  # fmt: skip


# --- Equality of the JSON -------------------------------------------------------------------


def same_json(api: dict, raw: dict, signing, path: str = "") -> list[str]:
    """Differences between the API's and the raw app's JSON; links compared by their cursor."""
    if isinstance(api, dict) and isinstance(raw, dict):
        if set(api) != set(raw):
            return [f"{path}: keys {sorted(set(api) ^ set(raw))}"]
        out = []
        for k in api:
            if k in ("next", "previous") and isinstance(api[k], str) and isinstance(raw[k], str) and "://" in api[k]:
                out += _same_link(api[k], raw[k], signing, f"{path}/{k}")
            else:
                out += same_json(api[k], raw[k], signing, f"{path}/{k}")
        return out
    if isinstance(api, list) and isinstance(raw, list):
        if len(api) != len(raw):
            return [f"{path}: {len(api)} items vs {len(raw)}"]
        return [d for a, r in zip(api, raw, strict=True) for d in same_json(a, r, signing, path + "[]")]
    return [] if api == raw else [f"{path}: {api!r} != {raw!r}"]


def _same_link(api: str, raw: str, signing, path: str) -> list[str]:
    a, r = urlsplit(api), urlsplit(raw)
    qa, qr = parse_qs(a.query), parse_qs(r.query)
    ca, cr = qa.pop("cursor", [None])[0], qr.pop("cursor", [None])[0]
    out = [] if (a.scheme, a.path, qa) == (r.scheme, r.path, qr) else [f"{path}: {api} vs {raw}"]
    from raw_app import CURSOR_SALT

    if signing.loads(ca, salt=CURSOR_SALT) != signing.loads(cr, salt=CURSOR_SALT):
        out.append(f"{path}: cursors differ")
    return out


def verify(api_port: int, raw_port: int, token: str, inputs: dict, signing) -> dict:
    report = {}
    for name, path in inputs["requests"].items():
        sa, da, _ = Caller(api_port, token).call("GET", path)
        sr, dr, _ = Caller(raw_port, token).call("GET", path)
        if sa != 200 or sr != 200:
            raise SystemExit(f"{name}: API {sa}, raw {sr}: {da[:300]!r} / {dr[:300]!r}")
        api, raw = json.loads(da), json.loads(dr)
        diffs = same_json(api, raw, signing)
        if diffs:
            raise SystemExit(f"{name}: the raw app's JSON differs from the API's: {diffs[:5]}")
        items = api.get("results", api.get("events", [api]))
        report[name] = {"equal": True, "items": len(items) if isinstance(items, list) else 1}
    # A create through each: same keys, same values but for what must differ.
    sa, da, _ = Caller(api_port, token).call("POST", "/api/v1/cases/", create_body(0))
    sr, dr, _ = Caller(raw_port, token).call("POST", "/api/v1/cases/", create_body(0))
    api, raw = json.loads(da), json.loads(dr)
    differ = {"id", "reference", "created_at", "updated_at"}
    kept_api = {k: v for k, v in api.items() if k not in differ}
    kept_raw = {k: v for k, v in raw.items() if k not in differ}
    diffs = same_json(kept_api, kept_raw, signing) + ([] if set(api) == set(raw) else ["keys"])
    if sa != 201 or sr != 201 or diffs:
        raise SystemExit(f"create: API {sa}, raw {sr}, differences {diffs[:5]}: {da[:300]!r} / {dr[:300]!r}")
    report["create"] = {"equal": True, "items": 1}
    return report


# --- Main -----------------------------------------------------------------------------------


def measure(api_port, raw_port, token, inputs, clients_list, rounds, seconds, max_requests) -> dict:
    results: dict = {}
    for clients in clients_list:
        for name, path in inputs["requests"].items():
            blocks: dict[str, list] = {"api": [], "raw": []}
            for r in range(rounds):
                order = [("api", api_port), ("raw", raw_port)] if r % 2 == 0 else [("raw", raw_port), ("api", api_port)]
                for side, port in order:
                    request = lambda n, p=path: ("GET", p, None)  # noqa: E731
                    blocks[side].append(run_block(port, token, request, clients, max_requests * clients, seconds))
            results[f"{name}@{clients}"] = {side: summary(b) for side, b in blocks.items()}
            a, w = results[f"{name}@{clients}"]["api"], results[f"{name}@{clients}"]["raw"]
            errors = f" | errors {a['errors']}/{w['errors']}" if a["errors"] or w["errors"] else ""
            print(f"  {name:20s} {clients} client(s): API p50 {_ms(a['p50'])} p95 {_ms(a['p95'])} "
                  f"{a['rps']:.1f}/s | raw p50 {_ms(w['p50'])} p95 {_ms(w['p95'])} {w['rps']:.1f}/s{errors}",
                  flush=True)  # fmt: skip
    return results


def _ms(value) -> str:
    return "—" if value is None else f"{value:.1f} ms"


def measure_create(api_port, raw_port, token, rounds, requests, clients=4) -> dict:
    blocks: dict[str, list] = {"api": [], "raw": []}
    counter = iter(range(1, 10**9))
    for r in range(rounds):
        order = [("api", api_port), ("raw", raw_port)] if r % 2 == 0 else [("raw", raw_port), ("api", api_port)]
        for side, port in order:
            blocks[side].append(
                run_block(port, token, lambda n: ("POST", "/api/v1/cases/", create_body(next(counter))), clients,
                          requests, 300)
            )  # fmt: skip
    out = {side: summary(b) for side, b in blocks.items()}
    print(f"  create, {clients} clients: API {out['api']['rps']:.1f} cases/s (p50 {_ms(out['api']['p50'])}) | "
          f"raw {out['raw']['rps']:.1f} cases/s (p50 {_ms(out['raw']['p50'])})", flush=True)  # fmt: skip
    return out


def measure_bulk(api_port, token, cases: int, per_request: int = 500) -> dict:
    caller = Caller(api_port, token)
    created, errors = 0, []
    started = time.perf_counter()
    batch = 0
    while created < cases:
        n = min(per_request, cases - created)
        items = [json.loads(create_body(batch * per_request + i, unit="BGO")) for i in range(n)]
        status, data, _ = caller.call("POST", "/api/v1/cases/bulk/", json.dumps({"cases": items}).encode())
        if status != 201:
            errors.append(f"{status} {data[:300]!r}")
            break
        created += n
        batch += 1
        if batch % 20 == 0:
            elapsed = time.perf_counter() - started
            print(f"    bulk: {created:,} cases in {elapsed:.0f} s ({created / elapsed:.0f}/s)", flush=True)
    seconds = time.perf_counter() - started
    out = {"cases": created, "seconds": seconds, "rows_per_s": created / seconds if seconds else 0, "errors": errors}
    print(f"  bulk: {created:,} cases in {seconds:.0f} s: {out['rows_per_s']:.0f} cases/s"
          + (f"; errors: {errors}" if errors else ""), flush=True)  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="API vs raw baseline at national scale (see the module docstring)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("NATIONAL_DATABASE_URL"),
        help="the national database (default: tracker_national on the embedded PostgreSQL)",
    )
    parser.add_argument(
        "--small-database-url",
        default=os.environ.get("NATIONAL_SMALL_DATABASE_URL"),
        help=f"the 10,000-case database for the query counts (default: {SMALL_DB}, built if absent)",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers, each server")
    parser.add_argument("--clients", default="1,8", help="concurrent clients, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="alternations API/raw per measurement")
    parser.add_argument("--seconds", type=float, default=8.0, help="longest block of one side in one round")
    parser.add_argument("--requests", type=int, default=100, help="most requests per client per block")
    parser.add_argument("--create-requests", type=int, default=200, help="cases created per side per round")
    parser.add_argument("--bulk-cases", type=int, default=100_000, help="cases through the bulk endpoint (0: skip)")
    parser.add_argument("--report", metavar="JSON", help="print the table of a saved run (var/bench/…json) and stop")
    parser.add_argument("--capture-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.report:
        saved = json.loads(Path(args.report).read_text())
        print(report(saved, sorted({int(k.split("@")[1]) for k in saved["figures"]})))
        return

    if args.capture_child:
        request = json.loads(sys.stdin.read())
        print(json.dumps(capture(request["token"], request["inputs"])))
        return

    from national_data import NATIONAL_DB

    started = time.perf_counter()
    url = database_url(args.database_url, NATIONAL_DB)
    small_url = database_url(args.small_database_url, SMALL_DB)
    secret = secrets.token_urlsafe(50)
    signing = _signing(secret)
    env = server_env(url, secret)
    token = create_key(env)
    inputs = pick_inputs(url, secret, token)
    print(f"key {KEY_AGENCY} in {KEY_UNITS}: sees {inputs['visible_cases']:,} cases; deep page "
          f"{inputs['deep_page']:,} at page_size {inputs['page_size']}", flush=True)  # fmt: skip

    print("plans and query counts (in-process, every statement EXPLAINed)…", flush=True)
    plans = run_capture(url, secret, token, inputs)
    ensure_small_database(small_url)
    small_token = create_key(server_env(small_url, secret))
    small_plans = run_capture(
        small_url, secret, small_token, pick_inputs(small_url, secret, small_token, inputs["page_size"])
    )
    counts = {name: (small_plans[name]["queries"], plans[name]["queries"]) for name in plans}
    for name, p in plans.items():
        print(f"  {name:20s} queries: {counts[name][0]} at 10k cases, {counts[name][1]} at national scale; "
              f"sequential scans of large tables: {len(p['seq_scans'])}", flush=True)  # fmt: skip
        for scan in p["seq_scans"]:
            print(f"      Seq Scan on {scan['table']} ({scan['rows']:,} rows) filter {scan['filter'][:160]}")

    api = Server("config.wsgi:application", env, args.workers, "api")
    raw = Server("bench.raw_app:application", env, args.workers, "raw")
    try:
        print("the raw app's JSON against the API's…", flush=True)
        equality = verify(api.port, raw.port, token, inputs, signing)
        print(f"  equal for {', '.join(equality)}", flush=True)
        print("measuring (API and raw alternate)…", flush=True)
        clients_list = [int(c) for c in args.clients.split(",")]
        figures = measure(api.port, raw.port, token, inputs, clients_list, args.rounds, args.seconds, args.requests)
        create = measure_create(api.port, raw.port, token, args.rounds, args.create_requests)
        bulk = measure_bulk(api.port, token, args.bulk_cases) if args.bulk_cases else None
    finally:
        api.stop()
        raw.stop()

    results = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"), "inputs": inputs, "counts": counts,
        "plans": plans, "equality": equality, "figures": figures, "create": create, "bulk": bulk,
        "workers": args.workers, "seconds": time.perf_counter() - started,
    }  # fmt: skip
    out = ROOT / "var" / "bench" / f"api_vs_raw-{datetime.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    print(report(results, clients_list))
    print(f"\nfigures saved to {out.relative_to(ROOT)}; {results['seconds'] / 60:.1f} min")
    problems = [n for n, (small, large) in counts.items() if small != large]
    if problems:
        raise SystemExit(f"query counts differ between 10k and national scale: {problems}")


def report(results: dict, clients_list: list[int]) -> str:
    """The table for docs/benchmarks.md: p50 / p95 in ms, requests/s, the ratio and its goal, per client count."""
    f = results["figures"]

    def ratio(x: dict, y: dict, key: str) -> float | None:
        return x[key] / y[key] if x.get(key) and y.get(key) else None

    def cell(x: dict) -> str:
        rate = f"{x['rps']:.1f}" if x["rps"] < 10 else f"{x['rps']:.0f}"
        return f"{_ms(x['p50'])} / {_ms(x['p95'])} ({rate}/s)"

    # (label, API figure, compared figure, statistic, goal text, limit)
    measures = [
        ("list of 50 by unit + status: API ÷ raw", "list", "list", "raw", "p50", "≤ 2×", 2.0),
        ("case detail: API ÷ raw", "detail", "detail", "raw", "p50", "≤ 1.5×", 1.5),
        ("first cursor page: API ÷ raw", "first_page", "first_page", "raw", "p50", "—", None),
        ("20,000th cursor page: API ÷ raw", "deep_page", "deep_page", "raw", "p50", "—", None),
        ("20,000th page ÷ first page (API)", "deep_page", "first_page", "api", "p50", "≤ 1.2×", 1.2),
        ("change feed, 100 events: API ÷ raw", "feed", "feed", "raw", "p50", "≤ 2×", 2.0),
        ("organisation-number search, p95 ÷ indexed equality", "organisation_number", "organisation_number", "raw",
         "p95", "—", None),
        ("identity-number search, p95 ÷ indexed equality", "identity_number", "organisation_number", "raw", "p95",
         "—", None),
        ("name search (`?search=`), p95 ÷ indexed equality", "name_search", "organisation_number", "raw", "p95",
         "—", None),
    ]  # fmt: skip
    lines = [
        "| measure | clients | API p50 / p95 | compared with: p50 / p95 | ratio | goal | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for label, name, other, side, stat, goal, limit in measures:
        for c in clients_list:
            api, base = f[f"{name}@{c}"]["api"], f[f"{other}@{c}"][side]
            value = ratio(api, base, stat)
            met = "—" if limit is None or value is None else ("yes" if value <= limit else "**no**")
            shown = "—" if value is None else f"{value:.2f}×"
            lines.append(f"| {label} | {c} | {cell(api)} | {side} {other}: {cell(base)} | {shown} | {goal} | {met} |")
    cr = results["create"]
    api, raw = cr["api"], cr["raw"]
    lines.append(
        f"| create a case: API ÷ raw INSERTs (cases/s) | 4 | {cell(api)} | raw: {cell(raw)} | "
        f"{api['rps'] / raw['rps']:.2f}× | — | — |"
    )
    if results["bulk"]:
        b = results["bulk"]
        lines.append(
            f"| bulk import, 500 cases a request | 1 | {b['cases']:,} cases in {b['seconds']:.0f} s: "
            f"{b['rows_per_s']:.0f} cases/s | — | — | — | — |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
