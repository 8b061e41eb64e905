"""Beat's jobs for the audit chain (schedule: CELERY_BEAT_SCHEDULE in config/settings/base.py)."""

from celery import shared_task

from tracker.audit_chain.checkpoints import make_checkpoint
from tracker.audit_chain.sealer import seal


@shared_task(name="tracker.audit_seal", ignore_result=True)
def audit_seal() -> int:
    return seal()


@shared_task(name="tracker.audit_checkpoint", ignore_result=True)
def audit_checkpoint() -> dict:
    return make_checkpoint()
