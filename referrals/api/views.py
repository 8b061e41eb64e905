from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action

from referrals import services
from referrals.api import reads
from referrals.api import serializers as s
from referrals.filtersets import ReferralFilter
from referrals.models import Referral
from referrals.selectors import referrals_visible_to
from tracker.api.base import ETagRetrieveMixin, TrackerViewSet, expected_version
from tracker.api.schema import IDEMPOTENCY_KEY, IF_MATCH


def _step(summary, request_serializer=None):
    return extend_schema(
        summary=summary,
        request=request_serializer,
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
        responses={200: s.ReferralSerializer},
    )


@extend_schema_view(
    list=extend_schema(summary="List referrals", responses={200: s.ReferralSerializer(many=True)}),
    retrieve=extend_schema(summary="Read a referral", responses={200: s.ReferralSerializer}),
)
class ReferralViewSet(mixins.ListModelMixin, ETagRetrieveMixin, TrackerViewSet):
    scope = "referrals"
    serializer_class = s.ReferralSerializer
    filter_backends = [DjangoFilterBackend]
    action_filter_backends = None  # the steps (send, accept…) find the referral as retrieve does
    filterset_class = ReferralFilter

    queryset = Referral.objects.none()
    etag_actions = ("retrieve", "create", "send", "acknowledge", "accept", "decline", "close", "revoke")

    def scoped_queryset(self, user):
        # The list and detail are read as rows (referrals.api.reads), subjects and all.
        return referrals_visible_to(user)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(reads.referral_rows(self.filter_queryset(self.get_queryset())))
        return self.get_paginated_response(reads.represent(page))

    def representation(self, referral) -> dict:
        return reads.represent([reads.row_of(referral)])[0]

    @extend_schema(
        summary="Draft a referral of a case to a national contact point",
        request=s.ReferralCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        responses={201: s.ReferralSerializer},
    )
    def create(self, request):
        data = self.validated(s.ReferralCreateSerializer, request.data)
        referral = services.referral_create(actor=request.user, **data)
        return self.respond(referral, status.HTTP_201_CREATED)

    def _act(self, request, service, serializer_class=None):
        referral = self.get_object()
        version = expected_version(request, referral)
        data = self.validated(serializer_class, request.data) if serializer_class else {}
        referral = service(actor=request.user, referral=referral, expected_version=version, **data)
        return self.respond(referral)

    @_step("Send a draft referral")
    @action(detail=True, methods=["post"])
    def send(self, request, pk=None):
        return self._act(request, services.referral_send)

    @_step("Acknowledge receipt (contact point)")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._act(request, services.referral_acknowledge)

    @_step("Accept the referral (contact point)")
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, services.referral_accept)

    @_step("Decline the referral with a reason (contact point)", s.ReasonInput)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._act(request, services.referral_decline, s.ReasonInput)

    @_step("Close an accepted referral with its outcome (contact point)", s.OutcomeInput)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, services.referral_close, s.OutcomeInput)

    @_step("Revoke the referral before it is accepted (sender)", s.ReasonInput)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._act(request, services.referral_revoke, s.ReasonInput)
