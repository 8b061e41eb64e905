"""What guards a signed-in session: its audit rows, its lifetime, its second factor, and the
page a locked-out login gets.

The audit receivers listen to Django's and axes' signals, so the web login, the admin login
and single sign-on are recorded alike. The session keeps three stamps, set at login: when it
began (``auth.started``), when it last made a request (``auth.seen``) and, for people who must
or chose to use two-factor, what is still to be done (``auth.second_factor``: "verify" or
"enrol"). Reading them costs no query: the session is loaded anyway.
"""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from agencies import twofactor
from tracker import audit
from tracker.api.errors import _problem
from web.forms import LoginForm

STARTED, SEEN, SECOND_FACTOR = "auth.started", "auth.seen", "auth.second_factor"
VERIFY, ENROL = "verify", "enrol"
SEEN_WRITE_EVERY = 60  # seconds: how stale "last seen" may get before the session is saved again


def clock() -> float:
    """Now, in seconds since the epoch (the tests move it)."""
    return time.time()


# --- Audit ----------------------------------------------------------------------------------


@receiver(user_logged_in, dispatch_uid="web.security.logged_in")
def _logged_in(sender, request, user, **kwargs):
    now = clock()
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[SEEN] = now
        step = twofactor.step_after_password(user)
        if step:
            request.session[SECOND_FACTOR] = step
    audit.record_access(actor=user, action="auth.login", obj=user, detail={"via": _via(request)})


@receiver(user_logged_out, dispatch_uid="web.security.logged_out")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        reason = getattr(request, "logout_reason", "") if request is not None else ""
        detail = {"via": _via(request)} | ({"reason": reason} if reason else {})
        audit.record_access(actor=user, action="auth.logout", obj=user, detail=detail)


@receiver(user_login_failed, dispatch_uid="web.security.login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; we keep the username only.
    username = str(credentials.get("username", ""))[:150]
    audit.record_access(
        actor=None,
        action="auth.login_failed",
        object_type="agencies.user",
        object_repr=username,
        detail={"username": username, "via": _via(request)},
    )


def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    audit.record_access(
        actor=None,
        action="auth.locked_out",
        object_type="agencies.user",
        object_repr=str(username or "")[:150],
        detail={"username": username or "", "address": ip_address or "", "via": _via(request)},
    )


def connect_axes() -> None:
    user_locked_out.connect(_locked_out, dispatch_uid="web.security.locked_out")


def _via(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/oidc/"):
        return "oidc"
    return "web" if request is not None else "other"


def locked_out(request, original_response=None, credentials=None):
    """axes' answer to a locked-out login: the form again, saying why, with 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _(
        "Too many failed sign-ins for this user name or from this address. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock the account."
    ) % {"minutes": minutes}
    username = (credentials or {}).get("username", "") or request.POST.get("username", "")
    form = LoginForm(request, initial={"username": username})
    return render(
        request,
        "web/login.html",
        {"form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=429,
    )


# --- Middleware -----------------------------------------------------------------------------


class SessionExpiryMiddleware:
    """Ends a session idle for SESSION_IDLE_SECONDS, or older than SESSION_ABSOLUTE_SECONDS, or
    begun before its user's sessions were ended (an account disabled, a role removed).

    "Last seen" is saved at most once a minute, so most requests write nothing."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not user.is_authenticated and SESSION_KEY in request.session:
            request.session.flush()  # its user is gone or disabled: nothing of it stays
        elif user is not None and user.is_authenticated:
            reason = self._expired(request, user)
            if reason:
                request.logout_reason = reason
                logout(request)
                if not request.path_info.startswith("/api/"):
                    messages.info(request, _("Your session has ended. Please sign in again."))
                    return HttpResponseRedirect(
                        f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}"
                    )
        return self.get_response(request)

    @staticmethod
    def _expired(request, user) -> str:
        session, now = request.session, clock()
        started, seen = session.get(STARTED), session.get(SEEN)
        if started is None or seen is None:  # a session from before this guard: start it now
            session[STARTED] = session[SEEN] = now
            return ""
        ended_at = getattr(user, "sessions_ended_at", None)
        if ended_at is not None and started <= ended_at.timestamp():
            return "ended"
        if now - started > settings.SESSION_ABSOLUTE_SECONDS:
            return "absolute"
        if now - seen > settings.SESSION_IDLE_SECONDS:
            return "idle"
        if now - seen > SEEN_WRITE_EVERY:
            session[SEEN] = now
        return ""


# What a session half-way through its second factor may still reach.
SECOND_FACTOR_OPEN = ("/login/", "/logout/", "/language/", "/static/", "/health/")


class TwoFactorMiddleware:
    """A session whose user must still give a code (or set up two-factor, when it is required of
    them) reaches nothing else: pages send them there, the API answers 401."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        step = session.get(SECOND_FACTOR) if session is not None else None
        path = request.path_info
        request.second_factor_pending = bool(step) and request.user.is_authenticated  # the header hides the menu
        open_paths = SECOND_FACTOR_OPEN + (("/account/two-factor/",) if step == ENROL else ())
        if step and request.user.is_authenticated and not path.startswith(open_paths):
            if path.startswith("/api/"):
                return _problem(401, "Unauthorized", "Complete the two-factor sign-in first.", "not-authenticated")
            target = reverse("web:login_verify" if step == VERIFY else "web:two_factor")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
