"""``GET /api/v1/audit/``: the audit trail the caller may read (audit_trail.selectors),
filtered as the auditors' page filters it, a cursor page of JSON, or all of it as CSV
(``?format=csv`` or ``/audit/export.csv``, streamed, itself audited)."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation

from audit_trail.export import csv_response
from audit_trail.selectors import audit_search, audit_visible_to
from tracker.api.base import Pagination, TrackerViewSet
from tracker.api.fields import ModelSerializer
from tracker.filters import DateTimeFilter
from tracker.models import AuditEntry

FILTERS = ("person", "case", "subject", "since", "until", "action")


class AuditFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(method="search", help_text="Who acted: a username (exact) or part of a name")
    case = django_filters.CharFilter(
        method="search", help_text="A case's reference or id: its rows and those of what hangs off it"
    )
    subject = django_filters.CharFilter(
        method="search", help_text="An organisation or person: its id, or part of the name recorded"
    )
    since = DateTimeFilter(method="search", help_text="At or after this time (ISO 8601)")
    until = DateTimeFilter(method="search", help_text="Before this time (ISO 8601)")
    action = django_filters.CharFilter(
        method="search", help_text="An action or its start: `case.view`, `access.`, `export.`…"
    )

    class Meta:
        model = AuditEntry
        fields = []

    def search(self, queryset, name, value):
        return audit_search(queryset, **{name: value})


class AuditEntrySerializer(ModelSerializer):
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    actor_agency = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "actor_agency", "action", "object_type", "object_id", "object_repr", "ip",
                  "request_id", "client_request_id", "before", "after"]  # fmt: skip
        read_only_fields = fields


class AuditPagination(Pagination):
    ordering = "-at"


class CsvByQuery(DefaultContentNegotiation):
    """``?format=csv`` asks for CSV, which the view streams itself; errors stay problem+json."""

    def select_renderer(self, request, renderers, format_suffix=None):
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "csv":
            return renderers[0], renderers[0].media_type
        return super().select_renderer(request, renderers, format_suffix)


CSV_FORMAT = OpenApiParameter(
    "format", str, enum=["csv"], description="`csv`: every matching row as CSV (streamed), not a page of JSON"
)
CSV_RESPONSE = {(200, "text/csv"): OpenApiTypes.STR}


@extend_schema_view(
    list=extend_schema(
        summary="Search the audit trail",
        description="Newest first. A key needs `audit:read` and reads the rows about the cases it sees "
        "and their subjects; a person, those of the units they audit (a superuser, all).",
        parameters=[CSV_FORMAT],
        responses={(200, "application/json"): AuditEntrySerializer(many=True), **CSV_RESPONSE},
    ),
)
class AuditEntryViewSet(mixins.ListModelMixin, TrackerViewSet):
    required_scope = "audit:read"
    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditFilter
    pagination_class = AuditPagination
    content_negotiation_class = CsvByQuery

    def scoped_queryset(self, user):
        return audit_visible_to(user, key=self.request.auth if hasattr(self.request.auth, "scopes") else None)

    def list(self, request, *args, **kwargs):
        if request.query_params.get("format") == "csv":
            return self.export(request)
        return super().list(request, *args, **kwargs)

    @extend_schema(summary="Export the audit trail as CSV", filters=True, responses=CSV_RESPONSE)
    @action(detail=False, methods=["get"], url_path="export.csv", filter_backends=[DjangoFilterBackend])
    def export(self, request):
        entries = self.filter_queryset(self.get_queryset())
        filters = {name: request.query_params[name] for name in FILTERS if request.query_params.get(name)}
        return csv_response(request, entries, filters=filters, via="api")
