from django.contrib import admin

from controls import services
from controls.choices import ControlStatus
from controls.models import ControlOfficer, ControlSite, Finding, JointControl
from controls.selectors import controls_visible_to
from tracker.admin_base import ReadOnlyAdmin, service_action


class SiteInline(admin.TabularInline):
    model = ControlSite
    extra = 0
    readonly_fields = ("name", "address", "latitude", "longitude")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OfficerInline(admin.TabularInline):
    model = ControlOfficer
    extra = 0
    readonly_fields = ("officer", "agency", "is_lead", "booked_by", "booked_at")
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    readonly_fields = ("agency", "sanction_kind", "amount_nok", "persons_count", "organisation", "recorded_by")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JointControl)
class JointControlAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(controls_visible_to)
    list_display = ("title", "unit", "starts_at", "ends_at", "status")
    list_filter = ("status", "unit", "agencies", "starts_at")
    search_fields = (
        "title",
        "sites__address",
        "target_organisations__name",
        "target_organisations__organisation_number",
    )
    list_select_related = ("unit",)
    date_hierarchy = "starts_at"
    inlines = [SiteInline, OfficerInline, FindingInline]
    actions = [
        service_action(
            "Confirm",
            lambda actor, control: services.control_transition(
                actor=actor, control=control, to=ControlStatus.CONFIRMED
            ),
        ),
    ]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(lambda user: Finding.objects.filter(control__in=controls_visible_to(user).values("pk")))
    list_display = ("control", "agency", "sanction_kind", "amount_nok", "persons_count", "recorded_at")
    list_filter = ("agency", "sanction_kind", "control__unit")
    search_fields = ("control__title", "organisation__name")
    list_select_related = ("control", "agency", "sanction_kind", "sanction_kind__agency")


@admin.register(ControlOfficer)
class ControlOfficerAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(
        lambda user: ControlOfficer.objects.filter(control__in=controls_visible_to(user).values("pk"))
    )
    list_display = ("officer", "control", "agency", "is_lead")
    list_filter = ("agency", "control__unit", "control__status")
    search_fields = ("officer__username", "officer__last_name", "control__title")
    list_select_related = ("officer", "officer__agency", "control", "agency")


@admin.register(ControlSite)
class ControlSiteAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(
        lambda user: ControlSite.objects.filter(control__in=controls_visible_to(user).values("pk"))
    )
    list_display = ("address", "name", "control", "latitude", "longitude")
    list_filter = ("control__unit", "control__status")
    search_fields = ("address", "name", "control__title")
    list_select_related = ("control",)
