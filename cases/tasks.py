"""Celery tasks of the cases app (thin: they call a service)."""

from celery import shared_task

from cases.retention import apply_retention
from tracker.task_options import DAILY_HOUSEKEEPING


@shared_task(name="cases.apply_retention", **DAILY_HOUSEKEEPING)
def apply_retention_task() -> dict:
    """Daily (beat): anonymise the cases closed longer than their retention period."""
    return apply_retention(dry_run=False).counts()
