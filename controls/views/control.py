"""One control: its page, the status actions, booking officers, findings and the briefing sheet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from agencies.models import SanctionKind
from controls import permissions, selectors, services
from controls.choices import ControlStatus
from controls.forms import BookingForm, FindingForm, TransitionForm, as_uuid
from controls.templatetags.control_tags import hours, person_name, time_window
from tracker.audit import record_access
from tracker.exceptions import ApplicationError, Conflict

# What each move through the workflow is called on its button.
ACTIONS = {
    ControlStatus.CONFIRMED: gettext_lazy("Confirm"),
    ControlStatus.IN_PROGRESS: gettext_lazy("Start"),
    ControlStatus.COMPLETED: gettext_lazy("Complete"),
    ControlStatus.FOLLOWED_UP: gettext_lazy("Mark as followed up"),
    ControlStatus.PLANNED: gettext_lazy("Back to planned"),
    ControlStatus.CANCELLED: gettext_lazy("Cancel the control"),
}


def _control(request, pk):
    return get_object_or_404(selectors.control_for_page(request.user), pk=pk)


def _case_link(case) -> str | None:
    """The case page, once the cases app has one."""
    try:
        return reverse("cases:detail", args=[case.pk])
    except NoReverseMatch:
        return None


def _sanction_kinds(user):
    return SanctionKind.objects.filter(agency_id=user.agency_id, is_active=True).order_by("name")


def _findings_by_agency(control) -> list[dict]:
    groups: dict[int, dict] = {}
    for finding in control.findings.all():
        empty = {"agency": finding.agency, "findings": [], "amount": 0, "persons": 0, "has_amount": False}
        group = groups.setdefault(finding.agency_id, empty)
        group["findings"].append(finding)
        group["persons"] += finding.persons_count
        if finding.amount_nok is not None:
            group["amount"] += finding.amount_nok
            group["has_amount"] = True
    return list(groups.values())


def _page(request, control, *, status=200, booking_form=None, finding_form=None, transition_form=None):
    user, unit_id = request.user, control.unit_id
    may_run = permissions.may_run_controls(user, unit_id)
    booking_open = may_run and permissions.bookings_open(control)
    agency_ids = {agency.pk for agency in control.agencies.all()}
    if booking_open and booking_form is None:
        booking_form = BookingForm(officers=selectors.bookable_officers(user, control))
    may_record = (
        permissions.findings_open(control)
        and user.agency_id in agency_ids
        and permissions.may_record_findings(user, control.unit_id, user.agency_id)
    )
    if may_record and finding_form is None:
        finding_form = FindingForm(
            sanction_kinds=_sanction_kinds(user), organisations=control.target_organisations.all()
        )
    actions = [{"to": to, "label": ACTIONS[to]} for to in control.allowed_transitions()] if may_run else []
    # Asked as the choice is made: is the officer booked elsewhere then, has the sanction an amount.
    page_url = reverse("controls:detail", args=[control.pk])
    if booking_form is not None:
        booking_form.fields["officer"].widget.attrs.update(
            {"hx-get": page_url, "hx-trigger": "change", "hx-target": "#clash", "hx-include": "this"}
        )
    finding_kind = None
    if finding_form is not None:
        finding_form.fields["sanction_kind"].widget.attrs.update(
            {"hx-get": page_url, "hx-trigger": "change", "hx-target": "#amount-field", "hx-include": "this"}
        )
        finding_kind = getattr(finding_form, "cleaned_data", {}).get("sanction_kind")
    context = {
        "control": control,
        "cases": [{"case": case, "url": _case_link(case)} for case in control.cases.all()],
        "bookings": [
            {"booking": b, "withdrawable": booking_open and permissions.may_book_for(user, unit_id, b.agency_id)}
            for b in control.officers.all()
        ],
        "booking_form": booking_form,
        "anyone_to_book": booking_form is not None and booking_form.fields["officer"].queryset.exists(),
        "actions": [a for a in actions if a["to"] != ControlStatus.CANCELLED],
        "may_cancel": any(a["to"] == ControlStatus.CANCELLED for a in actions),
        "transition_form": transition_form,
        "cancel_form": (
            transition_form
            if transition_form is not None and transition_form["to"].value() == ControlStatus.CANCELLED
            else TransitionForm(initial={"to": ControlStatus.CANCELLED})
        ),
        "findings": _findings_by_agency(control),
        "finding_form": finding_form,
        "finding_kind": finding_kind,
        "findings_open": permissions.findings_open(control),
        "my_agency": user.agency if user.agency_id in agency_ids else None,
    }
    return render(request, "controls/control.html", context, status=status)


@login_required
def control_page(request, pk):
    """The control page. Asked by htmx, the same view tells whether an officer being chosen
    is booked elsewhere then (``?officer=``), and whether a sanction has an amount
    (``?sanction_kind=``)."""
    control = _control(request, pk)
    if request.htmx and "officer" in request.GET:
        return _clash_check(request, control)
    if request.htmx and "sanction_kind" in request.GET:
        return _amount_field(request, control)
    return _page(request, control)


def clash_messages(user, officer, control) -> list[str]:
    """What the planner is told about ``officer``'s other bookings while ``control`` runs; a
    control they may not see is not named."""
    day = timezone.localtime(control.starts_at).date()
    lines = []
    for booking, seen in selectors.booking_clashes(officer, control, viewer=user):
        other = booking.control
        if not seen:
            lines.append(_("%(name)s is busy then, on another control.") % {"name": person_name(officer)})
        elif timezone.localtime(other.starts_at).date() == day:
            lines.append(
                _("%(name)s is booked on “%(title)s” %(hours)s that day.")
                % {"name": person_name(officer), "title": other.title, "hours": hours(other)}
            )
        else:
            lines.append(
                _("%(name)s is booked on “%(title)s” %(when)s.")
                % {"name": person_name(officer), "title": other.title, "when": time_window(other)}
            )
    return lines


def _clash_check(request, control):
    officers = selectors.bookable_officers(request.user, control)
    officer = None
    if permissions.may_run_controls(request.user, control.unit_id):
        officer = officers.filter(pk=as_uuid(request.GET["officer"])).first()
    lines = clash_messages(request.user, officer, control) if officer else []
    return render(request, "controls/_clash.html", {"clashes": lines})


def _amount_field(request, control):
    kinds = _sanction_kinds(request.user)
    value = request.GET["sanction_kind"]
    kind = kinds.filter(pk=value).first() if value.isdigit() else None
    form = FindingForm(sanction_kinds=kinds, organisations=control.target_organisations.none())
    return render(request, "controls/_amount.html", {"form": form, "kind": kind})


@login_required
@require_POST
def transition(request, pk):
    control = _control(request, pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        to = form.cleaned_data["to"]
        try:
            services.control_transition(actor=request.user, control=control, to=to, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            form.add_service_error(exc)
            return _page(request, control, status=exc.status, transition_form=form)
        messages.success(request, _("The control's status is now: %(status)s.") % {"status": ControlStatus(to).label})
        return redirect("controls:detail", pk=control.pk)
    return _page(request, control, status=400, transition_form=form)


@login_required
@require_POST
def book_officer(request, pk):
    control = _control(request, pk)
    form = BookingForm(request.POST, officers=selectors.bookable_officers(request.user, control))
    if form.is_valid():
        officer = form.cleaned_data["officer"]
        try:
            services.control_book_officer(
                actor=request.user, control=control, officer=officer, is_lead=form.cleaned_data["is_lead"]
            )
        except Conflict as exc:
            # Told in the planner's words, naming only a control they may see.
            lines = clash_messages(request.user, officer, control)
            if lines:
                for line in lines:
                    form.add_error("officer", line)
            else:
                form.add_service_error(exc)
            return _page(request, control, status=exc.status, booking_form=form)
        except ApplicationError as exc:
            form.add_service_error(exc)
            return _page(request, control, status=exc.status, booking_form=form)
        messages.success(request, _("%(name)s is booked.") % {"name": person_name(officer)})
        return redirect("controls:detail", pk=control.pk)
    return _page(request, control, status=400, booking_form=form)


@login_required
@require_POST
def withdraw_officer(request, pk, officer_id):
    control = _control(request, pk)
    booking = get_object_or_404(control.officers.all(), officer_id=officer_id)
    try:
        services.control_unbook_officer(actor=request.user, booking=booking)
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
        return redirect("controls:detail", pk=control.pk)
    messages.success(request, _("%(name)s is no longer booked.") % {"name": person_name(booking.officer)})
    return redirect("controls:detail", pk=control.pk)


@login_required
@require_POST
def record_finding(request, pk):
    control = _control(request, pk)
    form = FindingForm(
        request.POST, sanction_kinds=_sanction_kinds(request.user), organisations=control.target_organisations.all()
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.finding_record(
                actor=request.user,
                control=control,
                sanction_kind=data["sanction_kind"],
                amount_nok=data["amount_nok"],
                persons_count=data["persons_count"],
                organisation=data.get("organisation"),
                note=data["note"],
            )
        except ApplicationError as exc:
            form.add_service_error(exc)
            return _page(request, control, status=exc.status, finding_form=form)
        messages.success(request, _("The finding is recorded."))
        return redirect(reverse("controls:detail", args=[control.pk]) + "#findings")
    return _page(request, control, status=400, finding_form=form)


@login_required
def briefing(request, pk):
    """The briefing sheet: everything the officers take along, made to be printed."""
    control = _control(request, pk)
    context = {
        "control": control,
        "cases": [{"case": case} for case in control.cases.all()],
        "printed_at": timezone.now(),
    }
    # The sheet is made to be printed and carried: an export of the control and its subjects.
    record_access(actor=request.user, action="export.briefing", obj=control)
    return render(request, "controls/briefing.html", context)
