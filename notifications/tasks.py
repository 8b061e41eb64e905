"""Thin tasks: ids in, a service call, a retry policy. Every one is safe to run twice.

The services queue these tasks and these call the services: the two modules import each
other, so nothing here may read a service module's attribute at import time (annotations
stay strings)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from notifications import emails, reminders, services, wakeup

RETRYABLE = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_jitter": True,
             "max_retries": 10}  # fmt: skip


@shared_task(name="notifications.dispatch_event", ignore_result=True, **RETRYABLE)
def dispatch_event(event_id: int) -> int:
    wakeup.clear()  # before claiming: see wakeup.py
    claimed = services.dispatch(event_id)
    if claimed >= settings.DISPATCH_BATCH_SIZE:  # perhaps more waiting: another batch
        wakeup.request(event_id)
    return claimed


@shared_task(name="notifications.deliver_webhooks", ignore_result=True, **RETRYABLE)
def deliver_webhooks(delivery_ids: list[str]) -> None:
    _hand_on(services.deliver(delivery_ids))


@shared_task(name="notifications.resume_deliveries", ignore_result=True, **RETRYABLE)
def resume_deliveries(subscription_id: str) -> None:
    _hand_on(services.drain(subscription_id))


def _hand_on(outcome: services.Outcome) -> None:
    for ids in outcome.again:
        deliver_webhooks.delay(ids)
    for subscription_id, delay in outcome.resume.items():
        resume_deliveries.apply_async((subscription_id,), countdown=delay)


# A mail server that is down or refuses for a while (SMTPException is an OSError): try again.
# Each e-mail is marked sent in its own transaction, so a retry sends only what is left.
@shared_task(name="notifications.email_notifications", ignore_result=True,
             **{**RETRYABLE, "autoretry_for": (OperationalError, OSError)})  # fmt: skip
def email_notifications(notification_ids: list[str]) -> int:
    return sum(emails.send_immediate(pk) for pk in notification_ids)


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    return services.events_sweep_undispatched()


@shared_task(name="notifications.retry_due_deliveries", ignore_result=True)
def retry_due_deliveries() -> int:
    return services.deliveries_enqueue_due()


@shared_task(name="notifications.control_reminders", ignore_result=True)
def control_reminders() -> int:
    return reminders.control_reminders()


@shared_task(name="notifications.escalate_overdue_referrals", ignore_result=True)
def escalate_overdue_referrals() -> int:
    return reminders.escalate_overdue_referrals()


@shared_task(name="notifications.tasks_due_tomorrow", ignore_result=True)
def tasks_due_tomorrow() -> int:
    return reminders.tasks_due_tomorrow()


@shared_task(name="notifications.daily_digest", ignore_result=True)
def daily_digest() -> int:
    return emails.send_digests()
