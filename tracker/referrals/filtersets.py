from django_filters import rest_framework as filters

from tracker.filters import DateTimeFilter
from tracker.referrals.choices import ReferralStatus
from tracker.referrals.models import Referral


class ReferralFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ReferralStatus.choices)
    contact_point = filters.CharFilter(field_name="contact_point__code")
    case = filters.UUIDFilter(field_name="case_id")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Referral
        fields = []
