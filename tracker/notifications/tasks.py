"""Thin tasks: ids in, a service call, a retry policy. Every one is safe to run twice."""

from celery import shared_task
from django.db import OperationalError

from tracker.notifications import emails, reminders, services

RETRYABLE = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_jitter": True,
             "max_retries": 10}  # fmt: skip


@shared_task(name="notifications.dispatch_event", ignore_result=True, **RETRYABLE)
def dispatch_event(event_id: int) -> bool:
    return services.dispatch(event_id)


@shared_task(name="notifications.deliver_webhook", ignore_result=True, **RETRYABLE)
def deliver_webhook(delivery_id: str) -> None:
    delay = services.deliver(delivery_id)
    if delay is not None:
        deliver_webhook.apply_async((delivery_id,), countdown=delay)


@shared_task(name="notifications.email_notification", ignore_result=True, **RETRYABLE)
def email_notification(notification_id: str) -> bool:
    return emails.send_immediate(notification_id)


@shared_task(name="notifications.sweep_outbox", ignore_result=True)
def sweep_outbox() -> int:
    return services.sweep_undispatched()


@shared_task(name="notifications.retry_due_deliveries", ignore_result=True)
def retry_due_deliveries() -> int:
    return services.enqueue_due_deliveries()


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
