import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import make_key  # noqa: F401  (shared fixture)
from tests.processes import database_url
from tests.web.conftest import page_client, work_of  # noqa: F401  (shared fixtures)

ROOT = Path(__file__).resolve().parents[2]


class Worker:
    """A real `celery worker` process on the test database and the real Redis broker."""

    env_overrides = {
        # Short schedules so retries and dead letters happen within a test.
        "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
        "WEBHOOK_RETRY_MAX_SECONDS": "0.5",
        "WEBHOOK_RETRY_WINDOW_SECONDS": "4",
        # A killed worker's unacknowledged task comes back after this long.
        "CELERY_VISIBILITY_TIMEOUT": "3",
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
    }

    def __init__(self, log_path: Path, queues: tuple[str, ...] = (), **overrides: str):
        self.log_path = log_path
        self.queues = queues  # () for every declared queue
        self.env_overrides = {**self.env_overrides, **overrides}
        self.proc = None

    def start(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_POOL": "false",
            **self.env_overrides,
        }
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--concurrency=2", "--loglevel=INFO",
             "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"test{time.monotonic_ns()}@%h",
             *(["-Q", ",".join(self.queues)] if self.queues else [])],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in self.log_path.read_text():
            assert self.proc.poll() is None, self.log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "worker did not start"
            time.sleep(0.1)
        return self

    def kill(self):
        """SIGKILL the worker and its pool children: no shutdown, no acknowledgements."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def run_worker(log_path: Path, **overrides: str):
    from config.celery_app import app
    from notifications import wakeup

    app.control.purge()  # messages left by earlier tests' commits
    wakeup.clear()  # and the flag of a dispatch task purged with them
    w = Worker(log_path, **overrides).start()
    yield w
    w.stop()


@pytest.fixture
def worker(transactional_db, tmp_path):
    yield from run_worker(tmp_path / "worker.log")


# Backoff steps of 0.5-1, 1-2, 2-4, then 4-8 seconds, as in production but 30 times faster.
BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS = 1.0, 8.0


@pytest.fixture
def backoff_worker(transactional_db, tmp_path):
    """A worker whose backoff grows over several steps within a 30-second outage."""
    yield from run_worker(
        tmp_path / "worker.log",
        WEBHOOK_RETRY_BASE_SECONDS=str(BACKOFF_BASE_SECONDS),
        WEBHOOK_RETRY_MAX_SECONDS=str(BACKOFF_MAX_SECONDS),
        WEBHOOK_RETRY_WINDOW_SECONDS="600",
        # Longer than any countdown, so that a waiting drain task is not handed out twice.
        CELERY_VISIBILITY_TIMEOUT="60",
    )
