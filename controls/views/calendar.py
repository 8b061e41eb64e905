"""The officer's own calendar link, and the feed behind it."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from controls import ical, selectors, services
from controls.choices import ControlStatus
from tracker.audit import record_access
from tracker.exceptions import ApplicationError

# The feed reaches back this far, so last month's controls stay in the calendar.
FEED_HISTORY = datetime.timedelta(days=90)


@login_required
def calendar_link(request):
    """See whether a link is live, create one (shown once: only its digest is kept), revoke it."""
    user = request.user
    link = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "create":
                _feed, token = services.calendar_feed_create(actor=user)
                link = request.build_absolute_uri(reverse("controls:calendar_feed", args=[token]))
            elif action == "revoke" and (feed := selectors.live_calendar_feed(user)) is not None:
                services.calendar_feed_revoke(actor=user, feed=feed)
                messages.success(request, _("The calendar link is revoked: it no longer works."))
                return redirect("controls:calendar")
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            return redirect("controls:calendar")
    context = {
        "feed": selectors.live_calendar_feed(user),
        "link": link,
        "bookings": selectors.bookings_for_calendar(user, since=timezone.now()).exclude(
            control__status=ControlStatus.CANCELLED
        )[:10],
    }
    response = render(request, "controls/calendar.html", context)
    if link:
        response["Cache-Control"] = "no-store"  # the secret is shown once and kept nowhere
    return response


def calendar_feed(request, token):
    """The officer's bookings as iCalendar. No login (a calendar app fetches it); the secret
    link is the key, and an unknown or revoked one is simply not found."""
    feed = selectors.calendar_feed_for_token(token)
    if feed is None:
        raise Http404
    officer = feed.officer
    bookings = selectors.bookings_for_calendar(officer, since=timezone.now() - FEED_HISTORY)

    def link(control):
        return request.build_absolute_uri(reverse("controls:detail", args=[control.pk]))

    with translation.override(officer.language or "nb"):
        body = ical.officer_calendar(officer, bookings, link=link, host=request.get_host().split(":")[0])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="controls.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Robots-Tag"] = "noindex"
    # By the officer whose link it is (a calendar app fetches it without a session).
    record_access(actor=officer, action="export.calendar", obj=officer, detail={"format": "ics"})
    return response
