from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound

from agencies.api import serializers as s
from agencies.models import Agency, NationalContactPoint, RegionalUnit, SanctionKind, UnitMembership, User
from agencies.permissions import may_see_members
from tracker.api.base import Pagination, TrackerViewSet
from tracker.api.scopes import REFERENCE_DATA


class CodePage(Pagination):
    ordering = "code"


class ReferenceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TrackerViewSet):
    """Reference data: readable by every authenticated caller."""

    scope = REFERENCE_DATA
    lookup_field = "code"
    pagination_class = CodePage

    def scoped_queryset(self, user):
        return self.queryset.all()


@extend_schema_view(
    list=extend_schema(responses={200: s.AgencySerializer(many=True)}),
    retrieve=extend_schema(responses={200: s.AgencySerializer}),
)
class AgencyViewSet(ReferenceViewSet):
    serializer_class = s.AgencySerializer
    queryset = Agency.objects.filter(is_active=True).prefetch_related(
        Prefetch("sanction_kinds", queryset=SanctionKind.objects.filter(is_active=True))
    )


@extend_schema_view(
    list=extend_schema(responses={200: s.UnitSerializer(many=True)}),
    retrieve=extend_schema(responses={200: s.UnitSerializer}),
)
class UnitViewSet(ReferenceViewSet):
    serializer_class = s.UnitSerializer
    queryset = RegionalUnit.objects.filter(is_active=True).prefetch_related("agencies")

    @extend_schema(
        summary="Members of a unit you serve in (for assigning tasks and booking officers)",
        responses={200: s.MemberSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], required_scope="units:read")
    def members(self, request, code=None):
        unit = self.get_object()
        if not may_see_members(request.user, unit):
            raise NotFound()  # out of scope is not found, as for any object the user may not see
        members = (
            User.objects.filter(memberships__unit=unit, is_active=True)
            .distinct()
            .select_related("agency")
            .prefetch_related(
                Prefetch("memberships", queryset=UnitMembership.objects.filter(unit=unit), to_attr="unit_memberships")
            )
        )
        return self.paginated(members, s.MemberSerializer, ordering="username")


@extend_schema_view(
    list=extend_schema(responses={200: s.ContactPointSerializer(many=True)}),
    retrieve=extend_schema(responses={200: s.ContactPointSerializer}),
)
class ContactPointViewSet(ReferenceViewSet):
    serializer_class = s.ContactPointSerializer
    queryset = NationalContactPoint.objects.filter(is_active=True).select_related("hosting_agency")
