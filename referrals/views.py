"""Referral pages: the sending unit's (refer a case, its referrals, revoke) and the contact
point desk's (inbox, acknowledge, accept or decline, close). Thin: the selectors scope,
the services decide, the forms only carry input and the services' errors."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases.models import Case
from cases.permissions import can_work_on_case
from cases.selectors import cases_visible_to
from referrals import services
from referrals.choices import ReferralStatus
from referrals.forms import OutcomeForm, ReasonForm, ReferralForm, StatusFilterForm
from referrals.models import Referral
from referrals.permissions import require_desk_officer
from referrals.selectors import (
    desk_contact_point_ids,
    desk_inbox,
    referral_at_desk,
    referral_for_sender,
    referral_timeline,
    referrals_of_visible_cases,
)
from tracker.exceptions import ApplicationError, DomainValidationError, InvalidTransition, StaleObject

PAGE_SIZE = 50

# What each audited step of a referral is called on its timeline.
TIMELINE_LABELS = {
    "referral.create": gettext_lazy("Created"),
    "referral.send": gettext_lazy("Sent to the contact point"),
    "referral.acknowledged": gettext_lazy("Acknowledged by the contact point"),
    "referral.accepted": gettext_lazy("Accepted by the contact point"),
    "referral.declined": gettext_lazy("Declined by the contact point"),
    "referral.closed": gettext_lazy("Closed by the contact point"),
    "referral.revoke": gettext_lazy("Revoked by the sender"),
    "referral.overdue": gettext_lazy("Not acknowledged in time: escalated"),
}

# The desk's steps: the form each needs (if any), the service, what to say when done.
DESK_ACTIONS = {
    ReferralStatus.ACKNOWLEDGED: ("acknowledge", None, services.referral_acknowledge),
    ReferralStatus.ACCEPTED: ("accept", None, services.referral_accept),
    ReferralStatus.DECLINED: ("decline", ReasonForm, services.referral_decline),
    ReferralStatus.CLOSED: ("close", OutcomeForm, services.referral_close),
}
DESK_ACTION_BY_NAME = {name: (status, form, service) for status, (name, form, service) in DESK_ACTIONS.items()}
DONE_MESSAGES = {
    ReferralStatus.ACKNOWLEDGED: gettext_lazy("You acknowledged the referral."),
    ReferralStatus.ACCEPTED: gettext_lazy("You accepted the referral."),
    ReferralStatus.DECLINED: gettext_lazy("You declined the referral."),
    ReferralStatus.CLOSED: gettext_lazy("You closed the referral."),
    ReferralStatus.SENT: gettext_lazy("The referral was sent."),
    ReferralStatus.REVOKED: gettext_lazy("You revoked the referral."),
}


def _or_404(get):
    try:
        return get()
    except (Referral.DoesNotExist, Case.DoesNotExist):
        raise Http404 from None


def _timeline(referral: Referral) -> list[dict]:
    return [
        {
            "label": TIMELINE_LABELS.get(entry.action, entry.action),
            "at": entry.at,
            "actor": entry.actor,
            "agency": entry.actor_agency,
        }
        for entry in referral_timeline(referral)
    ]


def _refusal(exc: ApplicationError, form=None) -> tuple[str | None, int]:
    """How a service's refusal is shown, and the status the page answers with: on the form's
    fields when it names them; otherwise one message for the page (a conflict in the
    reader's language: someone else acted first)."""
    if isinstance(exc, DomainValidationError) and exc.errors and form is not None:
        form.add_service_error(exc)
        return None, 400
    if isinstance(exc, InvalidTransition | StaleObject):
        return _("Someone changed this referral in the meantime: that step is no longer possible."), 409
    return str(exc), exc.status


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# The sending unit ----------------------------------------------------------------------


@login_required
def referral_list(request):
    filters = StatusFilterForm(request.GET, with_drafts=True)
    page = _page(request, referrals_of_visible_cases(request.user, status=filters.chosen_status()))
    context = {"page": page, "filters": filters}
    if request.htmx and request.htmx.target == "referral-table":
        return render(request, "referrals/_list_table.html", context)
    return render(request, "referrals/list.html", context)


def _case_from_query(request) -> Case:
    try:
        case_id = uuid.UUID(request.GET.get("case", ""))
    except ValueError:
        raise Http404 from None
    return _or_404(lambda: cases_visible_to(request.user).get(pk=case_id))


@login_required
def referral_new(request):
    case = _case_from_query(request)
    may_refer = can_work_on_case(request.user, case)
    if request.method == "POST" and may_refer:
        form = ReferralForm(request.POST, case=case)
        if form.is_valid():
            try:
                referral = services.referral_create_and_send(actor=request.user, case=case, **form.cleaned_data)
            except ApplicationError as exc:
                error, status = _refusal(exc, form)
                if error:
                    form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("The referral was sent to %(contact_point)s. It must be acknowledged by %(date)s.")
                    % {
                        "contact_point": referral.contact_point.display_name,
                        "date": formats.date_format(referral.acknowledgement_due_on, "SHORT_DATE_FORMAT"),
                    },
                )
                return redirect("referrals:detail", pk=referral.pk)
        else:
            status = 400
        return render(request, "referrals/new.html", {"case": case, "form": form, "may_refer": True}, status=status)
    initial = {key: request.GET[key] for key in ("category", "contact_point") if request.GET.get(key)}
    form = ReferralForm(initial=initial, case=case)
    if request.htmx and request.htmx.target == "contact-point-field":
        return render(request, "referrals/_contact_point_field.html", {"form": form})
    status = 403 if request.method == "POST" else 200  # a POST here came from someone who may not refer
    return render(request, "referrals/new.html", {"case": case, "form": form, "may_refer": may_refer}, status=status)


def _sender_page(request, referral, *, revoke_form=None, error=None, status=200):
    may_act = can_work_on_case(request.user, referral.case)
    context = {
        "referral": referral,
        "timeline": _timeline(referral),
        "may_send": may_act and ReferralStatus.SENT in referral.sender_actions(),
        "may_revoke": may_act and ReferralStatus.REVOKED in referral.sender_actions(),
        "revoke_form": revoke_form or ReasonForm(prefix="revoke"),
        "error": error,
    }
    return render(request, "referrals/detail.html", context, status=status)


@login_required
def referral_detail(request, pk):
    return _sender_page(request, _or_404(lambda: referral_for_sender(request.user, pk)))


@login_required
@require_POST
def referral_send(request, pk):
    referral = _or_404(lambda: referral_for_sender(request.user, pk))
    try:
        services.referral_send(actor=request.user, referral=referral)
    except ApplicationError as exc:
        error, status = _refusal(exc)
        return _sender_page(request, referral_for_sender(request.user, pk), error=error, status=status)
    messages.success(request, DONE_MESSAGES[ReferralStatus.SENT])
    return redirect("referrals:detail", pk=referral.pk)


@login_required
@require_POST
def referral_revoke(request, pk):
    referral = _or_404(lambda: referral_for_sender(request.user, pk))
    form = ReasonForm(request.POST, prefix="revoke")
    if not form.is_valid():
        return _sender_page(request, referral, revoke_form=form, status=400)
    try:
        services.referral_revoke(actor=request.user, referral=referral, reason=form.cleaned_data["reason"])
    except ApplicationError as exc:
        error, status = _refusal(exc, form)
        return _sender_page(
            request, referral_for_sender(request.user, pk), revoke_form=form, error=error, status=status
        )
    messages.success(request, DONE_MESSAGES[ReferralStatus.REVOKED])
    return redirect("referrals:detail", pk=referral.pk)


# The contact point's desk --------------------------------------------------------------


@login_required
def desk(request):
    require_desk_officer(request.user)
    filters = StatusFilterForm(request.GET, with_drafts=False)
    page = _page(request, desk_inbox(request.user, status=filters.chosen_status()))
    # Name the contact point on each row only for someone who staffs more than one desk.
    multiple = request.user.is_superuser or len(desk_contact_point_ids(request.user)) > 1
    context = {"page": page, "filters": filters, "multiple_desks": multiple}
    if request.htmx and request.htmx.target == "referral-table":
        return render(request, "referrals/_desk_table.html", context)
    return render(request, "referrals/desk.html", context)


def _desk_page(request, referral, *, bound=None, error=None, status=200):
    """The desk's referral page with a form for each step allowed now; a bound form carries
    the person's input and its errors back."""
    actions = []
    for to in referral.desk_actions():
        name, form_class, _service = DESK_ACTIONS[to]
        form = None
        if form_class is not None:
            form = bound if isinstance(bound, form_class) and bound.prefix == name else form_class(prefix=name)
        actions.append({"name": name, "status": to, "form": form})
    context = {"referral": referral, "timeline": _timeline(referral), "actions": actions, "error": error}
    return render(request, "referrals/desk_detail.html", context, status=status)


@login_required
def desk_detail(request, pk):
    require_desk_officer(request.user)
    return _desk_page(request, _or_404(lambda: referral_at_desk(request.user, pk)))


@login_required
@require_POST
def desk_act(request, pk, action):
    require_desk_officer(request.user)
    referral = _or_404(lambda: referral_at_desk(request.user, pk))
    if action not in DESK_ACTION_BY_NAME:
        raise Http404
    to, form_class, service = DESK_ACTION_BY_NAME[action]
    form = form_class(request.POST, prefix=action) if form_class else None
    if form is not None and not form.is_valid():
        return _desk_page(request, referral, bound=form, status=400)
    try:
        service(actor=request.user, referral=referral, **(form.cleaned_data if form is not None else {}))
    except ApplicationError as exc:
        error, status = _refusal(exc, form)
        return _desk_page(request, referral_at_desk(request.user, pk), bound=form, error=error, status=status)
    messages.success(request, DONE_MESSAGES[to])
    return redirect("referrals:desk_detail", pk=referral.pk)
