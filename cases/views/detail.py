"""The case page and what is done on it: status, subjects, journal, tasks, assignees, transfers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import choices as c
from cases import forms as f
from cases.attachments import attachment_response
from cases.history import FIELD_LABELS, case_history_lines, display_value
from cases.identity import parse_identity_number, validate_organisation_number
from cases.messages import for_people, validation_messages
from cases.selectors import (
    assignable_officers,
    attachments_visible_to,
    case_history,
    case_viewers,
    transfers_visible_to,
)
from cases.views.page import (
    CasePage,
    done,
    get_case,
    organisation_check_url,
    person_check_url,
    services,
    submit,
)
from tracker.access_audit import record_read
from tracker.exceptions import ApplicationError, StaleObject

HISTORY_PAGE = 50


@login_required
@require_GET
def case_detail(request, pk):
    case = get_case(request, pk)
    page = CasePage(request, case)
    if request.htmx and request.GET.get("journal_page"):
        return render(request, "cases/_journal.html", page.context("journal"))
    return page.page()


@login_required
@require_POST
def case_transition(request, pk):
    case = get_case(request, pk)

    def write(data):
        services.case_transition(actor=request.user, case=case, **data)
        return data["to"]

    return submit(
        request, case, section="status", form_name="close_form", form=f.TransitionForm(request.POST), write=write,
        message=lambda to: _("The case is now: %(status)s.") % {"status": c.CaseStatus(to).label.lower()},
    )  # fmt: skip


@login_required
def case_edit(request, pk):
    """The case's own fields, saved as a patch of what the person changed. If someone else saved
    the case meanwhile, the form comes back with their input and what the other person changed."""
    case = get_case(request, pk)
    if request.htmx and request.htmx.trigger_name == "sector_search":
        return sector_results(request)
    if request.method != "POST":
        return render(request, "cases/case_edit.html", {"case": case, "form": f.CaseEditForm.for_case(case)})
    form = f.CaseEditForm.for_case(case, data=request.POST)
    conflict, status = None, 400
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("cases:detail", pk=case.pk)
        try:
            services.case_update(actor=request.user, case=case, expected_version=form.loaded_version(), **changes)
        except ApplicationError as exc:
            if not isinstance(exc, StaleObject):
                form.add_service_error(exc)
                status = exc.status
            else:
                case = get_case(request, pk)
                conflict = _what_changed(form.cleaned_data["loaded"]["values"], f.CaseEditForm.state_of(case))
                form = form.renewed(case)
                form.is_valid()  # the person's input, checked again, shown as they typed it
                status = 409
        else:
            messages.success(request, _("The case was saved."))
            return redirect("cases:detail", pk=case.pk)
    context = {"case": case, "form": form, "conflict": conflict, "conflict_seen": conflict is not None}
    return render(request, "cases/case_edit.html", context, status=status)


def _what_changed(loaded: dict, now: dict) -> list[dict]:
    return [
        {
            "label": FIELD_LABELS[field],
            "old": display_value(field, loaded.get(field)),
            "new": display_value(field, now[field]),
        }
        for field in f.EDIT_FIELDS
        if not f.same_value(now[field], loaded.get(field))
    ]


def sector_results(request):
    """The sector list for what was typed so far (the create and edit forms' live search)."""
    form = f.CaseFieldsForm(data=request.GET)
    return render(request, "cases/_sector_results.html", {"sector": form.sector_state()})


# --- subjects ---------------------------------------------------------------------------


@login_required
def add_organisation(request, pk):
    case = get_case(request, pk)
    if request.method == "GET":  # htmx: the number checked as it is typed
        return _check_organisation_number(request, case)
    if request.method != "POST":
        raise Http404
    form = f.OrganisationSubjectForm(request.POST, check_url=organisation_check_url(case))

    @transaction.atomic
    def write(data):
        organisation = services.organisation_upsert(
            actor=request.user, case=case, organisation_number=data["organisation_number"] or None, name=data["name"]
        )
        services.case_add_subject(
            actor=request.user, case=case, organisation=organisation, role=data["role"], note=data["note"]
        )
        return organisation

    return submit(
        request, case, section="subjects", form_name="organisation_form", form=form, write=write,
        message=lambda organisation: _("%(name)s was added to the case.") % {"name": organisation.name},
    )  # fmt: skip


def _check_organisation_number(request, case):
    number = "".join(request.GET.get("organisation_number", "").split())
    context = {"field": "organisation_number"}
    if number:
        try:
            number = validate_organisation_number(number)
        except ValidationError as exc:
            context["errors"] = validation_messages(exc)
        else:
            existing = case.organisations.filter(organisation_number=number).only("name").first()
            context["ok"] = (
                _("Already on this case: %(name)s. It will be linked again, not recorded twice.")
                % {"name": existing.name}
                if existing
                else _("A valid organisation number.")
            )
    return render(request, "cases/_check.html", context)


@login_required
def add_person(request, pk):
    case = get_case(request, pk)
    if request.method == "GET":
        return _check_identity_number(request, case)
    if request.method != "POST":
        raise Http404
    form = f.PersonSubjectForm(request.POST, check_url=person_check_url(case))

    @transaction.atomic
    def write(data):
        person = services.person_upsert(
            actor=request.user, case=case, name=data["name"], id_number=data["id_number"] or None,
            date_of_birth=data["date_of_birth"], nationality=data["nationality"],
        )  # fmt: skip
        services.case_add_subject(
            actor=request.user, case=case, person=person, role=data["role"],
            ilo_indicators=data["ilo_indicators"], note=data["note"],
        )  # fmt: skip
        return person

    return submit(
        request, case, section="subjects", form_name="person_form", form=form, write=write,
        message=lambda person: _("%(name)s was added to the case.") % {"name": person.name},
    )  # fmt: skip


def _check_identity_number(request, case):
    number = "".join(request.GET.get("id_number", "").split())
    context = {"field": "id_number"}
    if number:
        try:
            parsed = parse_identity_number(number)
        except ValidationError as exc:
            context["errors"] = validation_messages(exc)
        else:
            kind = c.IdKind(parsed.kind).label
            if parsed.birth_date:
                born = formats.date_format(parsed.birth_date, "SHORT_DATE_FORMAT")
                context["ok"] = _("A valid %(kind)s, born %(born)s.") % {"kind": kind.lower(), "born": born}
            else:
                context["ok"] = _("A valid %(kind)s.") % {"kind": kind.lower()}
            existing = case.persons.filter(id_number=parsed.number).only("name").first()
            if existing:
                context["ok"] += " " + _("Already on this case: %(name)s.") % {"name": existing.name}
    return render(request, "cases/_check.html", context)


@login_required
@require_POST
def remove_subject(request, pk, link_pk):
    case = get_case(request, pk)
    link = get_object_or_404(case.subjects.select_related("organisation", "person"), pk=link_pk)
    try:
        services.case_remove_subject(actor=request.user, link=link)
    except ApplicationError as exc:
        messages.error(request, for_people(exc.message))
        return redirect(reverse("cases:detail", args=[case.pk]) + "#subjects")
    return done(request, case, "subjects", _("%(name)s was unlinked.") % {"name": link.subject.name})


# --- journal ----------------------------------------------------------------------------


@login_required
@require_POST
def add_journal_entry(request, pk):
    case = get_case(request, pk)
    form = f.JournalForm(request.POST, request.FILES)

    def message(entry):
        if entry.visibility == c.Visibility.UNIT:
            return _("The note was written and shared with the unit.")
        return _("The note was written; only your agency reads it.")

    return submit(
        request, case, section="journal", form_name="journal_form", form=form, message=message,
        write=lambda data: services.journal_add(actor=request.user, case=case, **form.service_arguments()),
    )  # fmt: skip


@login_required
@require_GET
def attachment(request, pk, attachment_pk):
    case = get_case(request, pk)
    found = get_object_or_404(attachments_visible_to(request.user, case), pk=attachment_pk)
    record_read(request, action="attachment.view", obj=found, via="web", case=str(case.pk))
    return attachment_response(found)


# --- tasks ------------------------------------------------------------------------------


@login_required
@require_POST
def add_task(request, pk):
    case = get_case(request, pk)
    form = f.TaskForm(request.POST, people=list(case_viewers(case)))
    return submit(
        request, case, section="tasks", form_name="task_form", form=form, message=_("The task was added."),
        write=lambda data: services.task_create(actor=request.user, case=case, **data),
    )  # fmt: skip


@login_required
@require_POST
def assign_task(request, pk, task_pk):
    case = get_case(request, pk)
    task = get_object_or_404(case.tasks.all(), pk=task_pk)
    form = f.TaskAssignForm(request.POST, people=list(case_viewers(case)), prefix=f"task-{task.pk}")
    return submit(
        request, case, section="tasks", form_name="task_assign_form", form=form,
        write=lambda data: services.task_assign(actor=request.user, task=task, assignee=data["assignee"]),
        message=_("The task “%(title)s” was assigned.") % {"title": task.title},
    )  # fmt: skip


@login_required
@require_POST
def complete_task(request, pk, task_pk):
    case = get_case(request, pk)
    task = get_object_or_404(case.tasks.all(), pk=task_pk)
    try:
        services.task_set_status(actor=request.user, task=task, status=c.TaskStatus.DONE)
    except ApplicationError as exc:
        message, failed = for_people(exc.message), True
    else:
        message, failed = _("The task “%(title)s” is done.") % {"title": task.title}, False
    if failed and not request.htmx:
        messages.error(request, message)
        return redirect(reverse("cases:detail", args=[case.pk]) + "#tasks")
    return done(request, case, "tasks", message)


# --- assignees --------------------------------------------------------------------------


@login_required
@require_POST
def add_assignee(request, pk):
    case = get_case(request, pk)
    form = f.AssignForm(request.POST, people=list(assignable_officers(request.user, case)))
    return submit(
        request, case, section="assignees", form_name="assign_form", form=form,
        write=lambda data: services.case_assign(actor=request.user, case=case, officer=data["officer"]),
        message=lambda assignment: _("%(name)s is on the case.") % {"name": f.person_label(assignment.officer)},
    )  # fmt: skip


@login_required
@require_POST
def remove_assignee(request, pk, assignment_pk):
    case = get_case(request, pk)
    assignment = get_object_or_404(case.assignments.select_related("officer", "agency"), pk=assignment_pk)
    try:
        services.case_unassign(actor=request.user, assignment=assignment)
    except ApplicationError as exc:
        messages.error(request, for_people(exc.message))
        return redirect(reverse("cases:detail", args=[case.pk]) + "#assignees")
    name = f.person_label(assignment.officer)
    return done(request, case, "assignees", _("%(name)s was taken off the case.") % {"name": name})


# --- transfers --------------------------------------------------------------------------


@login_required
@require_POST
def request_transfer(request, pk):
    case = get_case(request, pk)
    return submit(
        request, case, section="transfers", form_name="transfer_form", form=f.TransferForm(request.POST, case=case),
        write=lambda data: services.transfer_request(actor=request.user, case=case, **data),
        message=_("The transfer was requested."),
    )  # fmt: skip


@login_required
@require_POST
def decide_transfer(request, transfer_pk):
    """The receiving coordinator's decision, from the incoming transfers or the case page."""
    transfer = get_object_or_404(transfers_visible_to(request.user), pk=transfer_pk)
    form = f.TransferDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.transfer_decide(actor=request.user, transfer=transfer, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_service_error(exc)
        else:
            accepted = form.cleaned_data["accept"]
            message = (
                _("The transfer of %(case)s was accepted.") if accepted else _("The transfer of %(case)s was refused.")
            )
            messages.success(request, message % {"case": transfer.case.reference})
            return redirect(_back(request, transfer))
    for error in form.errors.values():
        for message in error:
            messages.error(request, message)
    return redirect(_back(request, transfer))


def _back(request, transfer) -> str:
    if request.POST.get("from") == "case":
        return reverse("cases:detail", args=[transfer.case_id]) + "#transfers"
    return reverse("cases:transfers")


# --- history ----------------------------------------------------------------------------


@login_required
@require_GET
def case_history_page(request, pk):
    case = get_case(request, pk)
    page = Paginator(case_history(case), HISTORY_PAGE).get_page(request.GET.get("page"))
    context = {"case": case, "page": page, "history": case_history_lines(case, page.object_list)}
    return render(request, "cases/case_history.html", context)
