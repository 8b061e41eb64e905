"""`python manage.py …` in the checkout finds the embedded servers the test run uses, and
leaves them running for the other processes attached to them."""

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from django.conf import settings

from config import embedded

pytestmark = pytest.mark.live  # starts the servers and processes it checks

ROOT = Path(__file__).resolve().parent.parent
uses_embedded = not os.environ.get("DATABASE_URL") and not os.environ.get("REDIS_URL")


@pytest.mark.skipif(not uses_embedded, reason="DATABASE_URL/REDIS_URL point at external servers")
def test_manage_py_finds_the_same_embedded_servers_and_leaves_them_running():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    code = (
        "from django.conf import settings; from django.db import connection; "
        "connection.ensure_connection(); print(settings.DATABASES['default']['HOST']); print(settings.REDIS_URL)"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    host, redis_url = result.stdout.split()[-2:]
    assert host == settings.DATABASES["default"]["HOST"]
    assert redis_url.partition("?")[0] == settings.REDIS_URL.partition("?")[0]  # tests use their own db
    # This test process is still attached, so the servers must still run.
    assert embedded._server(embedded.EmbeddedPostgres).running_pid() is not None
    assert embedded._server(embedded.EmbeddedRedis).running_pid() is not None


@pytest.mark.skipif(not uses_embedded, reason="DATABASE_URL/REDIS_URL point at external servers")
def test_a_dead_process_does_not_keep_the_servers_alive():
    server = embedded._server(embedded.EmbeddedRedis)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with server._lock:
        import json

        pids = json.loads(server._handles.read_text())
        server._handles.write_text(json.dumps([*pids, dead.pid]))
    assert not psutil.pid_exists(dead.pid)
    assert dead.pid not in server._live_handles()
