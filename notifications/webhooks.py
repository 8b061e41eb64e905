"""Webhook subscriptions: create, change, delete. Delivery is in the notifications work."""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from notifications import egress, tasks
from notifications.models import WebhookSubscription
from tracker import audit
from tracker import secrets as secret_box
from tracker.exceptions import DomainValidationError

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

# The read scope a delivery needs: it carries what a read of its object would show.
READ_SCOPES = {"case": "cases:read", "journal": "cases:read", "task": "cases:read",
               "control": "controls:read", "referral": "referrals:read"}  # fmt: skip


def read_scope(event_type: str) -> str | None:
    return READ_SCOPES.get(event_type.partition(".")[0])


def key_of(owner):
    """The owner's API key (each key acts as its own service account), or None for a person."""
    return getattr(owner, "api_key", None)


def owner_scopes(owner) -> frozenset[str] | None:
    """What a key may read; None for a person, whom roles alone limit."""
    key = key_of(owner)
    return None if key is None else frozenset(key.scopes)


def standing_refusal(owner, now) -> str | None:
    """Why nothing may be delivered to ``owner`` any more, or None while it may."""
    if not owner.is_active:
        return "its owner is deactivated"
    key = key_of(owner)
    if key is not None and key.revoked_at is not None:
        return "its API key was revoked"
    if key is not None and key.expires_at <= now:
        return "its API key has expired"
    return None


def scope_refusal(owner, event_type: str) -> str | None:
    """Why ``owner`` may not receive events of this type, or None."""
    scopes, needed = owner_scopes(owner), read_scope(event_type)
    if scopes is None:
        return None
    if needed is None or needed not in scopes:
        return f"its API key lacks the {needed or 'read'} scope that {event_type} needs"
    return None


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def _check_types(owner, event_types) -> list[str]:
    """Known types the owner may read. Empty means every type it may read; a key that may
    read none cannot subscribe."""
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if unknown:
        raise DomainValidationError.for_field("event_types", f"Unknown event type: {', '.join(unknown)}.")
    scopes = owner_scopes(owner)
    if scopes is not None:
        wanted = set(event_types) or set(EVENT_TYPES)
        lacking: dict[str, list[str]] = {}
        for kind in sorted(wanted):
            if read_scope(kind) not in scopes:
                lacking.setdefault(read_scope(kind), []).append(kind)
        if not event_types and len(lacking) == len(set(READ_SCOPES.values())):
            raise DomainValidationError.for_field(
                "event_types",
                f"This API key may read no events: webhooks need {', '.join(sorted(lacking))} for what they carry.",
            )
        if event_types and lacking:
            needs = "; ".join(f"{scope} for {', '.join(kinds)}" for scope, kinds in sorted(lacking.items()))
            raise DomainValidationError.for_field("event_types", f"This API key lacks the read scope: {needs}.")
    return sorted(set(event_types))


@transaction.atomic
def subscription_create(*, actor, url: str, event_types=(), description: str = "") -> tuple[WebhookSubscription, str]:
    egress.check_url(url)
    event_types = _check_types(actor, event_types)
    secret = new_secret()
    sub = WebhookSubscription.objects.create(
        owner=actor,
        url=url,
        event_types=event_types,
        description=description,
        secret_encrypted=secret_box.encrypt(secret),
    )
    audit.record(actor=actor, action="webhook.create", obj=sub, after=audit.snapshot(sub, FIELDS))
    return sub, secret


@transaction.atomic
def subscription_update(*, actor, subscription: WebhookSubscription, **changes) -> WebhookSubscription:
    before = audit.snapshot(subscription, FIELDS)
    if "url" in changes:
        egress.check_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _check_types(subscription.owner, changes["event_types"])
    switched_on = changes.get("is_active") and not subscription.is_active
    for field, value in changes.items():
        setattr(subscription, field, value)
    # Only what changed: the backoff fields belong to the delivery workers, which may be
    # changing them right now.
    saved = [*changes, "updated_at"]
    if switched_on:
        subscription.disabled_reason = ""
        saved.append("disabled_reason")
        if subscription.backoff_until or subscription.deliveries.filter(status="pending").exists():
            # What waited while it was off goes out now, in order, through the drain; and a
            # backoff from before it was switched off is over.
            subscription.backoff_until, subscription.failures = timezone.now(), 0
            saved += ["backoff_until", "failures"]
            transaction.on_commit(lambda: _resume(subscription.pk), robust=True)
    subscription.save(update_fields=saved)
    audit.record(
        actor=actor,
        action="webhook.update",
        obj=subscription,
        before=before,
        after=audit.snapshot(subscription, FIELDS),
    )
    return subscription


def _resume(subscription_id) -> None:
    tasks.resume_deliveries.delay(str(subscription_id))


@transaction.atomic
def subscription_delete(*, actor, subscription: WebhookSubscription) -> None:
    audit.record(actor=actor, action="webhook.delete", obj=subscription, before=audit.snapshot(subscription, FIELDS))
    subscription.delete()


@transaction.atomic
def subscription_disable(*, subscription: WebhookSubscription, reason: str) -> None:
    """Switch off a subscription that keeps failing, and tell its owner's agency and key holder."""
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


def subscription_secrets_rotate() -> tuple[int, int]:
    """Re-encrypt every stored signing secret under the current key (tracker/secrets.py), row by
    row under a lock; returns (rotated, unreadable). A secret no configured key opens is left as
    it is and counted: its subscription cannot sign until it is re-created."""
    rotated = unreadable = 0
    for pk in WebhookSubscription.objects.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic():
            sub = WebhookSubscription.objects.select_for_update().get(pk=pk)
            try:
                sub.secret_encrypted = secret_box.rotate(sub.secret_encrypted)
            except secret_box.InvalidToken:
                unreadable += 1
                continue
            sub.save(update_fields=["secret_encrypted"])
            rotated += 1
    audit.record_access(
        actor=None, action="webhook.secrets_rotate", detail={"rotated": rotated, "unreadable": unreadable}
    )
    return rotated, unreadable
