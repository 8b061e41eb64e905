from django.contrib import admin

from tracker.models import AuditEntry, Event


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "object_repr", "actor", "actor_agency", "request_id")
    list_filter = ("action", "object_type", "actor_agency", ("at", admin.DateFieldListFilter))
    search_fields = ("object_id", "object_repr", "request_id", "client_request_id", "actor__username")
    list_select_related = ("actor", "actor_agency")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("id", "type", "object_type", "object_id", "unit", "occurred_at", "dispatched_at")
    list_filter = ("type", "object_type", "unit", ("dispatched_at", admin.EmptyFieldListFilter))
    search_fields = ("object_id", "uuid")
    list_select_related = ("unit",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
