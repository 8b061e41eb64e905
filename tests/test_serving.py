"""The production web server keeps connections alive (config/gunicorn.conf.py)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from agencies.services import api_key_create
from notifications.models import Notification
from tests.processes import database_url
from tests.test_settings_and_deployment import AUDIT_FILES, GOOD_KEY
from tracker.audit_chain.checkpoints import ensure_signing_key

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(**extra: str) -> dict:
    """The production settings, given the embedded test servers' addresses."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": GOOD_KEY,
        "DEBUG": "false",
        **AUDIT_FILES,  # demanded by production; the web server never signs
        **extra,
    }


def start_gunicorn(env: dict, port: int, **popen) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env={**env, "WEB_BIND": f"127.0.0.1:{port}"}, **popen,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None, "gunicorn exited at start"
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)


@pytest.fixture
def gunicorn(django_db_setup, django_db_blocker):
    port = free_port()
    process = start_gunicorn(production_env(WEB_WORKERS="1"), port, stdout=subprocess.DEVNULL)
    try:
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_one_connection_serves_several_requests(gunicorn):
    connection = http.client.HTTPConnection("127.0.0.1", gunicorn, timeout=10)
    connection.connect()
    first_socket = connection.sock
    for _ in range(3):
        connection.request("GET", "/health/", headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        assert response.status == 200 and response.read() == b'{"status": "ok"}'
        assert not response.will_close, response.getheader("Connection")
        assert connection.sock is first_socket  # the same TCP connection, kept alive
    connection.close()


# --- The production topology, without Docker --------------------------------------------
# gunicorn, a Celery worker and beat, each its own process on the production settings, sharing
# only PostgreSQL and Redis (the embedded test servers here), as they would on separate hosts.


def celery(role: str, env: dict, log: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", role, "--loglevel=INFO", *args],
        cwd=ROOT, env=env, stdout=log.open("a"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip


def wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def stop_cleanly(process: subprocess.Popen, timeout: float = 30) -> int | None:
    """SIGTERM, as a service manager or an orchestrator stops a process; its exit status."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # each runs in a session of its own
        process.wait()
        return None


@pytest.mark.live
@pytest.mark.django_db(transaction=True)
def test_the_production_topology_serves_runs_tasks_schedules_and_stops_cleanly(tmp_path, alice, bob, osl):
    from config.celery_app import app
    from notifications import wakeup

    app.control.purge()  # what earlier tests left queued
    wakeup.clear()
    key, token = api_key_create(
        actor=None, name="Labour's case system", agency=alice.agency, units=[osl], scopes=["cases:write", "cases:read"]
    )
    env = production_env(
        AUDIT_SIGNING_KEY_FILE=str(ensure_signing_key(tmp_path / "audit-key.pem")),
        AUDIT_CHECKPOINT_FILE=str(tmp_path / "checkpoints.jsonl"),
        WEB_WORKERS="2",
        OUTBOX_SWEEP_SECONDS="1",  # beat sends the sweeper every second
        AUDIT_SEAL_SECONDS="1",
        DATABASE_POOL_MAX="4",
    )
    port, logs = free_port(), {name: tmp_path / f"{name}.log" for name in ("web", "worker", "beat")}
    web = start_gunicorn(env, port, stdout=logs["web"].open("a"), stderr=subprocess.STDOUT, start_new_session=True)
    worker = celery("worker", env, logs["worker"], "--concurrency=2", "-n", f"topology{os.getpid()}@%h",
                    "-Q", ",".join(settings.TASK_QUEUE_NAMES))  # fmt: skip
    beat = celery("beat", env, logs["beat"], f"--schedule={tmp_path / 'beat-schedule'}")
    processes = {"web": web, "worker": worker, "beat": beat}
    try:
        wait_until(lambda: "ready." in logs["worker"].read_text(), 60, "the worker did not start")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        https = {"X-Forwarded-Proto": "https"}  # behind the TLS-terminating proxy
        connection.request("GET", "/health/", headers=https)
        assert connection.getresponse().read() == b'{"status": "ok"}'
        case = {"unit": "OSL", "title": "Cash wages at a car wash", "lead_agency": "LABOUR", "source": "tip",
                "agencies": ["LABOUR", "TAX"], "sector": "45.20", "offences": ["wages"]}  # fmt: skip
        body = json.dumps(case)
        api = {**https, "Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        connection.request("POST", "/api/v1/cases/", body=body, headers=api)
        response = connection.getresponse()
        created = json.loads(response.read())
        assert response.status == 201, created
        connection.close()
        # The worker dispatched the event the web process committed: Tax's officer is told.
        told = Notification.objects.filter(recipient=bob, event__object_id=created["id"])
        wait_until(told.exists, 60, "no notification: " + logs["worker"].read_text()[-3000:])
        # Beat schedules; the worker runs what it sends.
        wait_until(lambda: "Sending due task sweep-outbox" in logs["beat"].read_text(), 30, "beat sent nothing")
        wait_until(lambda: "notifications.sweep_outbox[" in logs["worker"].read_text(), 30, "sweep not run")
    finally:
        statuses = {name: stop_cleanly(process) for name, process in processes.items()}
    assert statuses == {"web": 0, "worker": 0, "beat": 0}, {n: logs[n].read_text()[-2000:] for n in logs}
