import uuid

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q

from cases import choices as c
from cases.models import Case, CaseAssignment, CaseSubject, CaseTransfer, Organisation, Person, Tip
from cases.search import reference_match, words_match
from tracker.filters import DateTimeFilter
from tracker.validators import validate_filter_date


class OfficerOrMeField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value).strip()
        if value in ("", "me"):
            return value
        try:
            return uuid.UUID(value)
        except ValueError:
            raise forms.ValidationError("Give an officer's id, or `me`.", code="invalid") from None


class OfficerOrMeFilter(django_filters.CharFilter):
    field_class = OfficerOrMeField


class CaseFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=c.CaseStatus.choices)
    unit = django_filters.CharFilter(field_name="unit__code", help_text="Unit code, e.g. OSL")
    agency = django_filters.CharFilter(method="filter_agency", help_text="A participating agency's code")
    lead_agency = django_filters.CharFilter(field_name="lead_agency__code")
    sector = django_filters.CharFilter(help_text="NACE class, e.g. 41.20")
    offence = django_filters.ChoiceFilter(choices=c.OffenceCategory.choices, method="filter_offence")
    priority = django_filters.MultipleChoiceFilter(choices=c.Priority.choices)
    source = django_filters.ChoiceFilter(choices=c.CaseSource.choices)
    received_after = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", validators=[validate_filter_date]
    )
    received_before = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", validators=[validate_filter_date]
    )
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gt")
    assignee = OfficerOrMeFilter(
        method="filter_assignee", help_text="An assigned officer's id, or `me` for the cases you are on"
    )
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Words of the title or of a subject's name (each word's beginning, accents and case ignored), "
        "a reference or its end (`2026-00012`), or an organisation number",
    )

    class Meta:
        model = Case
        fields = []

    def filter_agency(self, queryset, name, value):
        link = Case.agencies.through.objects.filter(case_id=OuterRef("pk"), agency__code=value)
        return queryset.filter(Exists(link))

    def filter_assignee(self, queryset, name, value):
        officer = self.request.user.pk if value == "me" else value
        return queryset.filter(Exists(CaseAssignment.objects.filter(case_id=OuterRef("pk"), officer_id=officer)))

    def filter_offence(self, queryset, name, value):
        return queryset.filter(offences__contains=[value])

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # Word beginnings in the folded names, through their GIN indexes (cases.search), as the
        # header search does: `icontains` read every subject of the country for each search.
        organisations = Organisation.objects.filter(words_match(value))
        number = value.replace(" ", "")
        if number.isdigit():
            organisations = Organisation.objects.filter(words_match(value) | Q(organisation_number=number))
        persons = Person.objects.filter(words_match(value))
        return queryset.filter(
            words_match(value)
            | reference_match(value)
            | Q(pk__in=CaseSubject.objects.filter(organisation__in=organisations).values("case_id"))
            | Q(pk__in=CaseSubject.objects.filter(person__in=persons).values("case_id"))
        )


class TipFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=c.TipStatus.choices)
    unit = django_filters.CharFilter(field_name="unit__code", help_text="Unit code, e.g. OSL")
    source = django_filters.ChoiceFilter(choices=c.TipSource.choices)
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", validators=[validate_filter_date]
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", validators=[validate_filter_date]
    )
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = Tip
        fields = []


class TransferFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=c.TransferStatus.choices)
    case = django_filters.UUIDFilter(field_name="case_id")
    from_unit = django_filters.CharFilter(field_name="from_unit__code", help_text="The sending unit's code")
    to_unit = django_filters.CharFilter(field_name="to_unit__code", help_text="The receiving unit's code")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gt")

    class Meta:
        model = CaseTransfer
        fields = []
