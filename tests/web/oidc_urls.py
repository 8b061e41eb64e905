"""The site's URLs with single sign-on switched on (config/urls.py adds it only when configured)."""

from django.urls import include, path

from config.urls import handler400, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls")), *site]
