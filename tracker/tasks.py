"""Housekeeping tasks run by Celery beat."""

from celery import shared_task

from tracker.api.idempotency import purge_expired
from tracker.audit_chain.tasks import audit_checkpoint, audit_seal  # noqa: F401 - registers beat's audit jobs
from tracker.partitions import maintain_partitions


@shared_task(name="tracker.purge_idempotency_records", ignore_result=True)
def purge_idempotency_records() -> int:
    """Idempotency keys are kept 24 hours; forget older ones."""
    return purge_expired()


@shared_task(
    name="tracker.maintain_partitions",
    ignore_result=True,
    # Dropping an audit month first checks each of its rows against its seal; each month commits
    # on its own, so a run cut short is carried on the next day.
    soft_time_limit=3600,
    time_limit=3900,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    retry_jitter=True,
    max_retries=3,
)
def maintain_partitions_task() -> dict:
    """Daily: the audit trail's and the outbox's months ahead made, expired ones dropped."""
    return maintain_partitions().as_dict()
