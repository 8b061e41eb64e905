"""The planner: the unit's controls, and planning a new one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from agencies.models import Agency
from cases.selectors import cases_visible_to
from controls import permissions, selectors, services
from controls.forms import ControlFilterForm, PlanForm, SiteFormSet, as_uuid
from tracker.exceptions import ApplicationError

PAGE_SIZE = 25


@login_required
def control_list(request):
    form = ControlFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    filters = {key: value for key, value in getattr(form, "cleaned_data", {}).items() if key not in form.errors}
    controls = selectors.controls_for_list(request.user, **filters)
    page = Paginator(controls, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_plan": permissions.may_plan_somewhere(request.user),
        "filtered": any(filters.values()),
    }
    return render(request, "controls/list.html", context, status=200 if valid else 400)


# What each picker searches, and the form field it fills.
PICKERS = {
    "cases": selectors.cases_to_serve,
    "organisations": selectors.target_organisations,
    "persons": selectors.target_persons,
}


def _sources(user, unit_id: int) -> dict:
    return {kind: search(user, unit_id) for kind, search in PICKERS.items()}


@login_required
def plan(request):
    """Plan a joint control, from the planner or from a case (``?case=<id>`` pre-fills it).

    The same view answers htmx's questions while the planner fills the form in: the matches
    of a search (``?pick=<kind>&q=…``), the one chosen (``&add=<id>``), and the sites with a
    row added or removed."""
    user = request.user
    units = selectors.planning_units(user)
    unit_list = list(units)
    if not unit_list:
        raise Http404
    unit = _chosen_unit(request, unit_list)
    if request.htmx and request.method == "GET" and request.GET.get("pick") in PICKERS:
        return _pick(request, request.GET["pick"], unit)

    case = None
    if "case" in request.GET:
        case = get_object_or_404(cases_visible_to(user), pk=as_uuid(request.GET["case"]))
        if case.unit_id not in {u.pk for u in unit_list}:
            raise Http404
        unit = case.unit
    # Ticked by name, so listed alphabetically in the reader's language.
    by_name = "name_nb" if get_language() == "nb" else "name"
    agencies = Agency.objects.filter(is_active=True, units=unit).order_by(by_name)
    arguments = {"units": units, "agencies": agencies, "sources": _sources(user, unit.pk)}
    status = 200
    if request.method == "POST":
        form = PlanForm(request.POST, **arguments)
        sites = SiteFormSet(request.POST, prefix="sites")
        if "add_site" in request.POST or "remove_site" in request.POST:
            return _redraw_sites(request, form, sites)
        if form.is_valid() and sites.is_valid():
            try:
                control = services.control_plan(actor=user, sites=sites.rows(), **form.service_arguments())
            except ApplicationError as exc:
                form.add_service_error(exc)
                status = exc.status
            else:
                messages.success(request, _("The control is planned. Now book the officers."))
                return redirect("controls:detail", pk=control.pk)
        else:
            status = 400
    else:
        initial = {"unit": unit}
        if case is not None:
            initial.update(cases=[case], agencies=list(case.agencies.all()))
        form = PlanForm(initial=initial, **arguments)
        sites = SiteFormSet(prefix="sites")
    context = {"form": form, "sites": sites, "case": case, "unit": unit, "pickers": _pickers(form)}
    return render(request, "controls/plan.html", context, status=status)


def _chosen_unit(request, units):
    wanted = request.POST.get("unit") or request.GET.get("unit")
    for unit in units:
        if str(unit.pk) == str(wanted):
            return unit
    return units[0]


def _pickers(form):
    return [
        {
            "kind": kind,
            "field": form[kind],
            "picked": form.picked(kind),
            "label": form.fields[kind].label,
        }
        for kind in PICKERS
    ]


def _pick(request, kind: str, unit):
    source = PICKERS[kind](request.user, unit.pk)
    if "add" in request.GET:
        chosen = get_object_or_404(source, pk=as_uuid(request.GET["add"]))
        return render(request, "controls/_picked.html", {"kind": kind, "item": chosen, "clear_results": True})
    query = request.GET.get("q", "").strip()
    taken = [pk for pk in map(as_uuid, request.GET.getlist(kind)) if pk]
    matches = list(PICKERS[kind](request.user, unit.pk, query).exclude(pk__in=taken)[:10]) if query else []
    context = {"kind": kind, "matches": matches, "query": query, "unit": unit}
    return render(request, "controls/_pick_results.html", context)


def _redraw_sites(request, form, sites):
    """Draw the sites again with a row added or one removed (nothing is checked or saved)."""
    rows = sites.submitted_rows()
    if "add_site" in request.POST:
        rows.append({})
    else:
        index = request.POST.get("remove_site", "")
        if index.isdigit() and int(index) < len(rows):
            del rows[int(index)]
    sites = SiteFormSet(initial=rows or [{}], prefix="sites")
    if request.htmx:
        return render(request, "controls/_sites.html", {"sites": sites, "focus_last": "add_site" in request.POST})
    # Without htmx the whole form comes back as typed, without judging it yet.
    values = {name: form[name].value() for name in form.fields}
    form = PlanForm(initial=values, units=form.fields["unit"].queryset, agencies=form.fields["agencies"].queryset,
                    sources=form.sources)  # fmt: skip
    form.initial.update({kind: form.sources[kind].filter(pk__in=_ids(values.get(kind))) for kind in PICKERS})
    context = {"form": form, "sites": sites, "case": None, "pickers": _pickers(form)}
    return render(request, "controls/plan.html", context)


def _ids(values) -> list:
    return [pk for pk in map(as_uuid, values or ()) if pk]
