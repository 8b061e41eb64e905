"""Housekeeping tasks run by Celery beat."""

from celery import shared_task

from tracker.api.idempotency import purge_expired
from tracker.audit_chain.tasks import audit_checkpoint, audit_seal  # noqa: F401 - registers beat's audit jobs
from tracker.partitions import maintain_partitions
from tracker.task_options import DAILY_HOUSEKEEPING


@shared_task(name="tracker.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    """Idempotency keys are kept 24 hours; forget older ones."""
    return purge_expired()


@shared_task(name="tracker.maintain_partitions", **DAILY_HOUSEKEEPING)
def maintain_partitions_task() -> dict:
    """Daily: the audit trail's and the outbox's months ahead made, expired ones dropped."""
    return maintain_partitions().as_dict()
