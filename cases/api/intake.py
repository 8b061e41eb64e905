"""Tips and transfers: a unit's intake (tips from agency systems, triaged into cases) and cases
moving between units. Neither carries a version: each step is allowed once, from its first
state, and a second attempt is a 409, so no If-Match is asked."""

from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from cases import services
from cases.api import serializers as s
from cases.filtersets import TipFilter, TransferFilter
from cases.models import CaseTransfer, Tip
from cases.selectors import tips_inbox, transfers_visible_to
from tracker.api.base import OrderingFilter, Pagination, TrackerViewSet
from tracker.api.schema import IDEMPOTENCY_KEY


class TipPage(Pagination):
    ordering = "-received_at"


class IntakeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    scope = "cases"

    def respond(self, obj, code=200):
        """The object as the caller sees it now (and where, when created)."""
        obj = self.get_queryset().get(pk=obj.pk)
        response = Response(self.get_serializer_class()(obj).data, status=code)
        if code == status.HTTP_201_CREATED:
            response["Location"] = reverse(f"api:{self.basename}-detail", args=[obj.pk])
        return response


def _step(summary, request_serializer, response_serializer, description=""):
    return extend_schema(
        summary=summary,
        description=description,
        request=request_serializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={200: response_serializer},
    )


@extend_schema_view(
    list=extend_schema(summary="List your units' tips", responses={200: s.TipSerializer(many=True)}),
    retrieve=extend_schema(summary="Read a tip", responses={200: s.TipSerializer}),
)
class TipViewSet(IntakeViewSet):
    serializer_class = s.TipSerializer
    pagination_class = TipPage
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = TipFilter
    ordering_fields = ["received_at", "created_at", "updated_at"]
    queryset = Tip.objects.none()

    def scoped_queryset(self, user):
        return tips_inbox(user)

    @extend_schema(
        summary="Take in a tip",
        description="Into the intake of one of your units, for its case officers to triage.",
        request=s.TipCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.TipSerializer},
    )
    def create(self, request):
        data = self.validated(s.TipCreateSerializer, request.data)
        tip = services.tip_create(actor=request.user, **data)
        return self.respond(tip, status.HTTP_201_CREATED)

    @_step(
        "Open a new case from a tip",
        s.TipPromoteInput,
        s.TipSerializer,
        "The case is registered in the tip's unit with source `tip`, received the day the tip was; its summary "
        "is the tip's text unless you give one. The tip's `case` names the new case.",
    )
    @action(filter_backends=[], detail=True, methods=["post"])
    def promote(self, request, pk=None):
        tip = self.get_object()
        data = self.validated(s.TipPromoteInput, request.data)
        services.tip_promote(actor=request.user, tip=tip, **data)
        return self.respond(tip)

    @_step("Merge a tip into an existing case of its unit", s.TipMergeInput, s.TipSerializer)
    @action(filter_backends=[], detail=True, methods=["post"])
    def merge(self, request, pk=None):
        tip = self.get_object()
        data = self.validated(s.TipMergeInput, request.data)
        services.tip_merge(actor=request.user, tip=tip, case=data["case"])
        return self.respond(tip)

    @_step("Dismiss a tip, with the reason", s.TipDismissInput, s.TipSerializer)
    @action(filter_backends=[], detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        tip = self.get_object()
        data = self.validated(s.TipDismissInput, request.data)
        services.tip_dismiss(actor=request.user, tip=tip, reason=data["reason"])
        return self.respond(tip)


@extend_schema_view(
    list=extend_schema(
        summary="List transfers of your cases and transfers offered to your units",
        responses={200: s.TransferSerializer(many=True)},
    ),
    retrieve=extend_schema(summary="Read a transfer", responses={200: s.TransferSerializer}),
)
class TransferViewSet(IntakeViewSet):
    serializer_class = s.TransferSerializer
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    filterset_class = TransferFilter
    ordering_fields = ["created_at", "updated_at"]
    queryset = CaseTransfer.objects.none()

    def scoped_queryset(self, user):
        return transfers_visible_to(user)

    @extend_schema(
        summary="Ask another unit to take over a case",
        description="The receiving unit's coordinators accept or decline; one pending transfer per case.",
        request=s.TransferCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.TransferSerializer},
    )
    def create(self, request):
        data = self.validated(s.TransferCreateSerializer, request.data)
        transfer = services.transfer_request(actor=request.user, **data)
        return self.respond(transfer, status.HTTP_201_CREATED)

    def _decide(self, request, input_serializer, *, accept: bool):
        transfer = self.get_object()
        data = self.validated(input_serializer, request.data)
        note = data.get("note", data.get("reason", ""))
        transfer = services.transfer_decide(actor=request.user, transfer=transfer, accept=accept, note=note)
        return self.respond(transfer)

    @_step(
        "Accept a transfer (a coordinator of the receiving unit)",
        s.TransferAcceptInput,
        s.TransferSerializer,
        "The case moves to your unit (`case.transferred`).",
    )
    @action(filter_backends=[], detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._decide(request, s.TransferAcceptInput, accept=True)

    @_step("Decline a transfer, with the reason (a coordinator of the receiving unit)", s.TransferDeclineInput,
           s.TransferSerializer)  # fmt: skip
    @action(filter_backends=[], detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._decide(request, s.TransferDeclineInput, accept=False)
