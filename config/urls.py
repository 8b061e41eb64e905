from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from tracker.views import health

admin.site.site_header = "Interagency case tracker"
admin.site.site_title = "Case tracker"

urlpatterns = [
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_router")),
    path("referrals/", include("referrals.urls")),
    path("controls/", include("controls.urls")),
    path("notifications/", include("notifications.urls")),
    path("audit/", include("audit_trail.urls")),
    path("cases/", include("cases.urls")),
    path("", include("web.urls")),
]

if settings.OIDC_ENABLED:  # single sign-on, only when configured (agencies/oidc.py)
    urlpatterns.insert(1, path("oidc/", include("mozilla_django_oidc.urls")))

handler400 = "tracker.api.errors.bad_request"
handler404 = "tracker.api.errors.not_found"
handler500 = "tracker.api.errors.server_error"
