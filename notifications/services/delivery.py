"""Webhook delivery: the signed POSTs, their attempts, retries with backoff, dead letters and
redelivery; and which deliveries may (still) go to whom.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import random
import time

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from agencies.models import User
from notifications import egress, tasks, webhooks
from notifications.choices import DeliveryStatus
from notifications.models import DeliveryAttempt, WebhookDelivery, WebhookSubscription
from tracker import audit, secrets
from tracker.events import event_visible_to, load_scopes
from tracker.models import Event


def chunks(items: list, size: int) -> list[list]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def delivery_refusal(owner, event: Event, now) -> str | None:
    """Why this event may not go to this subscriber (now), or None. Checked when deliveries are
    planned and again just before each is sent."""
    return (
        webhooks.standing_refusal(owner, now)
        or webhooks.scope_refusal(owner, event.type)
        or (None if event_visible_to(event, owner) else "its owner may no longer see this event")
    )


def batches_per_subscription(deliveries) -> list[list[str]]:
    """Delivery ids grouped by subscription, in chunks of WEBHOOK_BATCH_SIZE: a task apiece."""
    by_subscription: dict = {}
    for pk, sub_id in deliveries.values_list("pk", "subscription_id"):
        by_subscription.setdefault(sub_id, []).append(str(pk))
    return [batch for ids in by_subscription.values() for batch in chunks(ids, settings.WEBHOOK_BATCH_SIZE)]


def deliveries_enqueue_due() -> int:
    """What beat's sweeper does every minute for tasks that were lost. Pending deliveries of a
    healthy subscription whose time is long past are queued again, in batches per
    subscription; a subscription whose backoff ended long ago without being drained is drained.
    A disabled subscription's deliveries wait until it is enabled. Returns deliveries queued
    plus subscriptions drained."""
    grace = timezone.now() - settings.OUTBOX_SWEEP_AFTER
    due = WebhookDelivery.objects.filter(
        status=DeliveryStatus.PENDING,
        next_attempt_at__lte=grace,
        subscription__is_active=True,
        subscription__backoff_until__isnull=True,
    ).order_by("next_attempt_at")[:5000]
    batches = batches_per_subscription(due)
    for ids in batches:
        tasks.deliver_webhooks.delay(ids)
    stalled = [str(pk) for pk in WebhookSubscription.objects.filter(is_active=True, backoff_until__lte=grace)
               .values_list("pk", flat=True)]  # fmt: skip
    for sub_id in stalled:
        tasks.resume_deliveries.delay(sub_id)
    return sum(len(ids) for ids in batches) + len(stalled)


def deliveries_cancel(*, owner, reason: str) -> int:
    """Cancel everything waiting for a subscriber that may no longer receive it (its key was
    revoked). Rows a batch is sending right now are left to it: it checks the owner again
    before each send."""
    now = timezone.now()
    waiting = WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True).filter(
        subscription__owner=owner, status=DeliveryStatus.PENDING
    )
    return WebhookDelivery.objects.filter(pk__in=list(waiting.values_list("pk", flat=True))).update(
        status=DeliveryStatus.CANCELLED, cancelled_at=now, cancel_reason=reason[:200], next_attempt_at=None,
        updated_at=now,
    )  # fmt: skip


def deliveries_cancel_for_revoked_key(key) -> int:
    """Nothing more goes to a revoked key's webhooks: what waits is cancelled now (and every
    send checks too). Called by agencies' api_key_revoke() through its hook."""
    return deliveries_cancel(owner=key.user, reason="Not sent: its API key was revoked.")


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


# The receiver's reply is counted, never kept, and read no further than this: enough to keep a
# kept-alive connection usable after the usual short answer.
RESPONSE_COUNT_LIMIT = 64 * 1024


# How stale a batch's view of its subscribers' keys and roles may get: a key revoked or a role
# removed while a batch is under way stops that batch's next send after at most this long.
STANDING_TTL_SECONDS = 1.0


def http_client() -> httpx.Client:
    """One client per process (a new one per request costs an SSL context and a connection);
    recreated after a fork, since connections must not be shared across processes. Its
    connections go to checked public addresses only (egress.py)."""
    global _http, _http_pid
    if _http is None or _http_pid != os.getpid():
        _http, _http_pid = egress.client(), os.getpid()
    return _http


def backoff(step: int) -> float:
    """Exponential backoff with full jitter, capped: seconds to wait after ``step`` failures in a row."""
    base, cap = settings.WEBHOOK_RETRY_BASE_SECONDS, settings.WEBHOOK_RETRY_MAX_SECONDS
    return random.uniform(0.5, 1.0) * min(cap, base * 2 ** (step - 1))


@dataclasses.dataclass
class Outcome:
    """What a delivery run did, and what must happen next (the task queues it)."""

    delivered: list[str] = dataclasses.field(default_factory=list)
    failed: list[str] = dataclasses.field(default_factory=list)  # tried, answered badly or not at all
    waiting: list[str] = dataclasses.field(default_factory=list)  # not tried: their subscription backs off
    cancelled: list[str] = dataclasses.field(default_factory=list)
    dead: list[str] = dataclasses.field(default_factory=list)
    again: list[list[str]] = dataclasses.field(default_factory=list)  # batches to hand to new tasks now
    resume: dict[str, float] = dataclasses.field(default_factory=dict)  # subscription -> seconds to its drain


class _Run:
    """One transaction's worth of sending, shared by deliver() and drain()."""

    def __init__(self, subscriptions, outcome: Outcome, *, draining: bool):
        self.subs = {sub.pk: sub for sub in subscriptions}
        self.out, self.draining = outcome, draining
        self.started = self.checked = time.monotonic()
        load_scopes([sub.owner for sub in self.subs.values()])
        self.signers: dict = {}
        self.attempts: list[DeliveryAttempt] = []
        self.dead: dict = {}
        self.stopped: set = set()  # subscriptions that failed in this run: the rest of theirs wait

    def out_of_time(self) -> bool:
        return bool(self.attempts) and time.monotonic() - self.started > settings.WEBHOOK_BATCH_SECONDS

    def refusal(self, delivery: WebhookDelivery) -> str | None:
        if time.monotonic() - self.checked > STANDING_TTL_SECONDS:
            self._reload_owners()
        return delivery_refusal(delivery.subscription.owner, delivery.event, timezone.now())

    def _reload_owners(self) -> None:
        fresh = User.objects.select_related("agency", "api_key").in_bulk([s.owner_id for s in self.subs.values()])
        load_scopes(list(fresh.values()))
        for sub in self.subs.values():
            sub.owner = fresh[sub.owner_id]
        self.checked = time.monotonic()

    def wait(self, delivery: WebhookDelivery, until) -> None:
        """Leave it for the subscription's drain: untried, unless it has waited out its window."""
        now = timezone.now()
        delivery.updated_at = now
        if now - delivery.window_started_at >= settings.WEBHOOK_RETRY_WINDOW:
            delivery.status, delivery.dead_at, delivery.next_attempt_at = DeliveryStatus.DEAD, now, None
            self.dead[delivery.subscription_id] = delivery.subscription
            self.out.dead.append(str(delivery.pk))
            return
        delivery.next_attempt_at = max(until, now)
        self.out.waiting.append(str(delivery.pk))

    def send(self, delivery: WebhookDelivery) -> None:
        sub, now = delivery.subscription, timezone.now()
        reason = self.refusal(delivery)
        if reason:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.CANCELLED, None
            delivery.cancelled_at = delivery.updated_at = now
            delivery.cancel_reason = f"Not sent: {reason}."[:200]
            self.out.cancelled.append(str(delivery.pk))
            return
        if sub.pk not in self.signers:  # one secret decryption per subscription, not per delivery
            self.signers[sub.pk] = signer_for(sub)
        attempt = _attempt(delivery, self.signers[sub.pk])
        self.attempts.append(attempt)
        now = delivery.updated_at = timezone.now()
        if attempt.succeeded:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
            self.out.delivered.append(str(delivery.pk))
            return
        self.out.failed.append(str(delivery.pk))
        self._back_off(sub, now)
        if now - delivery.window_started_at >= settings.WEBHOOK_RETRY_WINDOW:
            delivery.status, delivery.dead_at, delivery.next_attempt_at = DeliveryStatus.DEAD, now, None
            self.dead[sub.pk] = sub
            self.out.dead.append(str(delivery.pk))
        else:
            delivery.next_attempt_at = sub.backoff_until

    def _back_off(self, sub: WebhookSubscription, now) -> None:
        """The subscription waits, and everything queued for it with it; one drain is scheduled
        for the end of the wait. A drain holds the subscription's lock and takes the next step.
        A batch takes the first step, unless another batch of the same subscription got there
        first (the condition in the UPDATE decides, after any lock it had to wait for)."""
        self.stopped.add(sub.pk)
        if self.draining:
            sub.failures += 1
            delay = backoff(sub.failures)
            sub.backoff_until = now + datetime.timedelta(seconds=delay)
            sub.save(update_fields=["backoff_until", "failures"])
            self.out.resume[str(sub.pk)] = delay
            return
        delay = backoff(1)
        until = now + datetime.timedelta(seconds=delay)
        if WebhookSubscription.objects.filter(pk=sub.pk, backoff_until__isnull=True).update(
            backoff_until=until, failures=1
        ):
            self.out.resume[str(sub.pk)] = delay
        else:
            until = WebhookSubscription.objects.filter(pk=sub.pk).values_list("backoff_until", flat=True).first()
        sub.backoff_until = until or now  # None: a drain just ended; the sweeper retries it

    def settle(self, batch: list[WebhookDelivery]) -> None:
        DeliveryAttempt.objects.bulk_create(self.attempts)
        WebhookDelivery.objects.bulk_update(
            batch,
            ["status", "attempts", "delivered_at", "dead_at", "cancelled_at", "cancel_reason", "next_attempt_at",
             "updated_at"],
        )  # fmt: skip
        for sub in self.dead.values():
            _on_dead_letter(sub)


def _pending_rows():
    return WebhookDelivery.objects.select_for_update(of=("self",), skip_locked=True).filter(
        status=DeliveryStatus.PENDING
    )


def deliver(delivery_ids: list) -> Outcome:
    """Try each pending delivery once, in order, over the process's kept-alive connection,
    and settle them all in one transaction.

    The rows stay locked while they are sent; a duplicate task skips them (SKIP LOCKED) and
    leaves them to the holder. Each is checked just before it is sent: a subscriber that may
    no longer receive it (key revoked or expired, scope or role removed, owner deactivated)
    gets it cancelled, not sent. The first failure puts the subscription into backoff: the
    rest of its batch, and every delivery queued for it later, wait untried until its drain
    (see drain()). A batch that outlives WEBHOOK_BATCH_SECONDS hands the rest to a new task. A
    worker killed mid-batch rolls the batch back; its task is redelivered (acks_late) and sends
    it again, which receivers absorb by deduping on webhook-id (Standard Webhooks)."""
    out = Outcome()
    with transaction.atomic():
        batch = list(
            _pending_rows()
            .select_related("subscription__owner__agency", "subscription__owner__api_key", "event__unit")
            .filter(pk__in=delivery_ids, subscription__is_active=True)
            .order_by("event_id", "pk")
        )
        subs: dict = {}
        for delivery in batch:  # one instance per subscription, so a failure holds for all its rows
            delivery.subscription = subs.setdefault(delivery.subscription_id, delivery.subscription)
        run = _Run(subs.values(), out, draining=False)
        rest: list[str] = []
        for delivery in batch:
            sub = delivery.subscription
            if sub.backoff_until is not None:
                run.wait(delivery, sub.backoff_until)  # its drain sends it, in order
            elif run.out_of_time():
                rest.append(str(delivery.pk))
            else:
                run.send(delivery)
        run.settle(batch)
    if rest:
        out.again.append(rest)
    return out


def drain(subscription_id) -> Outcome:
    """Once a subscription's backoff has passed, send what waits for it in event order, up to
    WEBHOOK_BATCH_SIZE per run; the first send is the probe. On a failure it waits the next,
    longer step; when nothing is left it is healthy again and batches resume.

    One drain at a time per subscription (it holds the subscription's row lock). A batch that
    read the subscription as backing off while a drain cleared it leaves its rows pending; the
    drain looks for such rows after it commits and hands them on, so none is stranded."""
    out = Outcome()
    with transaction.atomic():
        sub = (
            WebhookSubscription.objects.select_for_update(of=("self",))
            .select_related("owner__agency", "owner__api_key")
            .filter(pk=subscription_id, is_active=True)
            .first()
        )
        if sub is None or sub.backoff_until is None or sub.backoff_until > timezone.now():
            return out  # switched off, healthy, or not yet: a drain is queued for its end
        batch = list(
            _pending_rows()
            .filter(subscription=sub)
            .select_related("event__unit")
            .order_by("event_id", "pk")[: settings.WEBHOOK_BATCH_SIZE]
        )
        run = _Run([sub], out, draining=True)
        for delivery in batch:
            delivery.subscription = sub
            if sub.pk in run.stopped:
                run.wait(delivery, sub.backoff_until)
            elif not run.out_of_time():
                run.send(delivery)
        run.settle(batch)
        recovered = False
        if sub.pk not in run.stopped:
            if sub.deliveries.filter(status=DeliveryStatus.PENDING).exists():
                # More than a batch, or rows a batch still holds: keep the order, drain on.
                out.resume[str(sub.pk)] = 0.0 if run.attempts else 1.0
            else:
                sub.backoff_until, sub.failures, recovered = None, 0, True
                sub.save(update_fields=["backoff_until", "failures"])
    if recovered:
        late = WebhookDelivery.objects.filter(subscription=sub, status=DeliveryStatus.PENDING).order_by("event_id")
        out.again += batches_per_subscription(late)
    return out


def _attempt(delivery: WebhookDelivery, signer: Webhook) -> DeliveryAttempt:
    body = webhook_body(delivery.event)
    url = delivery.subscription.url
    started = time.monotonic()
    status_code, size, error = None, None, ""
    if not url.lower().startswith("https://") and not settings.WEBHOOK_ALLOW_HTTP:
        error = "Refused: webhooks go to https:// URLs only."
    else:
        try:
            headers = signed_headers(signer, delivery.event, body)
            timeout = settings.WEBHOOK_TIMEOUT_SECONDS
            with http_client().stream("POST", url, content=body, headers=headers, timeout=timeout) as response:
                status_code, size = response.status_code, 0
                for chunk in response.iter_raw():
                    size += len(chunk)
                    if size >= RESPONSE_COUNT_LIMIT:
                        break
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
    delivery.attempts += 1
    return DeliveryAttempt(
        delivery=delivery,
        number=delivery.attempts,
        status_code=status_code,
        response_bytes=size,
        latency_ms=int((time.monotonic() - started) * 1000),
        error=error,
    )


def _on_dead_letter(sub: WebhookSubscription) -> None:
    """A subscription whose deliveries keep dying is switched off, and its owner told."""
    recent = list(
        sub.deliveries.exclude(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CANCELLED])
        .order_by("-updated_at")
        .values_list("status", flat=True)[: settings.WEBHOOK_DISABLE_AFTER_DEAD]
    )
    if len(recent) >= settings.WEBHOOK_DISABLE_AFTER_DEAD and all(s == DeliveryStatus.DEAD for s in recent):
        webhooks.subscription_disable(subscription=sub, reason="Deliveries kept failing for the whole retry window.")


@transaction.atomic
def redeliver(*, actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again on demand (dead-lettered, cancelled or delivered), from the admin or
    the API. It is checked again before it is sent, like any other."""
    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).get(pk=delivery.pk)
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.dead_at, delivery.delivered_at = DeliveryStatus.PENDING, None, None
    delivery.cancelled_at, delivery.cancel_reason = None, ""
    delivery.window_started_at = delivery.next_attempt_at = timezone.now()  # a fresh retry window
    delivery.save()
    audit.record(
        actor=actor, action="webhook.redeliver", obj=delivery, before=before, after={"status": delivery.status}
    )
    transaction.on_commit(lambda: tasks.deliver_webhooks.delay([str(delivery.pk)]), robust=True)
    return delivery
