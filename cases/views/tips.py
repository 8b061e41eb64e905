"""The unit's intake of tips: read, then open a case from one, merge it into a case, or dismiss it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cases import choices as c
from cases import forms as f
from cases.permissions import is_unit_worker
from cases.selectors import cases_visible_to, tips_inbox
from cases.views.page import services
from tracker.exceptions import ApplicationError

TIPS_PAGE = 20
MERGE_CANDIDATES = 10
# The inbox's tabs: what is waiting, and what was done with the rest.
TABS = {
    "new": (gettext_lazy("To triage"), [c.TipStatus.NEW]),
    "triaged": (gettext_lazy("Triaged"), [c.TipStatus.PROMOTED, c.TipStatus.MERGED, c.TipStatus.DISMISSED]),
}


@login_required
@require_GET
def tip_inbox(request):
    tab = request.GET.get("show") if request.GET.get("show") in TABS else "new"
    tips = tips_inbox(request.user).filter(status__in=TABS[tab][1])
    page = Paginator(tips, TIPS_PAGE).get_page(request.GET.get("page"))
    tabs = [{"key": key, "label": label, "current": key == tab} for key, (label, _statuses) in TABS.items()]
    triage_units = {tip.unit_id for tip in page if is_unit_worker(request.user, tip.unit_id)}
    context = {"page": page, "tabs": tabs, "tab": tab, "triage_units": triage_units}
    return render(request, "cases/tips.html", context)


def _merge_candidates(user, tip):
    return cases_visible_to(user).filter(unit_id=tip.unit_id).order_by("-received_on", "-number")


def _search(cases, query: str):
    query = query.strip()
    if not query:
        return cases.none()
    return cases.filter(Q(reference__icontains=query) | Q(title__icontains=query))[:MERGE_CANDIDATES]


@login_required
@require_GET
def tip_detail(request, pk):
    tip = get_object_or_404(tips_inbox(request.user), pk=pk)
    candidates = _merge_candidates(request.user, tip)
    query = request.GET.get("q", "")
    if request.htmx and request.htmx.trigger_name == "q":
        form = f.TipMergeForm(initial={"q": query}, cases=candidates)
        return render(request, "cases/_merge_results.html", {"form": form, "found": _search(candidates, query)})
    return _tip_page(request, tip, merge_form=f.TipMergeForm(initial={"q": query}, cases=candidates), query=query)


def _tip_page(request, tip, *, merge_form=None, dismiss_form=None, query="", status=200):
    candidates = _merge_candidates(request.user, tip)
    context = {
        "tip": tip,
        "may_triage": tip.status == c.TipStatus.NEW and is_unit_worker(request.user, tip.unit_id),
        "merge_form": merge_form or f.TipMergeForm(cases=candidates),
        "dismiss_form": dismiss_form or f.TipDismissForm(),
        "found": list(_search(candidates, query)),
    }
    return render(request, "cases/tip_detail.html", context, status=status)


@login_required
@require_POST
def tip_merge(request, pk):
    tip = get_object_or_404(tips_inbox(request.user), pk=pk)
    form = f.TipMergeForm(request.POST, cases=_merge_candidates(request.user, tip))
    status = 400
    if form.is_valid():
        case = form.cleaned_data["case"]
        try:
            services.tip_merge(actor=request.user, tip=tip, case=case)
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = exc.status
        else:
            messages.success(request, _("The tip was merged into %(case)s.") % {"case": case.reference})
            return redirect("cases:detail", pk=case.pk)
    return _tip_page(request, tip, merge_form=form, query=request.POST.get("q", ""), status=status)


@login_required
@require_POST
def tip_dismiss(request, pk):
    tip = get_object_or_404(tips_inbox(request.user), pk=pk)
    form = f.TipDismissForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.tip_dismiss(actor=request.user, tip=tip, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = exc.status
        else:
            messages.success(request, _("The tip was dismissed."))
            return redirect("cases:tips")
    return _tip_page(request, tip, dismiss_form=form, status=status)
