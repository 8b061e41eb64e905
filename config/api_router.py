from csp.decorators import csp_update
from django.urls import include, path, re_path
from django.utils.decorators import method_decorator
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from agencies.api.views import AgencyViewSet, ContactPointViewSet, UnitViewSet
from audit_trail.api.views import AuditEntryViewSet
from cases.api.intake import TipViewSet, TransferViewSet
from cases.api.nested import (
    CaseAssigneeViewSet,
    CaseAttachmentViewSet,
    CaseJournalViewSet,
    CaseSubjectViewSet,
    CaseTaskViewSet,
)
from cases.api.views import CaseViewSet, OrganisationViewSet, PersonViewSet
from controls.api.views import ControlFindingViewSet, ControlParticipantViewSet, ControlViewSet
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


def nested(parent: str, path: str, viewset, actions: dict, name: str):
    """A nested resource's route: ``<parent>s/{pk}/<path>/``, the parent's key named ``pk`` as the
    router names it (``{id}`` in the schema); a path with a key of its own is a detail route. The
    URL names, and the view names OPTIONS gives, are those the routes had as actions of the
    parent's viewset (``case-subjects``, "Subjects"): refusals in the audit trail record them."""
    initkwargs = {"basename": parent, "detail": "(?P<" in path, "name": name.replace("-", " ").capitalize()}
    return re_path(
        rf"^{parent}s/(?P<pk>[^/.]+)/{path}/$", viewset.as_view(actions, **initkwargs), name=f"{parent}-{name}"
    )


LIST_CREATE = {"get": "list", "post": "create"}
nested_routes = [
    nested("case", "assignees", CaseAssigneeViewSet, {"post": "create"}, "assignees"),
    nested("case", r"assignees/(?P<officer_id>[^/]+)", CaseAssigneeViewSet, {"delete": "destroy"}, "remove-assignee"),
    nested("case", "subjects", CaseSubjectViewSet, LIST_CREATE, "subjects"),
    nested("case", r"subjects/(?P<subject_id>[^/]+)", CaseSubjectViewSet, {"delete": "destroy"}, "remove-subject"),
    nested("case", "journal", CaseJournalViewSet, LIST_CREATE, "journal"),
    nested("case", r"attachments/(?P<attachment_id>[^/]+)", CaseAttachmentViewSet, {"get": "retrieve"}, "attachment"),
    nested("case", "tasks", CaseTaskViewSet, LIST_CREATE, "tasks"),
    nested("case", r"tasks/(?P<task_id>[^/]+)/status", CaseTaskViewSet, {"post": "set_status"}, "task-status"),
    nested("control", "participants", ControlParticipantViewSet, LIST_CREATE, "participants"),
    nested("control", r"participants/(?P<officer_id>[^/]+)", ControlParticipantViewSet, {"delete": "destroy"},
           "remove-participant"),
    nested("control", "findings", ControlFindingViewSet, LIST_CREATE, "findings"),
]  # fmt: skip

app_name = "api"
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("events/", EventFeedView.as_view(), name="events"),
    *nested_routes,
    path("", include(router.urls)),
]

# A route that does not say which API key scope it needs stops the URL conf from loading.
require_declared_scopes(urlpatterns)
