import uuid

from django.urls import reverse
from rest_framework import serializers

from agencies.models import Agency, RegionalUnit
from agencies.selectors import units_visible_to
from cases import choices as c
from cases.models import (
    Case,
    CaseAssignment,
    CaseSubject,
    CaseTransfer,
    JournalEntry,
    Organisation,
    Person,
    Task,
    Tip,
)
from cases.reveal import REASON_MAX_LENGTH, identity_numbers_in_full
from cases.selectors import cases_visible_to
from tracker.api.base import StrictSerializer
from tracker.api.fields import CountryCodeField, ModelSerializer, UnitMemberField, VisibleField
from tracker.validators import validate_birth_date, validate_planned_date, validate_received_date

_agency_codes = Agency.objects.filter(is_active=True)


class CodeField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)


class AgencyCodeField(CodeField):
    """An active agency by its code. The active agencies (a handful) are read once per request,
    not once per code: a case's lead and participants were three queries."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", _agency_codes)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        request = self.context.get("request")
        active = getattr(request, "_active_agencies", None)
        if active is None:
            active = {agency.code: agency for agency in self.get_queryset()}
            if request is not None:
                request._active_agencies = active
        if not isinstance(data, str):
            self.fail("invalid")
        if data not in active:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return active[data]


class CaseAssignmentSerializer(ModelSerializer):
    agency = CodeField(read_only=True)

    class Meta:
        model = CaseAssignment
        fields = ["officer", "agency", "assigned_by", "assigned_at"]
        read_only_fields = fields


class CaseAssignInput(StrictSerializer):
    officer = UnitMemberField(help_text="A member of the case's unit (see /units/{code}/members/)")


class CaseSerializer(ModelSerializer):
    unit = CodeField(read_only=True)
    lead_agency = CodeField(read_only=True)
    agencies = CodeField(many=True, read_only=True)
    assignees = CaseAssignmentSerializer(many=True, read_only=True, source="assignments")
    offences = serializers.ListField(child=serializers.ChoiceField(choices=c.OffenceCategory.choices))
    outcome = serializers.ChoiceField(choices=c.CaseOutcome.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id", "reference", "unit", "title", "summary", "lead_agency", "agencies", "assignees", "sector", "offences",
            "priority", "source", "received_on", "status", "outcome", "outcome_note", "closed_at", "version",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class UnitField(CodeField):
    """A unit code, limited to the units the caller serves (others are 'does not exist').

    The caller's units are read once per request (a bulk import names a unit up to 500 times)."""

    def get_queryset(self):
        return units_visible_to(self.context["request"].user)

    def to_internal_value(self, data):
        request = self.context.get("request")
        units = getattr(request, "_caller_units", None)
        if units is None:
            units = {unit.code: unit for unit in self.get_queryset()}
            if request is not None:
                request._caller_units = units
        if not isinstance(data, str):
            self.fail("invalid")
        if data not in units:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return units[data]


class CaseCreateSerializer(StrictSerializer):
    unit = UnitField(queryset=RegionalUnit.objects.none())  # resolved per request
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    lead_agency = AgencyCodeField()
    agencies = AgencyCodeField(many=True, required=False, default=list)
    sector = serializers.CharField(max_length=7, help_text="NACE Rev. 2 class, e.g. 41.20")
    offences = serializers.ListField(
        child=serializers.ChoiceField(choices=c.OffenceCategory.choices), required=False, default=list
    )
    priority = serializers.ChoiceField(choices=c.Priority.choices, default=c.Priority.NORMAL)
    source = serializers.ChoiceField(choices=c.CaseSource.choices)
    received_on = serializers.DateField(required=False, validators=[validate_received_date])


class CaseUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(allow_blank=True)
    lead_agency = AgencyCodeField(required=False, help_text="Lead agency officers and coordinators only")
    agencies = AgencyCodeField(
        many=True,
        help_text="Participating agencies; changed by lead agency officers and coordinators only",
    )
    sector = serializers.CharField(max_length=7)
    offences = serializers.ListField(child=serializers.ChoiceField(choices=c.OffenceCategory.choices))
    priority = serializers.ChoiceField(choices=c.Priority.choices)
    source = serializers.ChoiceField(choices=c.CaseSource.choices)
    received_on = serializers.DateField(validators=[validate_received_date])


class CaseTransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=c.CaseStatus.choices)
    outcome = serializers.ChoiceField(choices=c.CaseOutcome.choices, required=False, help_text="Required when closing")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OrganisationSerializer(ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The case it is recorded on")

    class Meta:
        model = Organisation
        fields = ["id", "case", "organisation_number", "name", "sector", "address", "postcode", "city", "country"]
        read_only_fields = fields


class PersonSerializer(ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True, help_text="The case it is recorded on")
    id_number = serializers.SerializerMethodField(
        help_text="The birth-date part only (`150186 *****`), in full for keys with the `identity:read` scope; "
        "anyone else asks for it with a reason (`POST /persons/{id}/reveal/`)"
    )

    class Meta:
        model = Person
        fields = ["id", "case", "id_number", "id_kind", "name", "date_of_birth", "nationality"]
        read_only_fields = fields

    def get_id_number(self, person) -> str | None:
        if not person.id_number:
            return None
        request = self.context.get("request")
        if request is None or not identity_numbers_in_full(request):
            return person.masked_id_number
        disclosed_in(request).add(person.pk)
        return person.id_number


def disclosed_in(request) -> set:
    """The persons whose whole number this response carries (audited once, by the view)."""
    if not hasattr(request, "identity_disclosed"):
        request.identity_disclosed = set()
    return request.identity_disclosed


class RevealInput(StrictSerializer):
    reason = serializers.CharField(
        max_length=REASON_MAX_LENGTH, help_text="Why you need the whole number (kept in the audit trail)"
    )


class RevealedNumberSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    id_kind = serializers.ChoiceField(choices=c.IdKind.choices)
    id_number = serializers.CharField()


class OrganisationInput(StrictSerializer):
    organisation_number = serializers.CharField(required=False, allow_null=True, allow_blank=True, default=None)
    name = serializers.CharField(max_length=200)
    sector = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    postcode = serializers.CharField(required=False, allow_blank=True, default="", max_length=10)
    city = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    country = CountryCodeField(required=False, default="NO")


class PersonInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    id_number = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, help_text="Identity, D- or H-number"
    )
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, default=None, validators=[validate_birth_date]
    )
    nationality = CountryCodeField(required=False, allow_blank=True, default="")


class CaseSubjectSerializer(ModelSerializer):
    organisation = OrganisationSerializer(read_only=True, allow_null=True)
    person = PersonSerializer(read_only=True, allow_null=True)
    ilo_indicators = serializers.ListField(child=serializers.ChoiceField(choices=c.IloIndicator.choices))

    class Meta:
        model = CaseSubject
        fields = ["id", "role", "organisation", "person", "ilo_indicators", "note", "created_at"]
        read_only_fields = fields


class CaseSubjectInput(StrictSerializer):
    role = serializers.ChoiceField(choices=c.SubjectRole.choices)
    organisation = OrganisationInput(required=False)
    person = PersonInput(required=False)
    ilo_indicators = serializers.ListField(
        child=serializers.ChoiceField(choices=c.IloIndicator.choices), required=False, default=list
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if ("organisation" in attrs) == ("person" in attrs):
            raise serializers.ValidationError("Give exactly one of organisation or person.")
        return attrs


class JournalEntrySerializer(ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    agency = CodeField(read_only=True)
    legal_basis = serializers.ChoiceField(choices=c.LegalBasis.choices, allow_blank=True, read_only=True)
    attachments = serializers.SerializerMethodField()

    class Meta:
        model = JournalEntry
        fields = [
            "id", "created_at", "author", "agency", "kind", "visibility", "legal_basis", "necessity_note", "body",
            "attachments",
        ]  # fmt: skip
        read_only_fields = fields

    def get_attachments(self, entry) -> list[dict]:
        return [
            {
                "id": str(a.pk),
                "url": reverse("api:case-attachment", args=[entry.case_id, a.pk]),
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in entry.attachments.all()
        ]


class JournalEntryInput(StrictSerializer):
    body = serializers.CharField()
    visibility = serializers.ChoiceField(choices=c.Visibility.choices, default=c.Visibility.AGENCY)
    legal_basis = serializers.ChoiceField(
        choices=c.LegalBasis.choices, required=False, help_text="Required when sharing with the unit"
    )
    necessity_note = serializers.CharField(required=False, allow_blank=True, default="")


class TaskSerializer(ModelSerializer):
    assignee = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = ["id", "title", "description", "assignee", "due_on", "status", "completed_at", "created_at"]
        read_only_fields = fields


class TaskInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    assignee = UnitMemberField(
        required=False, allow_null=True, default=None, help_text="A member of the case's unit who can see the case"
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None, validators=[validate_planned_date])


class TaskStatusInput(StrictSerializer):
    status = serializers.ChoiceField(choices=[c.TaskStatus.DONE, c.TaskStatus.CANCELLED])


# --- Tips and transfers ----------------------------------------------------------------


class TipSerializer(ModelSerializer):
    unit = CodeField(read_only=True)
    case = serializers.SerializerMethodField(help_text="The case it went into, when you can see that case")
    case_reference = serializers.SerializerMethodField()
    triaged_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Tip
        fields = [
            "id", "unit", "source", "received_at", "description", "subjects_mentioned", "reporter_contact", "status",
            "case", "case_reference", "dismissal_reason", "triaged_by", "triaged_at", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    # A tip merged into another agency's case names no case to those who may not see it
    # (``case_seen`` comes from selectors.tips_inbox).
    def get_case(self, tip) -> uuid.UUID | None:
        return tip.case_id if tip.case_seen else None

    def get_case_reference(self, tip) -> str | None:
        return tip.case.reference if tip.case_seen else None


class TipCreateSerializer(StrictSerializer):
    unit = UnitField(queryset=RegionalUnit.objects.none())
    source = serializers.ChoiceField(choices=c.TipSource.choices)
    description = serializers.CharField(help_text="What the tip says")
    received_at = serializers.DateTimeField(required=False, help_text="When it came in; now if not given")
    subjects_mentioned = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Names, organisation numbers, places as given"
    )
    reporter_contact = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class TipPromoteInput(CaseCreateSerializer):
    """The new case: its unit is the tip's, its source `tip`, received when the tip was; the
    summary is the tip's text unless given."""

    unit = None
    source = None
    received_on = None
    summary = serializers.CharField(required=False, allow_blank=True, help_text="The tip's text if not given")


class TipMergeInput(StrictSerializer):
    case = VisibleField(Case, cases_visible_to, help_text="A case of the tip's unit that you can see")


class TipDismissInput(StrictSerializer):
    reason = serializers.CharField()


class TransferSerializer(ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    from_unit = CodeField(read_only=True)
    to_unit = CodeField(read_only=True)
    requested_by = serializers.PrimaryKeyRelatedField(read_only=True)
    decided_by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = CaseTransfer
        fields = [
            "id", "case", "case_reference", "from_unit", "to_unit", "reason", "status", "requested_by", "decided_by",
            "decided_at", "decision_note", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class TransferCreateSerializer(StrictSerializer):
    case = VisibleField(Case, cases_visible_to)
    to_unit = CodeField(queryset=RegionalUnit.objects.filter(is_active=True), help_text="The receiving unit's code")
    reason = serializers.CharField()


class TransferAcceptInput(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class TransferDeclineInput(StrictSerializer):
    reason = serializers.CharField()
