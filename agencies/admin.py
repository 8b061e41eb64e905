from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from agencies import services
from agencies.models import Agency, ApiKey, NationalContactPoint, RegionalUnit, SanctionKind, UnitMembership, User
from tracker.admin_base import AuditedAdmin
from tracker.api.scopes import SCOPES
from tracker.exceptions import ApplicationError


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


class RemovesRolesThroughTheService:
    """A membership deleted in an inline is a role taken away: agencies.services ends the
    person's sessions and revokes their keys, and audits it."""

    def save_formset(self, request, form, formset, change):
        if formset.model is not UnitMembership:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        for membership in formset.deleted_objects:
            services.membership_remove(actor=request.user, membership=membership)
        for membership in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
            membership.save()


class MembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(RegionalUnit)
class RegionalUnitAdmin(RemovesRolesThroughTheService, AuditedAdmin):
    list_display = ("code", "name", "kind", "city", "is_active")
    list_filter = ("kind", "is_active", "agencies")
    search_fields = ("code", "name", "city", "region")
    filter_horizontal = ("agencies",)
    inlines = [MembershipInline]


class UserMembershipInline(admin.TabularInline):
    model = UnitMembership
    extra = 0


@admin.register(User)
class UserAdmin(RemovesRolesThroughTheService, AuditedAdmin, DjangoUserAdmin):
    list_display = ("username", "first_name", "last_name", "agency", "kind", "is_active", "is_staff")
    list_filter = ("agency", "kind", "is_active", "is_staff", "is_superuser", "memberships__unit", "memberships__role")
    search_fields = ("username", "first_name", "last_name", "email")
    list_select_related = ("agency",)
    fieldsets = DjangoUserAdmin.fieldsets + (("Agency", {"fields": ("agency", "kind", "language", "title")}),)
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (("Agency", {"fields": ("agency", "kind", "language")}),)
    inlines = [UserMembershipInline]
    actions = ["deactivate"]

    def save_model(self, request, obj, form, change):
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:  # unticking "active" is disabling the account
            services.user_deactivate(actor=request.user, user=obj)

    @admin.action(description="Disable the selected accounts (ends their sessions, revokes their keys)")
    def deactivate(self, request, queryset):
        for user in queryset:
            services.user_deactivate(actor=request.user, user=user)
        self.message_user(request, "Disabled.", messages.SUCCESS)


@admin.register(UnitMembership)
class UnitMembershipAdmin(AuditedAdmin):
    list_display = ("user", "unit", "role", "since")
    list_filter = ("unit", "role", "user__agency")
    search_fields = ("user__username", "user__first_name", "user__last_name", "unit__code")
    list_select_related = ("user", "user__agency", "unit")
    autocomplete_fields = ("user",)

    def delete_model(self, request, obj):
        services.membership_remove(actor=request.user, membership=obj)

    def delete_queryset(self, request, queryset):
        for membership in queryset.select_related("user", "unit"):
            services.membership_remove(actor=request.user, membership=membership)


@admin.register(NationalContactPoint)
class NationalContactPointAdmin(AuditedAdmin):
    list_display = ("code", "name", "hosting_agency", "intake_email", "is_active")
    list_filter = ("hosting_agency", "is_active")
    search_fields = ("code", "name")
    filter_horizontal = ("desk_officers",)


class ApiKeyForm(forms.ModelForm):
    agency = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True))
    units = forms.ModelMultipleChoiceField(queryset=RegionalUnit.objects.filter(is_active=True))
    scopes = forms.MultipleChoiceField(choices=sorted(SCOPES.items()), widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created here (the secret is shown once) and revoked by an action; never edited."""

    list_display = ("name", "prefix", "agency_code", "scopes", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("user__agency", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix")
    list_select_related = ("user", "user__agency")
    actions = ["revoke"]

    def agency_code(self, key):
        return key.user.agency.code

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return (
            []
            if obj is None
            else [
                "name",
                "prefix",
                "user",
                "scopes",
                "created_at",
                "created_by",
                "expires_at",
                "revoked_at",
                "last_used_at",
            ]
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "agency", "units", "scopes", "expires_at"]
        return self.get_readonly_fields(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            key, token = services.api_key_create(
                actor=request.user, name=form.cleaned_data["name"], agency=form.cleaned_data["agency"],
                units=list(form.cleaned_data["units"]), scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data.get("expires_at"),
            )  # fmt: skip
        except ApplicationError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            raise
        obj.pk = key.pk
        self.message_user(
            request, f"API key created. Copy it now, it will not be shown again: {token}", messages.WARNING
        )

    def save_related(self, request, form, formsets, change):
        pass  # units and scopes were saved by the service

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and obj is None

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            services.api_key_revoke(actor=request.user, key=key)
        self.message_user(request, "Revoked.", messages.SUCCESS)
