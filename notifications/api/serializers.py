"""The notifications', webhook subscriptions' and deliveries' API shapes."""

from rest_framework import serializers

from notifications import webhooks
from notifications.choices import EmailFrequency
from notifications.models import DeliveryAttempt, Notification, WebhookDelivery, WebhookSubscription
from tracker.api.base import StrictSerializer
from tracker.api.fields import ModelSerializer


class NotificationSerializer(ModelSerializer):
    event = serializers.UUIDField(source="event.uuid", read_only=True)
    object = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "verb", "title", "event", "case", "object", "created_at", "read_at"]
        read_only_fields = fields

    def get_object(self, n) -> dict:
        return {"type": n.event.object_type, "id": n.event.object_id}


class PreferenceSerializer(StrictSerializer):
    email = serializers.ChoiceField(choices=EmailFrequency.choices, required=False)
    muted_cases = serializers.ListField(child=serializers.UUIDField(), required=False)


class AttemptSerializer(ModelSerializer):
    class Meta:
        model = DeliveryAttempt
        fields = ["number", "at", "status_code", "latency_ms", "response_bytes", "error"]


class DeliverySerializer(ModelSerializer):
    event = serializers.UUIDField(source="event.uuid", read_only=True)
    event_type = serializers.CharField(source="event.type", read_only=True)
    attempt_log = AttemptSerializer(many=True, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", "event_type", "status", "attempts", "next_attempt_at", "delivered_at", "dead_at",
                  "cancelled_at", "cancel_reason", "created_at", "attempt_log"]  # fmt: skip
        read_only_fields = fields


class SubscriptionSerializer(ModelSerializer):
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=webhooks.EVENT_TYPES))

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "event_types", "description", "is_active", "disabled_reason", "backoff_until",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(help_text="The signing secret (Standard Webhooks). Shown only in this response.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class SubscriptionInput(StrictSerializer):
    url = serializers.URLField(max_length=500)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=webhooks.EVENT_TYPES), required=False, default=list,
        help_text="Empty for every type your key may read (cases:read, controls:read, referrals:read)",
    )  # fmt: skip
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    is_active = serializers.BooleanField(required=False)
