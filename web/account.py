"""Signing in (password, then the code for those who use two-factor), and the person's own
account page: two-factor set-up with a QR code, recovery codes, switching it off."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import services, twofactor
from tracker import audit
from tracker.exceptions import DomainValidationError
from tracker.forms import Form
from web.forms import LoginForm
from web.security import ENROL, SECOND_FACTOR, VERIFY

PENDING_DEVICE = "auth.pending_device"


class LoginView(auth_views.LoginView):
    """The password step. Who uses two-factor is signed in but held at the code step
    (web.security.TwoFactorMiddleware) until they give it."""

    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {"oidc_enabled": settings.OIDC_ENABLED}

    def get_success_url(self):
        step = self.request.session.get(SECOND_FACTOR)
        if step:
            target = reverse("web:login_verify" if step == VERIFY else "web:two_factor")
            return f"{target}?{urlencode({REDIRECT_FIELD_NAME: self.get_redirect_url() or reverse('web:home')})}"
        return super().get_success_url()


class CodeForm(Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=16,
        help_text=gettext_lazy("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("web:home")
    return target


def _second_factor_done(request, device) -> None:
    request.session.pop(SECOND_FACTOR, None)
    request.session.pop(PENDING_DEVICE, None)
    request.session.cycle_key()
    otp_login(request, device)


@login_required
@require_http_methods(["GET", "POST"])
def login_verify(request):
    """The second step: a code from the authenticator, or a recovery code (used up)."""
    if request.session.get(SECOND_FACTOR) != VERIFY:
        return HttpResponseRedirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, recovery = twofactor.verify(request.user, form.cleaned_data["code"])
        if device is not None:
            if recovery:
                audit.record_access(actor=request.user, action="auth.recovery_code_used", obj=request.user)
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)d are left. Make new ones on your account page.")
                    % {"left": twofactor.recovery_codes_left(request.user)},
                )
            _second_factor_done(request, device)
            return HttpResponseRedirect(_next(request))
        audit.record_access(actor=request.user, action="auth.code_failed", obj=request.user)
        form.add_error("code", _("That code is not right. Try the code your app shows now."))
    status = 400 if form.errors else 200
    return render(request, "web/login_code.html", {"form": form, "next": _next(request)}, status=status)


def _pending_device(request, user) -> TOTPDevice:
    """The authenticator being set up in this session (a new one on the first visit)."""
    device = TOTPDevice.objects.filter(pk=request.session.get(PENDING_DEVICE), user=user, confirmed=False).first()
    if device is None:
        device = services.two_factor_begin(user=user)
        request.session[PENDING_DEVICE] = device.pk
    return device


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Set up an authenticator: scan the QR code (or type the key), confirm with a code; the
    recovery codes are shown once, here. People who must use two-factor come here first."""
    user = request.user
    device = _pending_device(request, user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = services.two_factor_confirm(user=user, device=device, code=form.cleaned_data["code"])
        except DomainValidationError as error:
            form.add_error("code", _(error.message))  # the services' messages are in web's catalogue
        else:
            _second_factor_done(request, device)
            return render(request, "web/recovery_codes.html", {"codes": codes, "next": _next(request)})
    context = {
        "form": form,
        "qr": twofactor.qr_svg(device),
        "secret": twofactor.secret_text(device),
        "required": request.session.get(SECOND_FACTOR) == ENROL,
        "next": _next(request),
    }
    return render(request, "web/two_factor.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def account(request):
    """The person's own account: two-factor on or off, new recovery codes."""
    user = request.user
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "recovery_codes":
                codes = services.recovery_codes_renew(user=user)
                return render(request, "web/recovery_codes.html", {"codes": codes, "next": reverse("web:account")})
            if action == "disable":
                services.two_factor_disable(user=user)
                request.session.pop("otp_device_id", None)
                messages.success(request, _("Two-factor sign-in is off."))
        except DomainValidationError as error:
            messages.error(request, _(error.message))
        return HttpResponseRedirect(reverse("web:account"))
    context = {
        "has_two_factor": twofactor.authenticator(user) is not None,
        "required": twofactor.requires_two_factor(user),
        "recovery_left": twofactor.recovery_codes_left(user),
    }
    return render(request, "web/account.html", context)
