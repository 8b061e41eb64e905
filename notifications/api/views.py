"""Your notifications and preferences; your webhook subscriptions and their deliveries. Thin: reads scoped
to the user, writes through notifications.services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from notifications import services, webhooks
from notifications.api.serializers import (
    DeliverySerializer,
    NotificationSerializer,
    PreferenceSerializer,
    SubscriptionCreatedSerializer,
    SubscriptionInput,
    SubscriptionSerializer,
)
from notifications.models import Notification, WebhookDelivery, WebhookSubscription
from notifications.selectors import preference_for
from notifications.services import inbox
from tracker.api.base import Pagination, TrackerViewSet
from tracker.api.schema import IDEMPOTENCY_KEY


@extend_schema_view(
    list=extend_schema(
        summary="Your notifications, newest first",
        parameters=[OpenApiParameter("unread", bool, description="Only unread ones")],
    )
)
class NotificationViewSet(mixins.ListModelMixin, TrackerViewSet):
    scope = "notifications"
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()

    def scoped_queryset(self, user):
        qs = Notification.objects.filter(recipient=user).select_related("event")
        if self.request.query_params.get("unread") in ("true", "1"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(summary="Mark one notification read", request=None, responses={200: NotificationSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        n = inbox.notification_mark_read(user=request.user, notification=self.get_object())
        return Response(NotificationSerializer(n).data)

    @extend_schema(
        summary="Mark all your notifications read",
        request=None,
        responses={200: inline_serializer("MarkedRead", {"marked_read": serializers.IntegerField()})},
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked_read": inbox.notifications_mark_all_read(user=request.user)})

    @extend_schema(
        methods=["GET"], summary="Your e-mail preference and muted cases", responses={200: PreferenceSerializer}
    )
    @extend_schema(
        methods=["PATCH"],
        summary="Change your e-mail preference or muted cases",
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer},
    )
    @action(detail=False, methods=["get", "patch"])
    def preferences(self, request):
        preference = preference_for(request.user)
        if request.method == "PATCH":
            data = PreferenceSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            preference = inbox.notification_preferences_update(user=request.user, **data.validated_data)
        muted = preference.muted_cases.values_list("pk", flat=True) if preference.pk else []
        return Response({"email": preference.email, "muted_cases": [str(pk) for pk in muted]})


@extend_schema(tags=["webhooks"])
class SubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, TrackerViewSet):
    scope = "webhooks"
    serializer_class = SubscriptionSerializer

    queryset = WebhookSubscription.objects.none()

    def scoped_queryset(self, user):
        return WebhookSubscription.objects.filter(owner=user)

    @extend_schema(
        request=SubscriptionInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: SubscriptionCreatedSerializer},
    )
    def create(self, request):
        serializer = SubscriptionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        sub, secret = webhooks.subscription_create(actor=request.user, **data)
        body = SubscriptionSerializer(sub).data | {"secret": secret}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": f"/api/v1/webhooks/{sub.pk}/"})

    @extend_schema(request=SubscriptionInput, responses={200: SubscriptionSerializer})
    def partial_update(self, request, pk=None):
        sub = self.get_object()
        serializer = SubscriptionInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        sub = webhooks.subscription_update(actor=request.user, subscription=sub, **serializer.validated_data)
        return Response(SubscriptionSerializer(sub).data)

    def perform_destroy(self, instance):
        webhooks.subscription_delete(actor=self.request.user, subscription=instance)


class DeliveryPage(Pagination):
    ordering = "-created_at"


class DeliveryViewSet(mixins.ListModelMixin, TrackerViewSet):
    """A subscription's deliveries with every attempt; redeliver on demand."""

    scope = "webhooks"
    serializer_class = DeliverySerializer
    pagination_class = DeliveryPage
    queryset = WebhookDelivery.objects.none()

    def _subscription(self):
        owned = WebhookSubscription.objects.filter(owner=self.request.user)
        return get_object_or_404(owned, pk=self.kwargs["subscription_pk"])

    def scoped_queryset(self, user):
        return self._subscription().deliveries.select_related("event").prefetch_related("attempt_log")

    @extend_schema(summary="Send a delivery again", request=None, responses={202: DeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, subscription_pk=None, pk=None):
        delivery = get_object_or_404(self._subscription().deliveries.all(), pk=pk)
        delivery = services.redeliver(actor=request.user, delivery=delivery)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
