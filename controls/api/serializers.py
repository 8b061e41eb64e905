from rest_framework import serializers

from agencies.models import Agency, RegionalUnit, SanctionKind
from cases.api.serializers import CodeField, UnitField
from cases.models import Case, Organisation, Person
from cases.selectors import cases_visible_to, organisations_visible_to, persons_visible_to
from controls.choices import ControlStatus
from controls.models import MAX_PERSONS_COUNT, ControlOfficer, ControlSite, Finding, JointControl
from tracker.api.base import StrictSerializer
from tracker.api.fields import ModelSerializer, UnitMemberField, VisibleField
from tracker.validators import validate_planned_date

_agencies = Agency.objects.filter(is_active=True)


class SiteSerializer(ModelSerializer):
    class Meta:
        model = ControlSite
        fields = ["id", "name", "address", "latitude", "longitude"]
        read_only_fields = ["id"]


class SiteInput(StrictSerializer):
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    address = serializers.CharField(max_length=300)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=6, required=False, allow_null=True, default=None)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)


class ParticipantSerializer(ModelSerializer):
    officer = serializers.PrimaryKeyRelatedField(read_only=True)
    username = serializers.CharField(source="officer.username", read_only=True)
    agency = CodeField(read_only=True)

    class Meta:
        model = ControlOfficer
        fields = ["officer", "username", "agency", "is_lead", "booked_at"]
        read_only_fields = fields


class ControlSerializer(ModelSerializer):
    unit = CodeField(read_only=True)
    agencies = CodeField(many=True, read_only=True)
    sites = SiteSerializer(many=True, read_only=True)
    participants = ParticipantSerializer(source="officers", many=True, read_only=True)
    cases = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    target_organisations = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    target_persons = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = JointControl
        fields = [
            "id", "unit", "title", "briefing", "starts_at", "ends_at", "status", "cancellation_reason", "agencies",
            "sites", "participants", "cases", "target_organisations", "target_persons", "version", "created_at",
            "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ControlCreateSerializer(StrictSerializer):
    unit = UnitField(queryset=RegionalUnit.objects.none())
    title = serializers.CharField(max_length=200)
    briefing = serializers.CharField(required=False, allow_blank=True, default="")
    starts_at = serializers.DateTimeField(validators=[validate_planned_date])
    ends_at = serializers.DateTimeField(validators=[validate_planned_date])
    agencies = CodeField(queryset=_agencies, many=True)
    sites = SiteInput(many=True, required=False, default=list)
    cases = VisibleField(Case, cases_visible_to, many=True, required=False, default=list)
    target_organisations = VisibleField(
        Organisation, organisations_visible_to, many=True, required=False, default=list,
        help_text="Organisations recorded on cases of the unit you can see",
    )  # fmt: skip
    target_persons = VisibleField(
        Person, persons_visible_to, many=True, required=False, default=list,
        help_text="Persons recorded on cases of the unit you can see",
    )  # fmt: skip


class ControlUpdateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=200)
    briefing = serializers.CharField(allow_blank=True)
    starts_at = serializers.DateTimeField(validators=[validate_planned_date])
    ends_at = serializers.DateTimeField(validators=[validate_planned_date])


class ControlTransitionSerializer(StrictSerializer):
    to = serializers.ChoiceField(choices=ControlStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BookingInput(StrictSerializer):
    officer = UnitMemberField(help_text="An officer of your agency serving in the control's unit")
    is_lead = serializers.BooleanField(required=False, default=False)


class FindingSerializer(ModelSerializer):
    agency = CodeField(read_only=True)
    sanction_kind = serializers.SlugRelatedField(slug_field="code", read_only=True)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id", "agency", "sanction_kind", "amount_nok", "persons_count", "organisation", "person", "note",
            "recorded_by", "recorded_at",
        ]  # fmt: skip
        read_only_fields = fields


class FindingInput(StrictSerializer):
    sanction_kind = serializers.CharField(help_text="Code of one of your agency's sanction kinds (see /agencies/)")
    amount_nok = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    persons_count = serializers.IntegerField(min_value=0, max_value=MAX_PERSONS_COUNT, required=False, default=0)
    organisation = VisibleField(Organisation, organisations_visible_to, required=False, allow_null=True, default=None)
    person = VisibleField(Person, persons_visible_to, required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_sanction_kind(self, value):
        agency_id = self.context["request"].user.agency_id
        kind = SanctionKind.objects.filter(agency_id=agency_id, code=value, is_active=True).first()
        if kind is None:
            raise serializers.ValidationError(f"Your agency has no sanction kind '{value}'.")
        return kind
