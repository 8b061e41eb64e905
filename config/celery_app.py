import os

from celery import Celery
from celery.signals import task_postrun, worker_process_init

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
