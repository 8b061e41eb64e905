from rest_framework import serializers

from agencies.models import NationalContactPoint
from cases.api.serializers import CodeField
from cases.choices import LegalBasis
from cases.models import Case, CaseSubject
from cases.selectors import cases_visible_to, subjects_visible_to
from referrals.choices import ReferralCategory
from referrals.models import Referral
from tracker.api.base import StrictSerializer
from tracker.api.fields import ModelSerializer, VisibleField


class ReferralSerializer(ModelSerializer):
    case = serializers.PrimaryKeyRelatedField(read_only=True)
    case_reference = serializers.CharField(source="case.reference", read_only=True)
    contact_point = CodeField(read_only=True)
    subjects = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id", "case", "case_reference", "contact_point", "category", "summary", "subjects", "legal_basis",
            "status", "sent_at", "acknowledgement_due_on", "acknowledged_at", "decided_at", "decline_reason",
            "closed_at", "outcome", "revoked_at", "revoke_reason", "version", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ReferralCreateSerializer(StrictSerializer):
    case = VisibleField(Case, cases_visible_to)
    contact_point = CodeField(queryset=NationalContactPoint.objects.filter(is_active=True))
    category = serializers.ChoiceField(choices=ReferralCategory.choices)
    summary = serializers.CharField()
    legal_basis = serializers.ChoiceField(choices=LegalBasis.choices)
    subjects = VisibleField(
        CaseSubject, subjects_visible_to, many=True, required=False, default=list,
        help_text="Ids of the case's subjects to share",
    )  # fmt: skip


class ReasonInput(StrictSerializer):
    reason = serializers.CharField()


class OutcomeInput(StrictSerializer):
    outcome = serializers.CharField()
