"""Redis behind Sentinel: the settings read from the environment (config/redis_sentinel.py).

No Sentinel runs here: these hold what the broker and the cache are given; kombu's
SentinelChannel and redis-py's SentinelConnectionPool do the finding of the master."""

import json
import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.redis_sentinel import SentinelConfig, SentinelPool, from_env
from tests.test_settings_and_deployment import AUDIT_FILES, GOOD_KEY, ROOT


def test_without_sentinels_redis_url_is_used_as_before():
    assert from_env({}) is None
    assert from_env({"REDIS_SENTINELS": " ", "REDIS_SENTINEL_MASTER": "tracker"}) is None


def test_sentinels_and_the_master_s_name_make_the_broker_url_and_its_transport_options():
    config = from_env(
        {
            "REDIS_SENTINELS": "sentinel-1:26379, sentinel-2:26380,[fd00::3]:26379",
            "REDIS_SENTINEL_MASTER": "tracker",
            "REDIS_SENTINEL_DB": "2",
            "REDIS_PASSWORD": "p@ss/word",
        }
    )
    assert config == SentinelConfig(
        sentinels=(("sentinel-1", 26379), ("sentinel-2", 26380), ("fd00::3", 26379)),
        master="tracker",
        db=2,
        password="p@ss/word",
    )
    assert config.broker_url() == (
        "sentinel://:p%40ss%2Fword@sentinel-1:26379/2;sentinel://:p%40ss%2Fword@sentinel-2:26380/2;"
        "sentinel://:p%40ss%2Fword@fd00::3:26379/2"
    )
    assert config.broker_transport_options() == {"master_name": "tracker"}


def test_a_password_of_the_sentinels_themselves_goes_to_the_sentinel_connections_only():
    config = from_env({"REDIS_SENTINELS": "s:26379", "REDIS_SENTINEL_MASTER": "m", "REDIS_SENTINEL_PASSWORD": "x"})
    assert config.broker_transport_options() == {"master_name": "m", "sentinel_kwargs": {"password": "x"}}
    assert config.cache_options()["sentinel_kwargs"] == {"password": "x"}
    assert "x" not in config.broker_url()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"REDIS_SENTINELS": "s:26379"}, "REDIS_SENTINEL_MASTER is required"),
        ({"REDIS_SENTINELS": "s", "REDIS_SENTINEL_MASTER": "m"}, "'s' is not host:port"),
        ({"REDIS_SENTINELS": "s:99999", "REDIS_SENTINEL_MASTER": "m"}, "'s:99999' is not host:port"),
        ({"REDIS_SENTINELS": "s:1,:26379", "REDIS_SENTINEL_MASTER": "m"}, "':26379' is not host:port"),
        ({"REDIS_SENTINELS": "s:1", "REDIS_SENTINEL_MASTER": "m", "REDIS_SENTINEL_DB": "one"}, "not a database"),
    ],
)
def test_a_malformed_sentinel_setting_stops_the_start_with_a_precise_message(values, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        from_env(values)


def test_the_cache_pool_asks_the_named_sentinels_for_the_master_keeping_db_password_and_timeouts():
    config = from_env({"REDIS_SENTINELS": "s1:26379,s2:26379", "REDIS_SENTINEL_MASTER": "m", "REDIS_PASSWORD": "pw"})
    options = {k: v for k, v in config.cache_options().items() if k != "pool_class"}
    # As Django's RedisCache calls it: pool_class.from_url(LOCATION, **OPTIONS) (no connection yet).
    pool = SentinelPool.from_url(config.cache_location(), socket_timeout=1, parser_class=None, **options)
    assert pool.service_name == "m" and pool.is_master
    assert [(c.connection_pool.connection_kwargs["host"], c.connection_pool.connection_kwargs["port"])
            for c in pool.sentinel_manager.sentinels] == [("s1", 26379), ("s2", 26379)]  # fmt: skip
    assert pool.connection_kwargs["password"] == "pw" and pool.connection_kwargs["db"] == 0
    assert pool.connection_kwargs["socket_timeout"] == 1
    # The sentinels are not sent the master's password.
    assert pool.sentinel_manager.sentinels[0].connection_pool.connection_kwargs["password"] is None


def test_production_settings_take_sentinels_for_the_broker_and_the_cache_instead_of_redis_url():
    code = (
        "import json; from config.settings import production as s; "
        "print(json.dumps([s.REDIS_URL, s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS['master_name'], "
        "s.CACHES['default']['LOCATION'], s.CACHES['default']['OPTIONS']['pool_class']]))"
    )
    environment = {name: value for name, value in os.environ.items() if name != "REDIS_URL"}
    environment |= {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://x@localhost/x", **AUDIT_FILES}
    environment |= {"REDIS_SENTINELS": "sentinel-1:26379,sentinel-2:26379", "REDIS_SENTINEL_MASTER": "tracker"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "",  # no embedded Redis is started either
        "sentinel://sentinel-1:26379/0;sentinel://sentinel-2:26379/0",
        "tracker",
        "redis://tracker/0",
        "config.redis_sentinel.SentinelPool",
    ]
