"""Which database a read goes to: the primary, unless the code around it said it may lag.

With ``DATABASE_REPLICA_URL`` set there is a second alias, ``replica`` (a streaming-replication
standby). Reads go to it only inside :func:`use_replica` — the statistics and their exports and
the change feed — and only when no transaction is open on the primary (one that is open may
hold the caller's own writes, which only the primary has). Everything else reads the primary;
every write goes to the primary; migrations run on the primary only.

Why the call site and not the model: the same table is read both ways. The change feed reads
``Event`` rows and may lag; the dispatcher claims the very same rows with an UPDATE and reads
them back, and must not. A case list may lag; the response to a create, an ETag check before an
update or a ``select_for_update()`` may not. A router guessing from model names would either
send those to a replica (a client that writes and reads back sees its change missing, an
If-Match fails, a claim reads stale rows) or send nothing at all. Only the code that reads knows
whether it can stand a few hundred milliseconds of lag, so it says so.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_may_lag: ContextVar[bool] = ContextVar("may_lag", default=False)


@contextmanager
def use_replica():
    """Reads within (a block, or a decorated view) may be served by the replica, if there is one."""
    token = _may_lag.set(True)
    try:
        yield
    finally:
        _may_lag.reset(token)


def read_alias() -> str:
    replica = settings.DATABASE_READ_REPLICA
    if replica and _may_lag.get() and not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return replica
    return DEFAULT_DB_ALIAS


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        # Explicitly the primary otherwise, not None: Django would then follow an instance's
        # own database, and a row read from the replica would draw its relations from there.
        return read_alias()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
