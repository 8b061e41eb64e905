from rest_framework import serializers

from agencies.models import Agency, NationalContactPoint, RegionalUnit, SanctionKind, User
from tracker.api.fields import ModelSerializer


class SanctionKindSerializer(ModelSerializer):
    class Meta:
        model = SanctionKind
        fields = ["code", "name", "involves_amount"]


class AgencySerializer(ModelSerializer):
    sanction_kinds = SanctionKindSerializer(many=True, read_only=True)

    class Meta:
        model = Agency
        fields = ["code", "name", "name_nb", "kind", "contact_email", "sanction_kinds"]


class UnitSerializer(ModelSerializer):
    agencies = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = RegionalUnit
        fields = ["code", "name", "kind", "region", "city", "agencies"]


class ContactPointSerializer(ModelSerializer):
    hosting_agency = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = NationalContactPoint
        fields = ["code", "name", "hosting_agency", "topics", "intake_email"]


class MemberSerializer(ModelSerializer):
    agency = serializers.SlugRelatedField(slug_field="code", read_only=True)
    roles = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "agency", "roles"]

    def get_roles(self, user) -> list[str]:
        return sorted({m.role for m in user.unit_memberships})
