"""Run a function in several OS processes at once, against the test database.

Concurrency rules (gap-free numbering, no double booking) must hold across processes
with their own connections, as they would across web workers. Children are spawned,
not forked, so none inherits a live connection or pool.
"""

from __future__ import annotations

import multiprocessing
import os
from urllib.parse import quote

from django.conf import settings


def database_url() -> str:
    db = settings.DATABASES["default"]
    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


def _child(target: str, args: tuple, barrier, results) -> None:
    import django

    django.setup()
    from django.utils.module_loading import import_string

    func = import_string(target)
    barrier.wait(timeout=60)
    try:
        results.put(("ok", func(*args)))
    except Exception as exc:  # reported to the parent, which asserts on it
        results.put(("error", f"{type(exc).__name__}: {exc}"))


def run_concurrently(target: str, args_list: list[tuple], timeout: float = 120) -> list[tuple[str, object]]:
    """Start one process per args tuple, release them together, return their (status, value)."""
    ctx = multiprocessing.get_context("spawn")
    env_backup = dict(os.environ)
    os.environ.update(
        DATABASE_URL=database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_POOL="false",
    )
    try:
        barrier = ctx.Barrier(len(args_list))
        results = ctx.Queue()
        procs = [ctx.Process(target=_child, args=(target, args, barrier, results)) for args in args_list]
        for proc in procs:
            proc.start()
        out = [results.get(timeout=timeout) for _ in procs]
        for proc in procs:
            proc.join(timeout=30)
        return out
    finally:
        os.environ.clear()
        os.environ.update(env_backup)
