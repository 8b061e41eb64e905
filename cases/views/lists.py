"""The cases list and the incoming transfers."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from agencies.models import Agency
from agencies.selectors import units_visible_to
from cases import forms as f
from cases.filtersets import CaseFilter
from cases.permissions import may_register_cases
from cases.selectors import cases_visible_to, transfers_awaiting

CASES_PAGE = 25


@login_required
@require_GET
def case_list(request):
    agencies = Agency.objects.filter(is_active=True, units__in=units_visible_to(request.user)).distinct()
    form = f.CaseFilterForm(request.GET or None, agencies=agencies.order_by("code"))
    cases = cases_visible_to(request.user)
    if form.is_bound and form.is_valid():
        cases = CaseFilter(data=form.filter_data(), queryset=cases, request=request).qs
    cases = cases.order_by("-received_on", "-number")
    page = Paginator(cases, CASES_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_register": may_register_cases(request.user),
    }
    template = "cases/_case_rows.html" if request.htmx else "cases/case_list.html"
    return render(request, template, context)


@login_required
@require_GET
def transfer_inbox(request):
    transfers = list(transfers_awaiting(request.user).order_by("created_at"))
    return render(request, "cases/transfers.html", {"transfers": transfers, "decision_form": f.TransferDecisionForm()})
