"""A URLconf with stand-ins for the case, control and referral pages, so that the links to them
can be tested before (and after) those pages land: the same names, a trivial view."""

from django.http import HttpResponse
from django.urls import include, path


def stand_in(request, pk):
    return HttpResponse(f"page of {pk}")


def detail(namespace: str):
    return include(([path("<uuid:pk>/", stand_in, name="detail")], namespace))


urlpatterns = [
    path("cases/", detail("cases")),
    path("controls/", detail("controls")),
    path("referrals/", detail("referrals")),
    path("notifications/", include("notifications.urls")),
    path("", include("web.urls")),
]
