"""The notifications' writes: dispatch (events fanned out to people and subscribers) and
delivery (webhooks sent, retried, dead-lettered, redelivered). Callers keep ``services.dispatch``."""

from notifications.services.delivery import (
    Outcome,
    backoff,
    deliver,
    deliveries_cancel,
    deliveries_enqueue_due,
    delivery_refusal,
    drain,
    http_client,
    redeliver,
    signed_headers,
    signer_for,
    webhook_body,
)
from notifications.services.dispatch import EMAILS_PER_TASK, dispatch, events_sweep_undispatched

__all__ = [
    "EMAILS_PER_TASK",
    "Outcome",
    "backoff",
    "deliveries_cancel",
    "deliver",
    "delivery_refusal",
    "dispatch",
    "drain",
    "deliveries_enqueue_due",
    "http_client",
    "redeliver",
    "signed_headers",
    "signer_for",
    "events_sweep_undispatched",
    "webhook_body",
]
