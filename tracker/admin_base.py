"""Admin building blocks that keep the admin inside the domain rules.

Reference data (agencies, units, people) is edited in the admin, and each save or
delete writes an audit row in the admin's own transaction. Domain data (cases,
controls, referrals, …) is read-only here: it changes only through services, which
the admin reaches through actions.
"""

from django.contrib import admin, messages
from django.forms.models import model_to_dict

from agencies.selectors import unit_ids_for
from tracker import audit
from tracker.exceptions import ApplicationError


def _state(obj) -> dict:
    return audit._jsonable(model_to_dict(obj))


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        before = _state(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action=f"admin.{'change' if change else 'add'}",
            obj=obj,
            before=before,
            after=_state(obj),
        )

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
    """Viewable, filterable, searchable; changed only through service-calling actions.

    Access follows our permission layer, not Django's model permissions: a member of
    a unit sees what the selector ``visible_to`` gives them (anything else is 404);
    a model without a selector is for platform superusers only.
    """

    visible_to = None

    def _may_view(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or (self.visible_to is not None and bool(unit_ids_for(user))))

    def has_module_permission(self, request):
        return self._may_view(request)

    def has_view_permission(self, request, obj=None):
        return self._may_view(request)

    def get_queryset(self, request):
        if request.user.is_superuser:
            return super().get_queryset(request)
        # Keep the admin's ordering and joins, limited to the visible rows.
        visible = self.visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

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
