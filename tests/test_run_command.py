"""`make run`'s supervisor: everything it starts is up together, a child that dies is started
again, and all is gone after Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.live  # starts the servers and processes it checks

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_run_all_starts_everything_restarts_a_child_that_dies_and_ctrl_c_leaves_nothing_behind(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env["TRACKER_VAR_DIR"] = str(tmp_path / "var")  # its own embedded servers, not the suite's
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "run_all", "--no-seed", f"--addr=127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert proc.poll() is None, proc.stdout.read()
                assert time.monotonic() < deadline, "the web server did not come up"
                time.sleep(0.5)
        family = psutil.Process(proc.pid).children(recursive=True)
        commands = [" ".join(p.cmdline()) for p in family]
        assert any("runserver" in c for c in commands)
        assert any("celery" in c and "worker" in c for c in commands)
        assert any("celery" in c and "beat" in c for c in commands)
        servers = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
        assert any("postgres" in p.name() for p in servers) and any("redis" in p.name() for p in servers)
        # The first start made the audit chain's signing key, private to its owner.
        assert (tmp_path / "var" / "audit-signing-key.pem").stat().st_mode & 0o777 == 0o600

        # The worker dies: it is started again.
        (worker,) = [p for p in psutil.Process(proc.pid).children() if "worker" in " ".join(p.cmdline())]
        worker.terminate()
        worker.wait(timeout=60)
        deadline = time.monotonic() + 60
        while not [p for p in psutil.Process(proc.pid).children() if "worker" in " ".join(p.cmdline())]:
            assert time.monotonic() < deadline, "the worker was not restarted"
            time.sleep(0.2)
        family = psutil.Process(proc.pid).children(recursive=True)

        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
        assert "Stopped web, worker and beat." in output
        assert re.search(r"worker exited with status -?\d+; restarting it in 1 s", output), output[-3000:]
        assert re.search(r"worker restarted \(pid \d+\)", output), output[-3000:]
        gone, alive = psutil.wait_procs(family + servers, timeout=30)
        assert not alive, [p.cmdline() for p in alive]
    finally:
        if proc.poll() is None:
            proc.kill()
