from django_filters import rest_framework as filters

from referrals.choices import ReferralStatus
from referrals.models import Referral
from tracker.filters import DateTimeFilter


class ReferralFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ReferralStatus.choices)
    contact_point = filters.CharFilter(field_name="contact_point__code")
    case = filters.UUIDFilter(field_name="case_id")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Referral
        fields = []
