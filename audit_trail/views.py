"""The auditors' search of the audit trail: a page and its CSV export (not for anyone else: 404)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit_trail.export import csv_response
from audit_trail.forms import AuditSearchForm
from audit_trail.selectors import audit_search, audit_visible_to, is_auditor

PAGE = 50
# Rows of reads, refusals, exports and key use carry their detail (how, which path, which
# filters); a change's before and after stay in the CSV, where an auditor compares them.
DETAIL_PREFIXES = ("access.", "export.", "auth.", "apikey.")
DETAIL_SUFFIXES = (".view", ".search", ".reveal")


def detail_text(entry) -> str:
    if not entry.after or entry.before is not None:
        return ""
    if not (entry.action.startswith(DETAIL_PREFIXES) or entry.action.endswith(DETAIL_SUFFIXES)):
        return ""
    return ", ".join(f"{key}: {value}" for key, value in sorted(entry.after.items()))


def _searched(request):
    """The form, and the rows it selects (none while it is invalid)."""
    if not is_auditor(request.user):
        raise Http404
    form = AuditSearchForm(request.GET or None)
    entries = audit_visible_to(request.user)
    if form.is_bound:
        entries = audit_search(entries, **form.criteria()) if form.is_valid() else entries.none()
    return form, entries


def _page_number(request) -> int:
    raw = request.GET.get("page", "1")
    return int(raw) if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 10_000 else 1


@login_required
@require_GET
def search(request):
    form, entries = _searched(request)
    number = _page_number(request)
    # No count over the whole trail (millions of rows): one row past the page says there is more.
    start = (number - 1) * PAGE
    rows = list(entries[start : start + PAGE + 1])
    for entry in rows:
        entry.detail_text = detail_text(entry)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "entries": rows[:PAGE],
        "number": number,
        "has_next": len(rows) > PAGE,
        "query": query.urlencode(),
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "audit_trail/search.html", context, status=status)


@login_required
@require_GET
def export(request):
    form, entries = _searched(request)
    if form.is_bound and not form.is_valid():
        return render(request, "audit_trail/search.html", {"form": form, "entries": []}, status=400)
    filters = {name: value for name, value in request.GET.items() if name in form.fields and value}
    return csv_response(request, entries, filters=filters, via="web")
