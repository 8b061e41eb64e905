from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from notifications.choices import DeliveryStatus, EmailFrequency
from tracker.models import TimeStampedModel, UUIDModel


class Notification(UUIDModel):
    """An in-app notification: one event, one person. Unique per (recipient, event): a
    redelivered event never notifies twice."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    # No database constraint: the outbox is partitioned by month (tracker/partitions.py).
    event = models.ForeignKey(
        "tracker.Event", on_delete=models.CASCADE, related_name="notifications", db_constraint=False
    )
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=64)
    title = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["recipient", "event"], name="notification_once_per_event")]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.CharField(max_length=16, choices=EmailFrequency.choices, default=EmailFrequency.IMMEDIATE)
    muted_cases = models.ManyToManyField("cases.Case", blank=True, related_name="+")

    def __str__(self) -> str:
        return f"{self.user}: {self.email}"


class WebhookSubscription(UUIDModel, TimeStampedModel):
    """An agency system's request to be told of events, signed per Standard Webhooks."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_subscriptions")
    url = models.URLField(max_length=500)
    event_types = ArrayField(models.CharField(max_length=64), default=list, blank=True, help_text="Empty: all types")
    secret_encrypted = models.TextField(editable=False)
    description = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Set by a failed delivery: until then nothing is sent to this subscription, and new
    # deliveries join the wait. Once it passes, one task drains the waiting deliveries in
    # event order (the first is the probe) and clears it when none is left.
    backoff_until = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0, help_text="Failed attempts in a row: the backoff step.")

    class Meta:
        # The table kept its name from when the model lived in the kernel (tracker).
        db_table = "tracker_webhooksubscription"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class WebhookDelivery(UUIDModel, TimeStampedModel):
    """One event for one subscription. Unique per pair: the same event is never sent to the
    same subscription as two deliveries (receivers also dedupe on ``webhook-id``)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    # No database constraint: the outbox is partitioned by month (tracker/partitions.py).
    event = models.ForeignKey("tracker.Event", on_delete=models.CASCADE, related_name="deliveries", db_constraint=False)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Retries stop (dead letter) once this is WEBHOOK_RETRY_WINDOW old; redelivery restarts it.
    window_started_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="delivery_once_per_subscription")]
        indexes = [
            models.Index(
                fields=["status", "next_attempt_at"], condition=Q(status="pending"), name="delivery_pending_due"
            )
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField()
    # How much the receiver answered, counted up to 64 KiB; never what: a
    # receiver's reply is none of the subscriber's business (it may be an internal page).
    response_bytes = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["delivery", "number"]

    def __str__(self) -> str:
        return f"#{self.number} {self.status_code or self.error}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class SentReminder(models.Model):
    """A reminder that has gone out (e.g. ``control:<id>:48h``), so beat never repeats it."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
