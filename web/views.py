"""The shell around every page (signing in and out, the language), the home page, the header
search and the statistics."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies import services as agency_services
from cases import nace
from notifications.presentation import present
from notifications.selectors import notifications_for
from referrals import selectors as referral_selectors
from tracker.audit import record_access
from tracker.db_routing import use_replica
from tracker.exceptions import DomainValidationError
from web import exports, selectors
from web.forms import StatisticsForm
from web.search import search as run_search
from web.statistics import Filters, Statistics

HOME_LIST = 8  # rows per list on the home page


@login_required
@require_GET
def home(request):
    """My work today, and the units' work in charts. A constant number of queries (each list and
    each chart is one query or a few, whatever the data)."""
    user, today = request.user, timezone.localdate()
    cases = selectors.my_open_cases(user)
    figures = Statistics(user, Filters.last_twelve_months(today))
    return render(
        request,
        "web/home.html",
        {
            "today": today,
            "week_end": selectors.end_of_week(today),
            "cases": list(cases[:HOME_LIST]),
            "cases_count": cases.count(),
            "tasks": list(selectors.my_tasks_due(user, today)[:HOME_LIST]),
            "controls": list(selectors.my_upcoming_controls(user)[:HOME_LIST]),
            "referrals": list(selectors.referrals_awaiting(user)[:HOME_LIST]),
            # Cached on the user by the menu: no query of their own.
            "at_a_desk": referral_selectors.is_desk_officer(user),
            "in_a_unit": referral_selectors.is_unit_member(user),
            "notifications": [present(n) for n in notifications_for(user).filter(read_at__isnull=True)[:5]],
            "by_status": figures.cases_by_status(),
            "by_month": figures.by_period(closed=False, controls=False),
            "by_agency": figures.by_agency(),
        },
    )


@login_required
@require_GET
def search(request):
    """The full results page; as you type, the header's live results (htmx asks for
    ``#search-live``) or this page's results (``#search-results``)."""
    query = request.GET.get("q", "")
    live = bool(request.htmx) and request.htmx.target == "search-live"
    results = run_search(request.user, query, limit=5 if live else 50)
    if live:
        template = "web/_search_live.html"
    elif request.htmx and request.htmx.target == "search-results":
        template = "web/_search_results.html"
    else:
        template = "web/search.html"
    return render(request, template, {"results": results, "search_query": query})


def _statistics_form(request) -> StatisticsForm:
    return StatisticsForm(request.GET or None, user=request.user)


@login_required
@require_GET
@use_replica()  # counts may lag a moment behind; the person is known (login_required) before
def statistics(request):
    form = _statistics_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "web/statistics.html", {"form": form}, status=400)
    filters = form.filters()
    figures = Statistics(request.user, filters)
    tables = {table.key: table for table in figures.report()}
    return render(
        request,
        "web/statistics.html",
        {
            "form": form,
            "filters": filters,
            "sector_label": _sector_label(filters.sector),
            "tables": tables,
            "query": request.GET.urlencode(),
        },
    )


def _sector_label(sector: str) -> str:
    return f"{sector} {nace.label(sector)}" if sector else ""


def _report_heading(filters: Filters) -> list[str]:
    lines = [
        _("Statistics"),
        _("Period: %(start)s–%(end)s")
        % {
            "start": formats.date_format(filters.date_from, "SHORT_DATE_FORMAT"),
            "end": formats.date_format(filters.date_to, "SHORT_DATE_FORMAT"),
        },
    ]
    if filters.unit is not None:
        lines.append(_("Unit: %(unit)s") % {"unit": filters.unit.name})
    if filters.agency is not None:
        lines.append(_("Agency: %(agency)s") % {"agency": filters.agency.display_name})
    if filters.sector:
        lines.append(_("Sector: %(sector)s") % {"sector": _sector_label(filters.sector)})
    return lines


@login_required
@require_GET
@use_replica()  # as the page; the access record below is a write, to the primary
def statistics_export(request, kind: str):
    """The statistics page's tables as a CSV or XLSX file (the same filters, the same numbers)."""
    form = _statistics_form(request)
    if form.is_bound and not form.is_valid():
        return render(request, "web/statistics.html", {"form": form}, status=400)
    filters = form.filters()
    tables = Statistics(request.user, filters).report()
    heading = _report_heading(filters)
    # Translators: the start of a downloaded file's name, in lower case without spaces.
    stem = _("statistics")
    name = f"{stem}-{filters.date_from:%Y-%m-%d}-{filters.date_to:%Y-%m-%d}"
    if kind == "csv":
        response = HttpResponse(exports.to_csv(tables, heading), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            exports.to_xlsx(tables, heading),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    record_access(
        actor=request.user,
        action="export.statistics",
        object_type="statistics",
        detail={"format": kind, "filters": {k: request.GET.getlist(k) for k in sorted(request.GET)}},
    )
    return response


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
