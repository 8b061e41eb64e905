import django_filters
from django.db.models import Exists, OuterRef

from controls.choices import ControlStatus
from controls.models import JointControl
from tracker.filters import DateTimeFilter


class ControlFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ControlStatus.choices)
    unit = django_filters.CharFilter(field_name="unit__code")
    agency = django_filters.CharFilter(method="filter_agency")
    starts_after = DateTimeFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = DateTimeFilter(field_name="starts_at", lookup_expr="lte")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gt")
    search = django_filters.CharFilter(field_name="title", lookup_expr="icontains")

    class Meta:
        model = JointControl
        fields = []

    def filter_agency(self, queryset, name, value):
        link = JointControl.agencies.through.objects.filter(jointcontrol_id=OuterRef("pk"), agency__code=value)
        return queryset.filter(Exists(link))
