"""Fan-out of committed events to people (in-app, e-mail) and agency systems (webhooks).

Every step is idempotent: an event is claimed once (locked and marked in the same
transaction as its fan-out), notifications and deliveries are unique per (recipient,
event), and a delivered webhook is never sent again. Work goes in batches, so that a burst
of events costs a few set-based transactions rather than a few per event.
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
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from tracker import secrets
from tracker.events import event_visible_to, load_scopes
from tracker.models import Event, WebhookSubscription
from tracker.notifications.models import (
    DeliveryAttempt,
    DeliveryStatus,
    EmailFrequency,
    Notification,
    WebhookDelivery,
)
from tracker.notifications.recipients import recipients_of

log = logging.getLogger(__name__)

EMAILS_PER_TASK = 50  # a retried task (mail server down) resends only what is left


# --- dispatch ---------------------------------------------------------------------


def dispatch(event_id: int) -> int:
    """Claim this event and up to DISPATCH_BATCH_SIZE - 1 others still waiting (oldest
    first), and fan them all out in one transaction. Returns how many were claimed; 0 when
    other workers got there first.

    Set-based: the queries do not grow with the batch, so the cost per event falls as a
    burst grows, where it counts (see docs/benchmarks.md). SKIP LOCKED keeps concurrent
    batches apart. People's e-mail and each subscription's deliveries leave as a few tasks."""
    from tracker.notifications import tasks

    with transaction.atomic():
        events = _claim(event_id, settings.DISPATCH_BATCH_SIZE)
        if not events:
            return 0
        email_ids = _notify_people(events)
        delivery_batches = _plan_deliveries(events)

        def hand_off():
            for ids in delivery_batches:
                tasks.deliver_webhooks.delay(ids)
            for ids in _chunks(email_ids, EMAILS_PER_TASK):
                tasks.email_notifications.delay(ids)

        transaction.on_commit(hand_off, robust=True)
    return len(events)


def _claim(event_id: int, limit: int) -> list[Event]:
    pending = Event.objects.filter(dispatched_at__isnull=True).select_for_update(skip_locked=True)
    events = list(pending.filter(pk=event_id))
    events += pending.exclude(pk=event_id).order_by("pk")[: limit - len(events)]
    if events:
        Event.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=timezone.now())
    return events


def _chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _title(event: Event) -> str:
    p = event.payload
    subject = p.get("reference") or p.get("title") or event.object_id
    return f"{event.type.replace('.', ' ').replace('_', ' ').capitalize()}: {subject}"


def _notify_people(events: list[Event]) -> list[str]:
    """In-app notifications for everyone concerned. Returns the ids to e-mail now: recipients
    with an address who want e-mail immediately (the default). Mutes are checked on sending."""
    rows = []
    people = recipients_of(events)
    for event in events:
        case_id = event.object_id if event.object_type == "cases.case" else event.payload.get("case")
        title = _title(event)[:300]
        rows += [
            Notification(recipient=user, event=event, verb=event.type, title=title, case_id=case_id)
            for user in people[event.pk]
        ]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    immediate = Q(recipient__notification_preference__isnull=True) | Q(
        recipient__notification_preference__email=EmailFrequency.IMMEDIATE
    )
    return [
        str(pk)
        for pk in Notification.objects.filter(immediate, event__in=events, emailed_at__isnull=True)
        .exclude(recipient__email="")
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    ]


def _plan_deliveries(events: list[Event]) -> list[list[str]]:
    """A delivery per (event, subscriber that wants it and may see it). Returns them in
    batches of one subscription each, for one task apiece."""
    subs = list(WebhookSubscription.objects.filter(is_active=True).select_related("owner", "owner__agency"))
    load_scopes([s.owner for s in subs])
    now = timezone.now()
    rows = [
        WebhookDelivery(subscription=sub, event=event, next_attempt_at=now)
        for event in events
        for sub in subs
        if sub.wants(event.type) and event_visible_to(event, sub.owner)
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    pending = WebhookDelivery.objects.filter(event__in=events, status=DeliveryStatus.PENDING).order_by("event_id")
    return _batches_per_subscription(pending)


def _batches_per_subscription(deliveries) -> list[list[str]]:
    """Delivery ids grouped by subscription, in chunks of WEBHOOK_BATCH_SIZE: a task apiece."""
    by_subscription: dict = {}
    for pk, sub_id in deliveries.values_list("pk", "subscription_id"):
        by_subscription.setdefault(sub_id, []).append(str(pk))
    return [batch for ids in by_subscription.values() for batch in _chunks(ids, settings.WEBHOOK_BATCH_SIZE)]


def enqueue_due_deliveries() -> int:
    """Pending deliveries whose retry is overdue (its task was lost): queue them again, in
    batches per subscription. A disabled subscription's deliveries wait until it is enabled."""
    from tracker.notifications import tasks

    grace = timezone.now() - settings.OUTBOX_SWEEP_AFTER
    due = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=grace, subscription__is_active=True
    ).order_by("next_attempt_at")[:5000]
    batches = _batches_per_subscription(due)
    for ids in batches:
        tasks.deliver_webhooks.delay(ids)
    return sum(len(ids) for ids in batches)


def sweep_undispatched(older_than: datetime.timedelta | None = None) -> int:
    """Hand to the broker every committed event that never reached it (e.g. Redis was down).
    One task per batch: each claims its event and the oldest others still waiting."""
    from tracker.notifications import tasks

    cutoff = timezone.now() - (older_than if older_than is not None else settings.OUTBOX_SWEEP_AFTER)
    ids = list(
        Event.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    for event_id in ids[:: settings.DISPATCH_BATCH_SIZE]:
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


def signed_headers(signer: Webhook, event: Event, body: str) -> dict[str, str]:
    now = datetime.datetime.now(datetime.UTC)
    return {
        "content-type": "application/json",
        "webhook-id": str(event.uuid),
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signer.sign(str(event.uuid), now, body),
        "user-agent": "interagency-case-tracker/1",
    }


def signer_for(subscription: WebhookSubscription) -> Webhook:
    return Webhook(secrets.decrypt(subscription.secret_encrypted))


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


Retry = tuple[list[str], float]  # deliveries to try again, and the delay before that


def deliver(delivery_ids: list) -> list[Retry]:
    """Try each pending delivery once, in order, over the process's kept-alive connection,
    and settle them all in one transaction. Returns what to try again, and when.

    The rows stay locked while they are sent; a duplicate task skips them (SKIP LOCKED) and
    leaves them to the holder. After a failure the subscription's remaining deliveries in
    the batch are not tried: they wait the same backoff, so a receiver that is down costs one
    timeout per batch, not one per delivery. A batch that outlives WEBHOOK_BATCH_SECONDS hands
    the rest to a new task. A worker killed mid-batch rolls the batch back; its task is
    redelivered (acks_late) and sends it again, which receivers absorb by deduping on
    webhook-id (Standard Webhooks)."""
    started = time.monotonic()
    retries: list[Retry] = []
    with transaction.atomic():
        batch = list(
            WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True)
            .select_related("subscription", "event", "event__unit")
            .filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING, subscription__is_active=True)
            .order_by("event_id", "pk")
        )
        signers: dict = {}
        failed: dict = {}  # subscription id -> the backoff its failure set
        postponed: dict[float, list[str]] = {}
        attempts, dead = [], {}
        for delivery in batch:
            sub = delivery.subscription
            out_of_time = attempts and time.monotonic() - started > settings.WEBHOOK_BATCH_SECONDS
            if sub.pk in failed or out_of_time:
                delay, delivery.updated_at = failed.get(sub.pk, 0.0), timezone.now()
                delivery.next_attempt_at = delivery.updated_at + datetime.timedelta(seconds=delay)
                postponed.setdefault(delay, []).append(str(delivery.pk))
                continue
            if sub.pk not in signers:  # one secret decryption per subscription, not per delivery
                signers[sub.pk] = signer_for(sub)
            attempts.append(_attempt(delivery, signers[sub.pk]))
            now = timezone.now()
            delivery.updated_at = now
            if attempts[-1].status_code is not None and 200 <= attempts[-1].status_code < 300:
                delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            elif now - delivery.window_started_at >= settings.WEBHOOK_RETRY_WINDOW:
                delivery.status, delivery.dead_at, delivery.next_attempt_at = DeliveryStatus.DEAD, now, None
                dead[sub.pk] = sub
                failed[sub.pk] = 0.0
            else:
                failed[sub.pk] = delay = backoff(delivery.attempts)
                delivery.next_attempt_at = now + datetime.timedelta(seconds=delay)
                retries.append(([str(delivery.pk)], delay))
        DeliveryAttempt.objects.bulk_create(attempts)
        WebhookDelivery.objects.bulk_update(
            batch, ["status", "attempts", "delivered_at", "dead_at", "next_attempt_at", "updated_at"]
        )
        for sub in dead.values():
            _on_dead_letter(sub)
    return retries + [(ids, delay) for delay, ids in postponed.items()]


def _attempt(delivery: WebhookDelivery, signer: Webhook) -> DeliveryAttempt:
    body = webhook_body(delivery.event)
    started = time.monotonic()
    status_code, excerpt, error = None, "", ""
    try:
        response = http_client().post(
            delivery.subscription.url, content=body, headers=signed_headers(signer, delivery.event, body)
        )
        status_code, excerpt = response.status_code, response.text[:500]
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:300]
    delivery.attempts += 1
    return DeliveryAttempt(
        delivery=delivery,
        number=delivery.attempts,
        status_code=status_code,
        latency_ms=int((time.monotonic() - started) * 1000),
        response_excerpt=excerpt,
        error=error,
    )


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
    transaction.on_commit(lambda: tasks.deliver_webhooks.delay([str(delivery.pk)]), robust=True)
    return delivery
