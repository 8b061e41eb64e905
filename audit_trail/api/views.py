"""``GET /api/v1/audit/``: the audit trail the caller may read (audit_trail.selectors),
filtered as the auditors' page filters it, a cursor page of JSON, or all of it as CSV
(``?format=csv`` or ``/audit/export.csv``, streamed, itself audited)."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.negotiation import DefaultContentNegotiation

from audit_trail.api.serializers import AuditEntrySerializer
from audit_trail.export import csv_response
from audit_trail.filtersets import FILTERS, AuditFilter
from audit_trail.selectors import audit_visible_to
from tracker.api.base import Pagination, TrackerViewSet
from tracker.models import AuditEntry


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
