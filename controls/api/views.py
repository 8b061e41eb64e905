from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from controls import services
from controls.api import serializers as s
from controls.filtersets import ControlFilter
from controls.models import ControlOfficer, JointControl
from controls.selectors import controls_visible_to
from tracker.api.base import ETagRetrieveMixin, OrderingFilter, Pagination, TrackerViewSet, expected_version
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
        return controls_visible_to(user).prefetch_related(
            "sites",
            "cases",
            "target_organisations",
            "target_persons",
            Prefetch("officers", queryset=ControlOfficer.objects.select_related("officer", "agency")),
        )

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

    @extend_schema(
        methods=["GET"],
        summary="Officers booked on the control",
        responses={200: s.ParticipantSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Book an officer of your agency (a coordinator: of any agency taking part)",
        request=s.BookingInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ParticipantSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def participants(self, request, pk=None):
        control = self.get_object()
        # HEAD too: it needs only the read scope, so it must never reach the write branch.
        if request.method in SAFE_METHODS:
            bookings = control.officers.select_related("officer", "agency")
            return self.paginated(bookings, s.ParticipantSerializer, ordering="booked_at")
        data = self.validated(s.BookingInput, request.data, unit=control.unit_id)
        booking = services.control_book_officer(actor=request.user, control=control, **data)
        return Response(s.ParticipantSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw a booked officer", request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"participants/(?P<officer_id>[^/]+)")
    def remove_participant(self, request, pk=None, officer_id=None):
        control = self.get_object()
        booking = get_object_or_404(control.officers.all(), officer_id=officer_id)
        services.control_unbook_officer(actor=request.user, booking=booking)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        methods=["GET"],
        summary="Findings recorded at the control",
        responses={200: s.FindingSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Record your agency's finding",
        request=s.FindingInput,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.FindingSerializer},
    )
    @action(detail=True, methods=["get", "post"])
    def findings(self, request, pk=None):
        control = self.get_object()
        if request.method in SAFE_METHODS:
            findings = control.findings.select_related("agency", "sanction_kind", "recorded_by")
            return self.paginated(findings, s.FindingSerializer, ordering="recorded_at")
        data = self.validated(s.FindingInput, request.data)
        finding = services.finding_record(actor=request.user, control=control, **data)
        return Response(s.FindingSerializer(finding).data, status=status.HTTP_201_CREATED)
