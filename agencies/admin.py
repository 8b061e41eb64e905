from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from agencies.models import Agency, NationalContactPoint, RegionalUnit, SanctionKind, UnitMembership, User
from tracker.admin_base import AuditedAdmin


class SanctionKindInline(admin.TabularInline):
    model = SanctionKind
    extra = 0


@admin.register(Agency)
class AgencyAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "contact_email", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("code", "name", "name_nb")
    inlines = [SanctionKindInline]


@admin.register(SanctionKind)
class SanctionKindAdmin(AuditedAdmin):
    list_display = ("name", "agency", "code", "involves_amount", "is_active")
    list_filter = ("agency", "involves_amount", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("agency",)


class MembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(RegionalUnit)
class RegionalUnitAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "city", "is_active")
    list_filter = ("kind", "is_active", "agencies")
    search_fields = ("code", "name", "city", "region")
    filter_horizontal = ("agencies",)
    inlines = [MembershipInline]


class UserMembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "agency", "kind", "is_active", "is_staff")
    list_filter = ("agency", "kind", "is_active", "is_staff", "is_superuser", "memberships__unit", "memberships__role")
    search_fields = ("username", "first_name", "last_name", "email")
    list_select_related = ("agency",)
    fieldsets = DjangoUserAdmin.fieldsets + (("Agency", {"fields": ("agency", "kind", "language", "title")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (("Agency", {"fields": ("agency", "kind", "language")}),)
    inlines = [UserMembershipInline]


@admin.register(UnitMembership)
class UnitMembershipAdmin(AuditedAdmin):
    list_display = ("user", "unit", "role", "since")
    list_filter = ("unit", "role", "user__agency")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__code")
    list_select_related = ("user", "user__agency", "unit")
    autocomplete_fields = ("user",)


@admin.register(NationalContactPoint)
class NationalContactPointAdmin(AuditedAdmin):
    list_display = ("code", "name", "hosting_agency", "intake_email", "is_active")
    list_filter = ("hosting_agency", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("desk_officers",)
