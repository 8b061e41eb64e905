from django.contrib import admin

from notifications import services
from notifications.models import (
    DeliveryAttempt,
    Notification,
    NotificationPreference,
    SentReminder,
    WebhookDelivery,
    WebhookSubscription,
)
from tracker.admin_base import service_action


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "status_code", "latency_ms", "response_bytes", "error")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event", "subscription", "status", "attempts", "next_attempt_at", "delivered_at", "dead_at")
    list_filter = ("status", "event__type", "subscription")
    search_fields = ("event__uuid", "subscription__url")
    list_select_related = ("event", "subscription")
    readonly_fields = (
        "subscription",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "dead_at",
        "cancelled_at",
        "cancel_reason",
        "window_started_at",
    )
    inlines = [AttemptInline]
    actions = [service_action("Redeliver", lambda actor, d: services.redeliver(actor=actor, delivery=d))]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "owner", "is_active", "disabled_reason", "backoff_until", "created_at")
    list_filter = ("is_active", "owner__agency")
    search_fields = ("url", "owner__username")
    list_select_related = ("owner", "owner__agency")
    readonly_fields = (
        "owner", "url", "event_types", "description", "is_active", "disabled_reason", "backoff_until", "failures",
    )  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "recipient", "verb", "created_at", "read_at", "emailed_at")
    list_filter = ("verb", ("read_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "recipient__username")
    list_select_related = ("recipient", "recipient__agency")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "email")
    list_filter = ("email",)
    search_fields = ("user__username",)
    list_select_related = ("user", "user__agency")


@admin.register(SentReminder)
class SentReminderAdmin(admin.ModelAdmin):
    list_display = ("key", "sent_at")
    search_fields = ("key",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
