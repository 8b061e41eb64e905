"""The notifications page: read them, choose how often to be e-mailed, mute a case. Every write
goes through notifications.services.inbox, as the API's do."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from cases.selectors import cases_visible_to
from notifications.forms import EmailPreferenceForm
from notifications.presentation import present
from notifications.selectors import muted_cases_of, notifications_for, preference_for, unread_count
from notifications.services import inbox
from tracker.exceptions import ApplicationError

PAGE_SIZE = 20


def _page_context(request, form=None) -> dict:
    page = Paginator(notifications_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    muted = list(muted_cases_of(request.user))
    muted_ids = {case.pk for case in muted}
    for notification in page.object_list:
        present(notification, muted_ids)
    return {
        "page": page,
        "muted_cases": muted,
        "form": form or EmailPreferenceForm(initial={"email": preference_for(request.user).email}),
    }


@login_required
@require_GET
def notification_list(request):
    return render(request, "notifications/list.html", _page_context(request))


def _back(request):
    page = request.POST.get("page", "")
    return redirect(reverse("notifications:list") + (f"?page={page}" if page.isdigit() else ""))


@login_required
@require_POST
def mark_read(request, pk):
    notification = get_object_or_404(notifications_for(request.user), pk=pk)
    inbox.notification_mark_read(user=request.user, notification=notification)
    if request.htmx:
        muted = set(muted_cases_of(request.user).values_list("pk", flat=True))
        present(notification, muted)
        context = {"notification": notification, "unread_count": unread_count(request.user), "oob": True}
        return render(request, "notifications/_notification.html", context)
    return _back(request)


@login_required
@require_POST
def mark_all_read(request):
    count = inbox.notifications_mark_all_read(user=request.user)
    text = ngettext("Marked %(count)s notification as read.", "Marked %(count)s notifications as read.", count)
    messages.success(request, text % {"count": count})
    return _back(request)


@login_required
@require_POST
def preferences(request):
    form = EmailPreferenceForm(request.POST)
    if form.is_valid():
        try:
            inbox.notification_preferences_update(user=request.user, email=form.cleaned_data["email"])
        except ApplicationError as exc:
            form.add_service_error(exc)
    if not form.is_valid():
        return render(request, "notifications/list.html", _page_context(request, form), status=400)
    messages.success(request, _("Your e-mail preference is saved."))
    return _back(request)


@login_required
@require_POST
def mute(request, case_pk):
    case = get_object_or_404(cases_visible_to(request.user).prefetch_related(None), pk=case_pk)
    inbox.case_mute(user=request.user, case=case)
    messages.success(request, _("No more e-mail about %(case)s.") % {"case": f"{case.reference} {case.title}"})
    return _back(request)


@login_required
@require_POST
def unmute(request, case_pk):
    case = get_object_or_404(muted_cases_of(request.user), pk=case_pk)
    inbox.case_unmute(user=request.user, case=case)
    messages.success(request, _("E-mail about %(case)s again.") % {"case": f"{case.reference} {case.title}"})
    return _back(request)
