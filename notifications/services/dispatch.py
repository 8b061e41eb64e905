"""Fan-out of committed events to people (in-app, e-mail) and agency systems (webhooks).

Every step is idempotent: an event is claimed once (locked and marked in the same
transaction as its fan-out), notifications and deliveries are unique per (recipient,
event), and a delivered webhook is never sent again. Work goes in batches, so that a burst
of events costs a few set-based transactions rather than a few per event.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from agencies.choices import UNIT_WIDE_ROLES, UnitRole
from agencies.selectors import unit_ids_for
from cases.models import Case
from notifications import tasks
from notifications.choices import DeliveryStatus, EmailFrequency
from notifications.models import Notification, WebhookDelivery, WebhookSubscription
from notifications.recipients import recipients_of
from notifications.services.delivery import batches_per_subscription, chunks, delivery_refusal
from tracker.events import load_scopes
from tracker.models import Event

EMAILS_PER_TASK = 50  # a retried task (mail server down) resends only what is left


def dispatch(event_id: int) -> int:
    """Claim this event and up to DISPATCH_BATCH_SIZE - 1 others still waiting (oldest
    first), and fan them all out in one transaction. Returns how many were claimed; 0 when
    other workers got there first.

    Set-based: the queries do not grow with the batch, so the cost per event falls as a
    burst grows, where it counts (see docs/benchmarks.md). SKIP LOCKED keeps concurrent
    batches apart. People's e-mail and each subscription's deliveries leave as a few tasks."""
    with transaction.atomic():
        events = _claim(event_id, settings.DISPATCH_BATCH_SIZE)
        if not events:
            return 0
        email_ids = _notify_people(events)
        delivery_batches = _plan_deliveries(events)

        def hand_off():
            for ids in delivery_batches:
                tasks.deliver_webhooks.delay(ids)
            for ids in chunks(email_ids, EMAILS_PER_TASK):
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


def _title(event: Event, references: dict) -> str:
    """The stored (English) title: what happened and to which case or control — never an id."""
    p = event.payload
    subject = p.get("reference") or p.get("title") or references.get(str(p.get("case") or event.object_id), "")
    what = event.type.replace(".", " ").replace("_", " ").capitalize()
    return f"{what}: {subject}" if subject else what


def _sees_the_case(event: Event, user) -> bool:
    """Whether ``user`` sees the case the event is about, from the event's unit and agencies (the
    case's) and the memberships recipients_of() loaded: no query. A desk officer told of a referral,
    or a receiving coordinator of a transfer request, does not: their notification names no case,
    for a notification naming a case shows only to those who see it (selectors._still_visible)."""
    if user.is_superuser:
        return True
    if event.type == "case.transfer_requested":  # the event is the receiving unit's; the case is not, yet
        return False
    wide = unit_ids_for(user, UNIT_WIDE_ROLES)
    narrow = unit_ids_for(user, [UnitRole.CASE_OFFICER])
    takes_part = user.agency_id is not None and user.agency.code in event.agencies
    return event.unit_id in wide or (event.unit_id in narrow and takes_part)


def _notify_people(events: list[Event]) -> list[str]:
    """In-app notifications for everyone concerned. Returns the ids to e-mail now: recipients
    with an address who want e-mail immediately (the default). Mutes are checked on sending."""
    rows = []
    people = recipients_of(events)
    # The references of the cases the events name without one in their payload (one query).
    unnamed = {
        str(e.payload.get("case") or e.object_id)
        for e in events
        if not (e.payload.get("reference") or e.payload.get("title"))
        and (e.object_type == "cases.case" or e.payload.get("case"))
    }
    references = (
        {str(pk): ref for pk, ref in Case.objects.filter(pk__in=unnamed).values_list("pk", "reference")}
        if unnamed
        else {}
    )
    for event in events:
        case_id = event.object_id if event.object_type == "cases.case" else event.payload.get("case")
        title = _title(event, references)[:300]
        rows += [
            Notification(
                recipient=user,
                event=event,
                verb=event.type,
                title=title,
                case_id=case_id if case_id and _sees_the_case(event, user) else None,
            )
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
    """A delivery per (event, subscriber that wants it and may receive it: owner active, key
    live, the read scope of the event's kind, and sight of the event). Returns them in batches
    of one subscription each, for one task apiece. A subscription that is backing off gets its
    deliveries too; they wait for its drain (deliver() leaves them to it)."""
    subs = list(
        WebhookSubscription.objects.filter(is_active=True).select_related("owner", "owner__agency", "owner__api_key")
    )
    load_scopes([s.owner for s in subs])
    now = timezone.now()
    rows = [
        WebhookDelivery(subscription=sub, event=event, next_attempt_at=max(now, sub.backoff_until or now))
        for event in events
        for sub in subs
        if sub.wants(event.type) and delivery_refusal(sub.owner, event, now) is None
    ]
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    pending = WebhookDelivery.objects.filter(event__in=events, status=DeliveryStatus.PENDING).order_by("event_id")
    return batches_per_subscription(pending)


def events_sweep_undispatched(older_than: datetime.timedelta | None = None) -> int:
    """Hand to the broker every committed event that never reached it (e.g. Redis was down).
    One task per batch: each claims its event and the oldest others still waiting."""
    cutoff = timezone.now() - (older_than if older_than is not None else settings.OUTBOX_SWEEP_AFTER)
    ids = list(
        Event.objects.filter(dispatched_at__isnull=True, occurred_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:5000]
    )
    for event_id in ids[:: settings.DISPATCH_BATCH_SIZE]:
        tasks.dispatch_event.delay(event_id)
    return len(ids)
