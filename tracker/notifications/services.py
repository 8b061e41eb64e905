"""Fan-out of committed events to people (in-app, e-mail) and agency systems (webhooks).

Every step is idempotent: an event is claimed once (conditional UPDATE in the same
transaction as its fan-out), notifications and deliveries are unique per (recipient,
event), and a delivered webhook is never sent again.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import random
import time

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tracker import secrets
from tracker.events import event_visible_to, load_scopes
from tracker.models import Event, WebhookSubscription
from tracker.notifications.models import DeliveryAttempt, DeliveryStatus, Notification, WebhookDelivery
from tracker.notifications.recipients import recipients

log = logging.getLogger(__name__)


# --- dispatch ---------------------------------------------------------------------


def dispatch(event_id: int) -> bool:
    """Claim the event and fan it out. False when it was already dispatched (a duplicate)."""
    from tracker.notifications import tasks

    with transaction.atomic():
        claimed = Event.objects.filter(pk=event_id, dispatched_at__isnull=True).update(dispatched_at=timezone.now())
        if not claimed:
            return False
        event = Event.objects.select_related("actor").get(pk=event_id)
        notifications = _notify_people(event)
        deliveries = _plan_deliveries(event)
        transaction.on_commit(
            lambda: (
                [tasks.deliver_webhook.delay(str(d.pk)) for d in deliveries]
                + [tasks.email_notification.delay(str(n.pk)) for n in notifications]
            ),
            robust=True,
        )
    return True


def _title(event: Event) -> str:
    p = event.payload
    subject = p.get("reference") or p.get("title") or event.object_id
    return f"{event.type.replace('.', ' ').replace('_', ' ').capitalize()}: {subject}"


def _notify_people(event: Event) -> list[Notification]:
    case_id = event.object_id if event.object_type == "cases.case" else event.payload.get("case")
    rows = [
        Notification(recipient=user, event=event, verb=event.type, title=_title(event)[:300], case_id=case_id)
        for user in recipients(event)
    ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Notification.objects.filter(event=event, emailed_at__isnull=True))


def _plan_deliveries(event: Event) -> list[WebhookDelivery]:
    subs = [s for s in WebhookSubscription.objects.filter(is_active=True).select_related("owner", "owner__agency")
            if s.wants(event.type)]  # fmt: skip
    load_scopes([s.owner for s in subs])
    wanted = [sub for sub in subs if event_visible_to(event, sub.owner)]
    now = timezone.now()
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=s, event=event, next_attempt_at=now) for s in wanted], ignore_conflicts=True
    )
    return list(WebhookDelivery.objects.filter(event=event, status=DeliveryStatus.PENDING))


def enqueue_due_deliveries() -> int:
    """Pending deliveries whose retry is overdue (its task was lost): queue them again."""
    from tracker.notifications import tasks

    grace = timezone.now() - settings.OUTBOX_SWEEP_AFTER
    ids = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=grace).values_list(
            "pk", flat=True
        )[:5000]
    )
    for pk in ids:
        tasks.deliver_webhook.delay(str(pk))
    return len(ids)


def sweep_undispatched(older_than: datetime.timedelta | None = None) -> int:
    """Hand to the broker every committed event that never reached it (e.g. Redis was down)."""
    from tracker.notifications import tasks

    cutoff = timezone.now() - (older_than if older_than is not None else settings.OUTBOX_SWEEP_AFTER)
    ids = list(
        Event.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    for event_id in ids:
        tasks.dispatch_event.delay(event_id)
    return len(ids)


# --- webhooks ---------------------------------------------------------------------


def webhook_body(event: Event) -> str:
    return json.dumps(
        {
            "id": str(event.uuid),
            "type": event.type,
            "time": event.occurred_at.isoformat(),
            "unit": event.unit.code if event.unit_id else None,
            "object": {"type": event.object_type, "id": event.object_id},
            "payload": event.payload,
        },
        separators=(",", ":"),
    )


def signed_headers(subscription: WebhookSubscription, event: Event, body: str) -> dict[str, str]:
    now = datetime.datetime.now(datetime.UTC)
    signature = Webhook(secrets.decrypt(subscription.secret_encrypted)).sign(str(event.uuid), now, body)
    return {
        "content-type": "application/json",
        "webhook-id": str(event.uuid),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "user-agent": "interagency-case-tracker/1",
    }


_http: httpx.Client | None = None
_http_pid: int | None = None


def http_client() -> httpx.Client:
    """One client per process (a new one per request costs an SSL context and a connection);
    recreated after a fork, since connections must not be shared across processes."""
    global _http, _http_pid
    if _http is None or _http_pid != os.getpid():
        _http, _http_pid = httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False), os.getpid()
    return _http


def backoff(attempt: int) -> float:
    """Exponential backoff with full jitter, capped (seconds before attempt ``attempt + 1``)."""
    base, cap = settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS
    return random.uniform(0.5, 1.0) * min(cap, base * 2 ** (attempt - 1))


def deliver(delivery_id) -> float | None:
    """Try one delivery. Returns the delay before the next try, or None when it is settled.

    The delivery row stays locked during the request, so a duplicated task waits and then
    finds it settled. A worker killed mid-request loses the lock with its connection; the
    retry may then repeat the request, which receivers absorb by deduping on webhook-id."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(of=("self",))
            .select_related("subscription", "event", "event__unit")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        sub, event = delivery.subscription, delivery.event
        if not sub.is_active:
            return None
        body = webhook_body(event)
        started = time.monotonic()
        status_code, excerpt, error = None, "", ""
        try:
            response = http_client().post(sub.url, content=body, headers=signed_headers(sub, event, body))
            status_code, excerpt = response.status_code, response.text[:500]
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        latency = int((time.monotonic() - started) * 1000)
        delivery.attempts += 1
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            status_code=status_code,
            latency_ms=latency,
            response_excerpt=excerpt,
            error=error,
        )
        now = timezone.now()
        if status_code is not None and 200 <= status_code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            delivery.save()
            return None
        if now - delivery.window_started_at >= settings.WEBHOOK_RETRY_WINDOW:
            delivery.status, delivery.dead_at, delivery.next_attempt_at = DeliveryStatus.DEAD, now, None
            delivery.save()
            _on_dead_letter(sub)
            return None
        delay = backoff(delivery.attempts)
        delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
        delivery.save()
        return delay


def _on_dead_letter(sub: WebhookSubscription) -> None:
    """A subscription whose deliveries keep dying is switched off, and its owner told."""
    recent = list(
        sub.deliveries.exclude(status=DeliveryStatus.PENDING)
        .order_by("-updated_at")
        .values_list("status", flat=True)[: settings.WEBHOOK_DISABLE_AFTER_DEAD]
    )
    if len(recent) >= settings.WEBHOOK_DISABLE_AFTER_DEAD and all(s == DeliveryStatus.DEAD for s in recent):
        from tracker import webhooks

        webhooks.subscription_disable(subscription=sub, reason="Deliveries kept failing for the whole retry window.")


@transaction.atomic
def redeliver(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again on demand (dead-lettered or delivered), from the admin or the API."""
    from tracker import audit
    from tracker.notifications import tasks

    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.dead_at, delivery.delivered_at = DeliveryStatus.PENDING, None, None
    delivery.window_started_at = delivery.next_attempt_at = timezone.now()  # a fresh retry window
    delivery.save()
    audit.record(
        actor=actor, action="webhook.redeliver", obj=delivery, before=before, after={"status": delivery.status}
    )
    transaction.on_commit(lambda: tasks.deliver_webhook.delay(str(delivery.pk)), robust=True)
    return delivery
