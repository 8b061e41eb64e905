"""The production web server keeps connections alive (config/gunicorn.conf.py)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.processes import database_url
from tests.test_settings_and_deployment import AUDIT_FILES

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(django_db_setup, django_db_blocker):
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": "k3Y-" + "x7Qp9zR2mW4vT8bN1cL6dF0gH5jS3aE" * 2,
        "DEBUG": "false",
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        **AUDIT_FILES,  # demanded by production; the web server never signs
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
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
