from rest_framework import serializers

from tracker.api.fields import ModelSerializer
from tracker.models import AuditEntry


class AuditEntrySerializer(ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    actor_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "actor_agency", "action", "object_type", "object_id", "object_repr", "ip",
                  "request_id", "client_request_id", "before", "after"]  # fmt: skip
        read_only_fields = fields
