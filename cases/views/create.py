"""Registering a case: from scratch, or from a tip (the form filled in from it)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from cases import choices as c
from cases import forms as f
from cases.selectors import tips_visible_to, units_for_new_cases
from cases.views.detail import sector_results
from cases.views.page import services
from tracker.exceptions import ApplicationError


def uuid_or_404(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


@login_required
def case_create(request):
    if request.htmx and request.htmx.trigger_name == "sector_search":
        return sector_results(request)
    units = units_for_new_cases(request.user)
    if not units.exists():
        raise Http404  # an auditor or analyst registers no cases: there is no form for them
    tip = None
    tip_pk = request.POST.get("tip") or request.GET.get("tip")
    if tip_pk:
        tip = get_object_or_404(tips_visible_to(request.user).filter(status=c.TipStatus.NEW), pk=uuid_or_404(tip_pk))
    initial = {"lead_agency": request.user.agency_id}
    if tip is not None:
        initial["summary"] = tip.description
    form = f.CaseCreateForm(request.POST or None, units=units, tip=tip, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            arguments = form.service_arguments()
            try:
                if tip is not None:
                    case = services.tip_promote(actor=request.user, tip=tip, **arguments)
                else:
                    case = services.case_create(actor=request.user, **arguments)
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = exc.status
            else:
                messages.success(request, _("Case %(reference)s was registered.") % {"reference": case.reference})
                return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_create.html", {"form": form, "tip": tip}, status=status)
