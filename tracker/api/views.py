"""The kernel's own endpoint: the change feed over the event outbox."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from tracker import events
from tracker.api import feed_reads
from tracker.api.base import TrackerViewSetMixin
from tracker.api.fields import DateTimeField, ModelSerializer
from tracker.db_routing import use_replica
from tracker.models import Event


class EventSerializer(ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    sequence = serializers.SerializerMethodField(help_text="Cursor of this event: pass it as ?after= to resume")
    time = DateTimeField(source="occurred_at")
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    object = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "sequence", "type", "time", "unit", "object", "payload"]

    def get_sequence(self, event) -> str:
        return events.encode_cursor(event)

    def get_object(self, event) -> dict:
        return {"type": event.object_type, "id": event.object_id}


class EventFeedView(TrackerViewSetMixin, GenericAPIView):
    required_scope = "events:read"
    pagination_class = None
    queryset = Event.objects.none()

    @extend_schema(
        summary="The change feed",
        description=(
            "Every create, update and transition you may see, in commit order. Keep the `next` cursor and pass it as "
            "`after` on the next call: nothing is missed and nothing comes twice, even after a day offline."
        ),
        parameters=[
            OpenApiParameter("after", str, description="The `next` cursor of your previous call (omit to start)"),
            OpenApiParameter("limit", int, description="At most this many events (1–500, default 100)"),
        ],
        responses={
            200: inline_serializer(
                name="EventPage",
                fields={
                    "events": EventSerializer(many=True),
                    "next": serializers.CharField(allow_null=True),
                    "has_more": serializers.BooleanField(),
                },
            ),
        },
    )
    def get(self, request):
        after = request.query_params.get("after") or None
        try:
            if after:
                events.decode_cursor(after)
        except ValueError:
            raise ValidationError({"after": ["Not a cursor from this feed."]}) from None
        raw_limit = request.query_params.get("limit", "100")
        if not (raw_limit.isascii() and raw_limit.isdigit() and 1 <= int(raw_limit) <= 500):
            raise ValidationError({"limit": ["Use a whole number from 1 to 500."]})
        limit = int(raw_limit)
        # Rows, not instances (tracker.api.feed_reads): EventSerializer describes them in the schema.
        with use_replica():  # a feed may lag; its horizon keeps it whole (tracker/db_routing.py)
            page = feed_reads.feed_rows(request.user, after=after, limit=limit + 1)
        has_more = len(page) > limit
        page = page[:limit]
        next_cursor = feed_reads.cursor_of(page[-1]) if page else after
        return Response({"events": feed_reads.represent(page), "next": next_cursor, "has_more": has_more})
