"""Admin building blocks that keep the admin inside the domain rules.

Reference data (agencies, units, people) is edited in the admin, and each save or
delete writes an audit row in the admin's own transaction. Domain data (cases,
controls, referrals, …) is read-only here: it changes only through services, which
the admin reaches through actions.
"""

from django.contrib import admin, messages
from django.forms.models import model_to_dict

from tracker import audit
from tracker.exceptions import ApplicationError


def _state(obj) -> dict:
    return audit._jsonable(model_to_dict(obj))


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = _state(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(actor=request.user, action=f"admin.{'change' if change else 'add'}", obj=obj,
                     before=before, after=_state(obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        audit.record(actor=request.user, action="admin.change_related", obj=obj, after=_state(obj))

    def delete_model(self, request, obj):
        audit.record(actor=request.user, action="admin.delete", obj=obj, before=_state(obj))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            audit.record(actor=request.user, action="admin.delete", obj=obj, before=_state(obj))
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, filterable, searchable; changed only through service-calling actions."""

    # Selector that scopes the queryset to what the user may see.
    visible_to = None

    def get_queryset(self, request):
        if self.visible_to is not None and not request.user.is_superuser:
            return self.visible_to(request.user)
        return super().get_queryset(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def service_action(description: str, call):
    """An admin action applying ``call(actor, obj)`` to each selected object, reporting each refusal."""

    def action(modeladmin, request, queryset):
        done = 0
        for obj in queryset:
            try:
                call(request.user, obj)
                done += 1
            except ApplicationError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, f"{description}: {done} done.", messages.SUCCESS)

    action.short_description = description
    action.__name__ = "action_" + "".join(ch if ch.isalnum() else "_" for ch in description.lower())
    return action
