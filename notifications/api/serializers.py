"""The notifications' and webhook deliveries' API shapes."""

from rest_framework import serializers

from notifications.choices import EmailFrequency
from notifications.models import DeliveryAttempt, Notification, WebhookDelivery
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
