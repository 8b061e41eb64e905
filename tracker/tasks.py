"""Housekeeping tasks run by Celery beat."""

from celery import shared_task

from tracker.api.idempotency import purge_expired
from tracker.audit_chain.tasks import audit_checkpoint, audit_seal  # noqa: F401 - registers beat's audit jobs


@shared_task(name="tracker.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    """Idempotency keys are kept 24 hours; forget older ones."""
    return purge_expired()
