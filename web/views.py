"""The shell around every page: signing in and out, the language, the home page."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from agencies import services as agency_services
from tracker.exceptions import DomainValidationError
from web.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


@login_required
def home(request):
    return render(request, "web/home.html")


@require_POST
def set_language(request):
    """Switch the language: for a signed-in person it is their profile setting, so their
    e-mails follow too; before signing in, a cookie (as Django's own set_language)."""
    language = request.POST.get("language", "")
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    response = HttpResponseRedirect(back)
    if request.user.is_authenticated:
        try:
            agency_services.user_set_language(user=request.user, language=language)
        except DomainValidationError:
            return response
    elif language not in dict(settings.LANGUAGES):
        return response
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax", secure=request.is_secure())
    return response
