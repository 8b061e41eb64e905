from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import services
from cases.api import reads
from cases.api import serializers as s
from cases.filtersets import CaseFilter
from cases.models import Case, Organisation, Person
from cases.reveal import IDENTITY_SCOPE, record_disclosure, reveal_identity_number
from cases.selectors import cases_visible_to, organisations_visible_to, persons_visible_to
from tracker.access_audit import record_search
from tracker.api.base import ETagRetrieveMixin, OrderingFilter, Pagination, TrackerViewSet, expected_version
from tracker.api.problems import error_pointers
from tracker.api.schema import IDEMPOTENCY_KEY, IF_MATCH


class ListPage(Pagination):
    """The subject registers (organisations, persons) read oldest first."""

    ordering = "created_at"


class BulkCasesInput(serializers.Serializer):
    cases = serializers.ListField(child=s.CaseCreateSerializer(), min_length=1, max_length=500)

    def to_internal_value(self, data):
        # Items are validated one by one in the view, to report every item's errors at once.
        if not isinstance(data, dict) or set(data) != {"cases"} or not isinstance(data["cases"], list):
            raise serializers.ValidationError({"cases": ['Send {"cases": [ … ]} with 1 to 500 cases.']})
        if not 1 <= len(data["cases"]) <= 500:
            raise serializers.ValidationError({"cases": [f"Send 1 to 500 cases, not {len(data['cases'])}."]})
        return {"cases": data["cases"]}


class BulkCasesOutput(serializers.Serializer):
    cases = s.CaseSerializer(many=True)


class DisclosingViewSet(TrackerViewSet):
    """A response that carried whole identity numbers (to a key with the identity scope) leaves one
    audit row naming the persons, whatever view it came from (lists included)."""

    def finalize_response(self, request, response, *args, **kwargs):
        persons = getattr(request, "identity_disclosed", None)
        if persons and 200 <= response.status_code < 300:
            record_disclosure(actor=request.user, persons=persons)
        return super().finalize_response(request, response, *args, **kwargs)


@extend_schema_view(
    list=extend_schema(summary="List cases", responses={200: s.CaseSerializer(many=True)}),
    retrieve=extend_schema(summary="Read a case", responses={200: s.CaseSerializer}),
)
class CaseViewSet(mixins.ListModelMixin, ETagRetrieveMixin, DisclosingViewSet):
    scope = "cases"
    serializer_class = s.CaseSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = CaseFilter
    ordering_fields = ["received_on", "created_at", "updated_at", "reference", "priority"]
    queryset = Case.objects.none()
    etag_actions = ("retrieve", "create", "update", "partial_update", "transition")
    read_audit_action = "case.view"

    def scoped_queryset(self, user):
        # Without the selector's prefetches: the list and detail are read as rows (cases.api.reads),
        # and every write's service reads what it needs under its lock (cases.services.lock_case).
        return cases_visible_to(user).prefetch_related(None)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(reads.case_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(reads.represent(page))

    def reread(self, case):
        return case  # what the service returns was written in this very transaction: it is current

    def representation(self, case) -> dict:
        return reads.represent([reads.row_of(case)])[0]

    @extend_schema(
        summary="Create a case",
        request=s.CaseCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.CaseSerializer},
    )
    def create(self, request):
        data = self.validated(s.CaseCreateSerializer, request.data)
        case = services.case_create(actor=request.user, **data)
        return self.respond(case, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Replace a case's editable fields",
        request=s.CaseUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: s.CaseSerializer},
    )
    def update(self, request, pk=None, partial=False):
        case = self.get_object()
        version = expected_version(request, case)
        data = self.validated(s.CaseUpdateSerializer, request.data, partial=partial)
        case = services.case_update(actor=request.user, case=case, expected_version=version, **data)
        return self.respond(case)

    @extend_schema(
        summary="Change some of a case's fields",
        request=s.CaseUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: s.CaseSerializer},
    )
    def partial_update(self, request, pk=None):
        return self.update(request, pk, partial=True)

    @extend_schema(
        summary="Move a case through its workflow",
        request=s.CaseTransitionSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={200: s.CaseSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        case = self.get_object()
        version = expected_version(request, case)
        data = self.validated(s.CaseTransitionSerializer, request.data)
        case = services.case_transition(actor=request.user, case=case, expected_version=version, **data)
        return self.respond(case)

    # --- bulk ---------------------------------------------------------------------

    @extend_schema(
        summary="Create up to 500 cases, all or nothing",
        request=BulkCasesInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: BulkCasesOutput},
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        envelope = self.validated(BulkCasesInput, request.data)
        # Each item is checked here, so that every item's errors are reported at once.
        # One serializer checks them all, as DRF's ListSerializer does with its child: a serializer
        # per item copied its fields 500 times, a third of the import's time.
        items, input_errors = [], {}
        checker = s.CaseCreateSerializer(context=self.get_serializer_context())
        for index, item in enumerate(envelope["cases"]):
            try:
                items.append(checker.run_validation(item))
            except serializers.ValidationError as exc:
                items.append(None)
                input_errors[index] = error_pointers(exc.detail, f"/cases/{index}")
        created = services.case_bulk_create(actor=request.user, cases=items, input_errors=input_errors)
        cases = self.get_queryset().filter(pk__in=[case.pk for case in created]).order_by("reference")
        return Response({"cases": reads.represent(reads.case_rows(cases))}, status=status.HTTP_201_CREATED)


class SubjectRegisterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, DisclosingViewSet):
    """Organisations or persons recorded on cases the caller can see (one row per case), with an
    exact number lookup."""

    scope = "cases"
    pagination_class = ListPage
    number_param: str  # query parameter and model field of the registry number
    selector = None
    read_audit_action = "subject.view"

    def scoped_queryset(self, user):
        qs = self.selector(user)
        number = self.request.query_params.get(self.number_param)
        if number:
            number = number.replace(" ", "")
            if self.action == "list":  # a lookup of one person or company by number
                record_search(self.request, action="subject.search", filters={self.number_param: number})
            qs = qs.filter(**{self.number_param: number})
        return qs

    def read_audit_detail(self, obj) -> dict:
        return {"read": self.action, "case": str(obj.case_id)}


@extend_schema_view(
    list=extend_schema(
        summary="List organisations on cases you can see",
        parameters=[OpenApiParameter("organisation_number", str, description="Exact lookup")],
    ),
)
class OrganisationViewSet(SubjectRegisterViewSet):
    serializer_class = s.OrganisationSerializer
    queryset = Organisation.objects.none()
    number_param = "organisation_number"
    selector = staticmethod(organisations_visible_to)


@extend_schema_view(
    list=extend_schema(
        summary="List persons on cases you can see",
        parameters=[OpenApiParameter("id_number", str, description="Exact lookup by the whole number")],
    ),
)
class PersonViewSet(SubjectRegisterViewSet):
    serializer_class = s.PersonSerializer
    queryset = Person.objects.none()
    number_param = "id_number"
    selector = staticmethod(persons_visible_to)

    def initialize_request(self, request, *args, **kwargs):
        request = super().initialize_request(request, *args, **kwargs)
        if self.action == "reveal":
            # Never replayed nor stored: each whole number seen has its own reason and audit row,
            # and the idempotency table keeps no copy of one.
            request._request.META.pop("HTTP_IDEMPOTENCY_KEY", None)
            request._request.__dict__.pop("headers", None)  # HttpRequest.headers is cached from META
        return request

    @extend_schema(
        summary="Show a person's whole identity number",
        description="Identity numbers are shown by their birth-date part only. Give the reason you need the "
        "whole number: it is answered in this response only and the reveal is recorded in the audit trail "
        "(`subject.reveal`, with the reason). A key needs the `identity:read` scope (which also gives it whole "
        "numbers everywhere).",
        request=s.RevealInput,
        responses={200: s.RevealedNumberSerializer},
    )
    @action(filter_backends=[], detail=True, methods=["post"], required_scope=IDENTITY_SCOPE)
    def reveal(self, request, pk=None):
        person = self.get_object()
        data = self.validated(s.RevealInput, request.data)
        number = reveal_identity_number(actor=request.user, person=person, reason=data["reason"], via="api")
        response = Response({"id": str(person.pk), "id_kind": person.id_kind, "id_number": number})
        response["Cache-Control"] = "no-store"
        return response
