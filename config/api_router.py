from csp.decorators import csp_update
from django.urls import include, path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agencies.api.views import AgencyViewSet, ContactPointViewSet, UnitViewSet
from audit_trail.api import AuditEntryViewSet
from cases.api.intake import TipViewSet, TransferViewSet
from cases.api.views import CaseViewSet, OrganisationViewSet, PersonViewSet
from controls.api.views import ControlViewSet
from notifications.api.views import DeliveryViewSet, NotificationViewSet, SubscriptionViewSet
from referrals.api.views import ReferralViewSet
from tracker.api.routes import require_declared_scopes
from tracker.api.views import EventFeedView


@method_decorator(csp_update({"style-src": ["'unsafe-inline'"]}), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    """A page, not an endpoint: OPTIONS would render DRF's metadata through the page's template (a 500).
    Its script is served apart (the split view), so the CSP keeps forbidding inline scripts;
    Swagger UI styles itself inline, which only this page allows."""

    http_method_names = ["get", "head"]


router = DefaultRouter()
router.include_root_view = False
# No `.json` twins of every route: JSON is the only format, the schema lists none of them,
# and the custom actions answered them with a 500.
router.include_format_suffixes = False
router.register("agencies", AgencyViewSet, basename="agency")
router.register("units", UnitViewSet, basename="unit")
router.register("contact-points", ContactPointViewSet, basename="contact-point")
router.register("cases", CaseViewSet, basename="case")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("persons", PersonViewSet, basename="person")
router.register("tips", TipViewSet, basename="tip")
router.register("transfers", TransferViewSet, basename="transfer")
router.register("controls", ControlViewSet, basename="control")
router.register("referrals", ReferralViewSet, basename="referral")
router.register("webhooks", SubscriptionViewSet, basename="webhook")
router.register(r"webhooks/(?P<subscription_pk>[^/]+)/deliveries", DeliveryViewSet, basename="webhook-delivery")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("audit", AuditEntryViewSet, basename="audit")

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("events/", EventFeedView.as_view(), name="events"),
    path("", include(router.urls)),
]

# A route that does not say which API key scope it needs stops the URL conf from loading.
require_declared_scopes(urlpatterns)
