"""Webhook subscriptions: create, change, delete. Delivery is in the notifications work."""

from __future__ import annotations

import base64
import secrets

from django.db import transaction

from tracker import audit
from tracker import secrets as secret_box
from tracker.exceptions import DomainValidationError
from tracker.models import WebhookSubscription

EVENT_TYPES = [
    "case.created", "case.updated", "case.transitioned", "case.assigned", "case.unassigned",
    "case.subject_added", "case.subject_removed",
    "case.transfer_requested", "case.transferred", "journal.shared", "journal.added", "task.created", "task.assigned",
    "control.planned", "control.changed", "control.transitioned", "control.cancelled", "control.completed",
    "control.officer_booked", "control.finding_recorded", "referral.sent", "referral.acknowledged",
    "referral.accepted", "referral.declined", "referral.closed", "referral.revoked", "referral.overdue",
    "control.reminder", "task.due",
]  # fmt: skip
FIELDS = ["owner", "url", "event_types", "description", "is_active"]


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_types(event_types) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise DomainValidationError.for_field("event_types", f"Unknown event type: {', '.join(unknown)}.")
    return sorted(set(event_types))


@transaction.atomic
def subscription_create(*, actor, url: str, event_types=(), description: str = "") -> tuple[WebhookSubscription, str]:
    secret = new_secret()
    sub = WebhookSubscription.objects.create(
        owner=actor,
        url=url,
        event_types=_check_types(event_types),
        description=description,
        secret_encrypted=secret_box.encrypt(secret),
    )
    audit.record(actor=actor, action="webhook.create", obj=sub, after=audit.snapshot(sub, FIELDS))
    return sub, secret


@transaction.atomic
def subscription_update(*, actor, subscription: WebhookSubscription, **changes) -> WebhookSubscription:
    before = audit.snapshot(subscription, FIELDS)
    if "event_types" in changes:
        changes["event_types"] = _check_types(changes["event_types"])
    for field, value in changes.items():
        setattr(subscription, field, value)
    if changes.get("is_active"):
        subscription.disabled_reason = ""
    subscription.save()
    audit.record(
        actor=actor,
        action="webhook.update",
        obj=subscription,
        before=before,
        after=audit.snapshot(subscription, FIELDS),
    )
    return subscription


@transaction.atomic
def subscription_delete(*, actor, subscription: WebhookSubscription) -> None:
    audit.record(actor=actor, action="webhook.delete", obj=subscription, before=audit.snapshot(subscription, FIELDS))
    subscription.delete()


@transaction.atomic
def subscription_disable(*, subscription: WebhookSubscription, reason: str) -> None:
    """Switch off a subscription that keeps failing, and tell its owner's agency and key holder."""
    from django.conf import settings
    from django.core.mail import send_mail

    before = audit.snapshot(subscription, FIELDS)
    subscription.is_active, subscription.disabled_reason = False, reason[:200]
    subscription.save(update_fields=["is_active", "disabled_reason", "updated_at"])
    audit.record(
        actor=None,
        action="webhook.disable",
        obj=subscription,
        before=before,
        after=audit.snapshot(subscription, FIELDS),
    )
    owner = subscription.owner
    key = getattr(owner, "api_key", None)
    to = {
        email
        for email in (
            owner.agency.contact_email if owner.agency_id else "",
            key.created_by.email if key and key.created_by_id else "",
            owner.email,
        )
        if email
    }
    if to:
        body = (
            f"The webhook subscription {subscription.url} of {owner} was switched off: {reason}\n"
            "Fix the receiver, then switch it on again (PATCH is_active=true) and redeliver what was missed."
        )
        transaction.on_commit(
            lambda: send_mail(
                "Case tracker: webhook subscription disabled", body, settings.DEFAULT_FROM_EMAIL, sorted(to)
            ),
            robust=True,
        )
