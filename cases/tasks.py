"""Celery tasks of the cases app (thin: they call a service)."""

from celery import shared_task

from cases.retention import apply_retention


@shared_task(
    name="cases.apply_retention",
    ignore_result=True,
    # A run may take long on its first day; the next day's run carries on (it is idempotent).
    soft_time_limit=3600,
    time_limit=3900,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def apply_retention_task() -> dict:
    """Daily (beat): anonymise the cases closed longer than their retention period."""
    return apply_retention(dry_run=False).counts()
