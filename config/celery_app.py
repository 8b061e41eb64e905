import functools
import logging
import os

import redis
from celery import Celery
from celery.signals import task_postrun, worker_process_init
from kombu.transport import redis as kombu_redis

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def persistent_database_connection(**kwargs) -> None:
    """A prefork child runs one task at a time: one connection, kept across tasks, serves it
    better than a pool (no checkout per task, no pool thread per child). Django's own
    persistent connections do it, with a health check before reuse."""
    from django.conf import settings
    from django.db import connections

    for alias in connections:
        config = connections.settings[alias]
        config["OPTIONS"] = {k: v for k, v in config.get("OPTIONS", {}).items() if k != "pool"}
        config["CONN_MAX_AGE"] = settings.WORKER_CONN_MAX_AGE
        config["CONN_HEALTH_CHECKS"] = True
        connections[alias].settings_dict = config


@task_postrun.connect
def close_broken_connections(task=None, **kwargs) -> None:
    """As Django does after each request: drop a connection that broke or grew too old."""
    from django.db import close_old_connections

    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()


# --- Surviving a broker outage ----------------------------------------------------------
# When the connection to Redis drops, Celery 5.7 first "collects" the connection, which
# detaches its channel from the transport, and only then closes it. Anything that still uses
# that channel, closing it (which puts the worker's unacknowledged tasks back on the queue)
# or acknowledging a task that finishes during the outage, then needed a Redis client the
# channel could no longer build: an AttributeError, which escapes Celery's reconnect logic
# as "Unrecoverable error", and the worker exits. One of two workers died this way in a 35 s
# outage (the one holding a task); the other, even after Redis was back, when its task's
# acknowledgement failed. Reproduced in tests/notifications/test_redis_outage.py.
#
# The fixes make a detached channel answer as a lost connection does, which Celery already
# handles (it logs the failed acknowledgement and reconnects), and let a failed put-back
# wait for the visibility timeout. Those tasks run again then; nothing is lost meanwhile:
# the outbox sweeper and the retry of due deliveries work from PostgreSQL, and every task is
# idempotent.


def _detached_channel_is_a_lost_connection(connparams):
    @functools.wraps(connparams)
    def checked(self, *args, **kwargs):
        if self.connection is None or self.connection.client is None:
            raise redis.exceptions.ConnectionError("The broker connection of this channel was closed.")
        return connparams(self, *args, **kwargs)

    return checked


def _restore_unacked_or_leave_them(restore_unacked):
    @functools.wraps(restore_unacked)
    def restore(self, client=None):
        try:
            return restore_unacked(self, client)
        except Exception as exc:  # the broker is gone, or our channel's link to it
            logging.getLogger(__name__).warning(
                "Could not put %d unacknowledged task(s) back on the queue (%r); "
                "they return after the visibility timeout.",
                len(self._delivered),
                exc,
            )
            self._delivered.clear()
            return None

    return restore


kombu_redis.Channel._connparams = _detached_channel_is_a_lost_connection(kombu_redis.Channel._connparams)
kombu_redis.QoS.restore_unacked = _restore_unacked_or_leave_them(kombu_redis.QoS.restore_unacked)
