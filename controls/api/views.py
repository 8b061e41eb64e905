from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from controls import services
from controls.api import reads
from controls.api import serializers as s
from controls.filtersets import ControlFilter
from controls.models import ControlOfficer, Finding, JointControl
from controls.selectors import controls_visible_to
from tracker.api.base import (
    ETagRetrieveMixin,
    NestedViewSet,
    OrderingFilter,
    Pagination,
    TrackerViewSet,
    expected_version,
)
from tracker.api.schema import IDEMPOTENCY_KEY, IF_MATCH


class ControlPage(Pagination):
    ordering = "-starts_at"


@extend_schema_view(
    list=extend_schema(summary="List joint controls", responses={200: s.ControlSerializer(many=True)}),
    retrieve=extend_schema(summary="Read a joint control", responses={200: s.ControlSerializer}),
)
class ControlViewSet(mixins.ListModelMixin, ETagRetrieveMixin, TrackerViewSet):
    scope = "controls"
    serializer_class = s.ControlSerializer
    pagination_class = ControlPage
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = ControlFilter
    ordering_fields = ["starts_at", "created_at", "updated_at"]

    queryset = JointControl.objects.none()
    etag_actions = ("retrieve", "create", "update", "partial_update", "transition")

    def scoped_queryset(self, user):
        # Without prefetches: the list and detail are read as rows (controls.api.reads),
        # which query each relation once for the whole page.
        return controls_visible_to(user).prefetch_related(None)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(reads.control_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(reads.represent(page))

    def representation(self, control) -> dict:
        return reads.represent([reads.row_of(control)])[0]

    @extend_schema(
        summary="Plan a joint control",
        request=s.ControlCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ControlSerializer},
    )
    def create(self, request):
        data = self.validated(s.ControlCreateSerializer, request.data)
        data["sites"] = [dict(site) for site in data["sites"]]
        control = services.control_plan(actor=request.user, **data)
        return self.respond(control, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a control's title, briefing or time window",
        request=s.ControlUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ControlSerializer},
    )
    def partial_update(self, request, pk=None):
        control = self.get_object()
        version = expected_version(request, control)
        data = self.validated(s.ControlUpdateSerializer, request.data, partial=True)
        control = services.control_update(actor=request.user, control=control, expected_version=version, **data)
        return self.respond(control)

    @extend_schema(
        summary="Replace a control's title, briefing and time window",
        request=s.ControlUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: s.ControlSerializer},
    )
    def update(self, request, pk=None):
        control = self.get_object()
        version = expected_version(request, control)
        data = self.validated(s.ControlUpdateSerializer, request.data)
        control = services.control_update(actor=request.user, control=control, expected_version=version, **data)
        return self.respond(control)

    @extend_schema(
        summary="Move a control through its workflow",
        request=s.ControlTransitionSerializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={200: s.ControlSerializer},
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        control = self.get_object()
        version = expected_version(request, control)
        data = self.validated(s.ControlTransitionSerializer, request.data)
        control = services.control_transition(actor=request.user, control=control, expected_version=version, **data)
        return self.respond(control)


class ControlNestedViewSet(NestedViewSet):
    """Under a control the caller may see."""

    scope = "controls"
    parent_model = JointControl
    parent_serializer_class = s.ControlSerializer

    def parent_queryset(self, user):
        # Without ControlViewSet's prefetches: a nested list shows none of them, and the services
        # read the control again under their lock.
        return controls_visible_to(user).prefetch_related(None)


class ControlParticipantViewSet(ControlNestedViewSet):
    serializer_class = s.ParticipantSerializer
    queryset = ControlOfficer.objects.none()
    lookup_field = lookup_url_kwarg = "officer_id"

    def scoped_queryset(self, user):
        return self.parent.officers.select_related("officer", "agency")

    @extend_schema(summary="Officers booked on the control", responses={200: s.ParticipantSerializer(many=True)})
    def list(self, request, pk=None):
        return self.paginated(self.get_queryset(), s.ParticipantSerializer, ordering="booked_at")

    @extend_schema(
        summary="Book an officer of your agency (a coordinator: of any agency taking part)",
        request=s.BookingInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ParticipantSerializer},
    )
    def create(self, request, pk=None):
        control = self.parent
        data = self.validated(s.BookingInput, request.data, unit=control.unit_id)
        booking = services.control_book_officer(actor=request.user, control=control, **data)
        return Response(s.ParticipantSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a booked officer", request=None, responses={204: None})
    def destroy(self, request, pk=None, officer_id=None):
        services.control_unbook_officer(actor=request.user, booking=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ControlFindingViewSet(ControlNestedViewSet):
    serializer_class = s.FindingSerializer
    queryset = Finding.objects.none()

    def scoped_queryset(self, user):
        return self.parent.findings.select_related("agency", "sanction_kind", "recorded_by")

    @extend_schema(summary="Findings recorded at the control", responses={200: s.FindingSerializer(many=True)})
    def list(self, request, pk=None):
        return self.paginated(self.get_queryset(), s.FindingSerializer, ordering="recorded_at")

    @extend_schema(
        summary="Record your agency's finding",
        request=s.FindingInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.FindingSerializer},
    )
    def create(self, request, pk=None):
        control = self.parent  # found (or a 404) before the input is read
        data = self.validated(s.FindingInput, request.data)
        finding = services.finding_record(actor=request.user, control=control, **data)
        return Response(s.FindingSerializer(finding).data, status=status.HTTP_201_CREATED)
