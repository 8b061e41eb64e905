from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

from tracker.views import health

admin.site.site_header = "Interagency case tracker"
admin.site.site_title = "Case tracker"

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/", permanent=False)),
    path("health/", health, name="health"),
    path("admin/", admin.site.urls),
]
