from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from cases import nace, services
from cases.choices import CaseStatus
from cases.models import (
    Attachment,
    Case,
    CaseReferenceCounter,
    CaseSubject,
    CaseTransfer,
    JournalEntry,
    Organisation,
    Person,
    Task,
    Tip,
)
from cases.selectors import (
    cases_visible_to,
    journal_visible_to,
    tasks_visible_to,
    tips_visible_to,
    transfers_visible_to,
)
from tracker.admin_base import ReadOnlyAdmin, service_action


class SectorSectionFilter(admin.SimpleListFilter):
    title = "sector (NACE section)"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        return nace.section_choices()

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        divisions = [code for code, _ in nace.class_choices() if nace.section_of(code) == self.value()]
        return queryset.filter(sector__in=divisions)


class SubjectInline(admin.TabularInline):
    model = CaseSubject
    extra = 0
    fields = ("role", "organisation", "person", "ilo_indicators", "note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(cases_visible_to)
    list_display = ("reference", "title", "unit", "lead_agency", "sector", "priority", "status", "received_on")
    list_filter = ("status", "unit", "lead_agency", "priority", "source", SectorSectionFilter, "received_on")
    search_fields = (
        "reference",
        "title",
        "subjects__organisation__name",
        "subjects__organisation__organisation_number",
        "subjects__person__name",
    )
    list_select_related = ("unit", "lead_agency")
    date_hierarchy = "received_on"
    inlines = [SubjectInline]
    actions = [
        service_action(
            "Start assessment",
            lambda actor, case: services.case_transition(actor=actor, case=case, to=CaseStatus.ASSESSMENT),
        ),
        service_action(
            "Activate", lambda actor, case: services.case_transition(actor=actor, case=case, to=CaseStatus.ACTIVE)
        ),
    ]


@admin.register(Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ("name", "organisation_number", "sector", "city", "country")
    list_filter = ("country", SectorSectionFilter)
    search_fields = ("name", "organisation_number")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "id_kind", "masked_id_number", "date_of_birth", "nationality")
    list_filter = ("id_kind", "nationality")
    # The whole number finds a person (exact match); part of one is a birth date, not a search.
    search_fields = ("name", "=id_number")
    # Masked here too: the admin is no way round the reveal (cases.reveal).
    exclude = ("id_number",)
    readonly_fields = ("masked_id_number",)

    @admin.display(description="identity number")
    def masked_id_number(self, obj):
        return obj.masked_id_number


@admin.register(CaseSubject)
class CaseSubjectAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(lambda user: CaseSubject.objects.filter(case__in=cases_visible_to(user).values("pk")))
    list_display = ("case", "role", "organisation", "person")
    list_filter = ("role", "case__unit")
    search_fields = ("case__reference", "organisation__name", "person__name")
    list_select_related = ("case", "organisation", "person")


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ("filename", "content_type", "size", "sha256", "uploaded_by", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(journal_visible_to)
    list_display = ("case", "created_at", "agency", "author", "kind", "visibility", "legal_basis")
    list_filter = ("kind", "visibility", "agency", "legal_basis", "case__unit")
    search_fields = ("case__reference", "body")
    list_select_related = ("case", "agency", "author", "author__agency")
    inlines = [AttachmentInline]


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(tasks_visible_to)
    list_display = ("title", "case", "assignee", "due_on", "status")
    list_filter = ("status", "due_on", "case__unit")
    search_fields = ("title", "case__reference")
    list_select_related = ("case", "assignee", "assignee__agency")


@admin.register(Tip)
class TipAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(tips_visible_to)
    list_display = ("received_at", "unit", "source", "status", "case")
    list_filter = ("status", "source", "unit")
    search_fields = ("description", "subjects_mentioned")
    list_select_related = ("unit", "case")


@admin.register(CaseTransfer)
class CaseTransferAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(transfers_visible_to)
    list_display = ("case", "from_unit", "to_unit", "status", "created_at")
    list_filter = ("status", "to_unit", "from_unit")
    search_fields = ("case__reference",)
    list_select_related = ("case", "from_unit", "to_unit")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    visible_to = staticmethod(lambda user: Attachment.objects.filter(entry__in=journal_visible_to(user).values("pk")))
    list_display = ("filename", "entry", "content_type", "size", "uploaded_by", "created_at")
    list_filter = ("content_type", "entry__agency")
    search_fields = ("filename", "sha256", "entry__case__reference")
    list_select_related = ("entry", "entry__case", "uploaded_by", "uploaded_by__agency")
    # Not the FileField: its link would point under MEDIA_URL, which serves nothing. Files leave
    # through the API's permission-checked download, as attachments with nosniff and a CSP.
    exclude = ("file",)
    readonly_fields = ("download",)

    @admin.display(description="file")
    def download(self, obj):
        url = reverse("api:case-attachment", args=[obj.entry.case_id, obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.filename)


@admin.register(CaseReferenceCounter)
class CaseReferenceCounterAdmin(ReadOnlyAdmin):
    list_display = ("unit", "year", "last_number")
    list_filter = ("year", "unit")
    search_fields = ("unit__code",)
    list_select_related = ("unit",)
