"""The notifications' writes: dispatch (events fanned out to people and subscribers) and
delivery (webhooks sent, retried, dead-lettered, redelivered). Callers keep ``services.dispatch``."""

from tracker.notifications.services.delivery import (
    Outcome,
    backoff,
    cancel_deliveries_to,
    deliver,
    delivery_refusal,
    drain,
    enqueue_due_deliveries,
    http_client,
    redeliver,
    signed_headers,
    signer_for,
    webhook_body,
)
from tracker.notifications.services.dispatch import EMAILS_PER_TASK, dispatch, sweep_undispatched

__all__ = [
    "EMAILS_PER_TASK",
    "Outcome",
    "backoff",
    "cancel_deliveries_to",
    "deliver",
    "delivery_refusal",
    "dispatch",
    "drain",
    "enqueue_due_deliveries",
    "http_client",
    "redeliver",
    "signed_headers",
    "signer_for",
    "sweep_undispatched",
    "webhook_body",
]
