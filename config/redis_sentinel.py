"""Redis behind Sentinel: the broker and the cache find the current master through the sentinels.

``REDIS_SENTINELS=host:port,host:port`` and ``REDIS_SENTINEL_MASTER=name`` replace ``REDIS_URL``.
Both clients ask the sentinels for the master when they connect, and again after a connection
drops, so a failover costs what a Redis restart costs: the cache carries on without Redis
meanwhile (tracker/redis_outage.py), workers reconnect (CELERY_BROKER_CONNECTION_RETRY).

- Celery (kombu) spells it ``sentinel://host:port;sentinel://host:port`` with the transport
  option ``master_name`` (kombu's SentinelChannel).
- Django's RedisCache builds its pool with ``OPTIONS["pool_class"].from_url(LOCATION, **OPTIONS)``
  (the documented extension point); :class:`SentinelPool` is redis-py's SentinelConnectionPool
  built that way.

:func:`from_env` is a pure function of the variables, tested without a Sentinel.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

from django.core.exceptions import ImproperlyConfigured
from redis.connection import parse_url
from redis.sentinel import Sentinel, SentinelConnectionPool

ENV = ("REDIS_SENTINELS", "REDIS_SENTINEL_MASTER", "REDIS_SENTINEL_DB", "REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD")


@dataclass(frozen=True)
class SentinelConfig:
    sentinels: tuple[tuple[str, int], ...]
    master: str
    db: int = 0
    password: str = ""  # the master's (requirepass)
    sentinel_password: str = ""  # the sentinels' own, when they ask for one

    def broker_url(self) -> str:
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return ";".join(f"sentinel://{auth}{host}:{port}/{self.db}" for host, port in self.sentinels)

    def broker_transport_options(self) -> dict:
        options: dict = {"master_name": self.master}
        if self.sentinel_password:
            options["sentinel_kwargs"] = {"password": self.sentinel_password}
        return options

    def cache_location(self) -> str:
        # Only the database and the password are read from it; the master's address comes from the sentinels.
        auth = f":{quote(self.password, safe='')}@" if self.password else ""
        return f"redis://{auth}{quote(self.master, safe='')}/{self.db}"

    def cache_options(self) -> dict:
        return {
            "pool_class": "config.redis_sentinel.SentinelPool",
            "sentinels": list(self.sentinels),
            "master_name": self.master,
            "sentinel_kwargs": {"password": self.sentinel_password} if self.sentinel_password else None,
        }


def from_env(values: Mapping[str, str]) -> SentinelConfig | None:
    """None unless REDIS_SENTINELS is set; a precise error for anything malformed."""
    raw = (values.get("REDIS_SENTINELS") or "").strip()
    if not raw:
        return None
    sentinels = tuple(_address(item.strip()) for item in raw.split(",") if item.strip())
    master = (values.get("REDIS_SENTINEL_MASTER") or "").strip()
    if not master:
        raise ImproperlyConfigured("REDIS_SENTINEL_MASTER is required with REDIS_SENTINELS: the name of the master.")
    db = (values.get("REDIS_SENTINEL_DB") or "0").strip()
    if not (db.isascii() and db.isdigit()):
        raise ImproperlyConfigured(f"REDIS_SENTINEL_DB={db!r} is not a database number.")
    return SentinelConfig(
        sentinels=sentinels,
        master=master,
        db=int(db),
        password=values.get("REDIS_PASSWORD") or "",
        sentinel_password=values.get("REDIS_SENTINEL_PASSWORD") or "",
    )


def _address(item: str) -> tuple[str, int]:
    host, sep, port = item.rpartition(":")
    if not sep or not host or not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"REDIS_SENTINELS: {item!r} is not host:port.")
    return host.strip("[]"), int(port)  # [::1]:26379 as well


class SentinelPool(SentinelConnectionPool):
    """Django's RedisCache pool, through the sentinels (see the module's docstring)."""

    @classmethod
    def from_url(cls, url, *, sentinels, master_name, sentinel_kwargs=None, **options):
        params = {k: v for k, v in parse_url(url).items() if k not in ("host", "port")}
        connection_kwargs = {k: v for k, v in {**options, **params}.items() if v is not None}
        manager = Sentinel(sentinels, sentinel_kwargs=sentinel_kwargs, **connection_kwargs)
        return cls(master_name, manager, **connection_kwargs)
