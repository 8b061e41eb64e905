"""The case page, built section by section: the whole page for a visit, one section (and the
journal and history it changed, out of band) for an htmx request."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from cases import choices as c
from cases import forms as f
from cases import nace
from cases import services as case_services
from cases.history import case_history_lines
from cases.messages import system_record
from cases.permissions import can_work_on_case, may_assign, may_decide_transfer, transitions_for
from cases.selectors import (
    assignable_officers,
    case_history,
    case_related_work,
    case_viewers,
    cases_visible_to,
    journal_timeline,
)
from tracker.access_audit import record_read
from tracker.exceptions import ApplicationError


class _ServicesInEnglish:
    """cases.services, run in English. What services record (the journal's system records, the
    audit trail, their messages) reads the same whoever made the change, as it does through the
    API; the pages translate what they show (cases.messages)."""

    def __getattr__(self, name):
        service = getattr(case_services, name)

        @functools.wraps(service)
        def call(**kwargs):
            with translation.override("en"):
                return service(**kwargs)

        return call


services = _ServicesInEnglish()

JOURNAL_PAGE = 20
HISTORY_ON_PAGE = 12

# What a button that moves a case to a status says.
TRANSITION_LABELS = {
    c.CaseStatus.ASSESSMENT: (_("Start the assessment"), _("Reopen for assessment")),
    c.CaseStatus.ACTIVE: (_("Make the case active"), _("Reopen as active")),
}


def organisation_check_url(case) -> str:
    return reverse("cases:add_organisation", args=[case.pk])


def person_check_url(case) -> str:
    return reverse("cases:add_person", args=[case.pk])


# The GETs that show the case (the page with its htmx journal pages, its history, its edit
# form) record ``case.view``; a download records ``attachment.view``; the number checks run as
# one types are not views; a POST is a write, audited by its service.
CASE_VIEW_PAGES = {"detail", "history", "edit"}


def get_case(request, pk):
    """The case, if the user may see it (404 otherwise), with what every section reads."""
    case = get_object_or_404(
        cases_visible_to(request.user).prefetch_related("assignments__officer"),
        pk=pk,
    )
    if request.method in ("GET", "HEAD") and request.resolver_match.url_name in CASE_VIEW_PAGES:
        record_read(request, action="case.view", obj=case, via="web", page=request.resolver_match.url_name)
    return case


class CasePage:
    SECTIONS = ("status", "subjects", "journal", "tasks", "assignees", "work", "transfers", "history")

    def __init__(self, request, case, forms: dict | None = None):
        self.request, self.case, self.user = request, case, request.user
        self.forms = forms or {}
        self.can_work = can_work_on_case(self.user, case)

    def form(self, name, factory):
        return self.forms.get(name) or factory()

    # --- sections ---------------------------------------------------------------------

    def status(self) -> dict:
        case = self.case
        reopening = case.status == c.CaseStatus.CLOSED
        actions = []
        for to in transitions_for(self.user, case):
            if to == c.CaseStatus.CLOSED:
                continue
            labels = TRANSITION_LABELS.get(to)
            actions.append({"to": to, "label": labels[1] if reopening else labels[0]})
        return {
            "transitions": actions,
            "can_close": c.CaseStatus.CLOSED in transitions_for(self.user, case),
            "close_form": self.form("close_form", lambda: f.TransitionForm(initial={"to": c.CaseStatus.CLOSED})),
            "offences": [c.OffenceCategory(o).label for o in case.offences if o in c.OffenceCategory.values],
            "sector_label": nace.label(case.sector),
        }

    def subjects(self) -> dict:
        links = list(self.case.subjects.select_related("organisation", "person"))
        for link in links:
            link.ilo_labels = [c.IloIndicator(i).label for i in link.ilo_indicators if i in c.IloIndicator.values]
            if link.person_id and link.person.nationality:
                link.nationality_name = f.country_name(link.person.nationality)
        return {
            "subject_links": links,
            "organisation_form": self.form(
                "organisation_form", lambda: f.OrganisationSubjectForm(check_url=organisation_check_url(self.case))
            ),
            "person_form": self.form("person_form", lambda: f.PersonSubjectForm(check_url=person_check_url(self.case))),
        }

    def journal(self) -> dict:
        page = Paginator(journal_timeline(self.user, self.case), JOURNAL_PAGE).get_page(
            self.request.GET.get("journal_page")
        )
        for entry in page:
            if entry.kind == c.JournalKind.SYSTEM:
                entry.text = system_record(entry.text)
            if entry.basis in c.LegalBasis.values:
                entry.basis_label = c.LegalBasis(entry.basis).label
        return {
            "journal_page": page,
            "journal_form": self.form("journal_form", f.JournalForm),
            "may_write_journal": self.can_work and self.user.agency_id is not None,
        }

    def tasks(self) -> dict:
        people = list(case_viewers(self.case).order_by("first_name", "last_name"))
        tasks = list(self.case.tasks.select_related("assignee__agency"))
        failed = self.forms.get("task_assign_form")
        for task in tasks:
            if task.status == c.TaskStatus.OPEN and self.can_work:
                mine = failed is not None and failed.prefix == f"task-{task.pk}"
                task.assign_form = (
                    failed
                    if mine
                    else f.TaskAssignForm(
                        people=people, prefix=f"task-{task.pk}", initial={"assignee": task.assignee_id}
                    )
                )
        return {
            "tasks": tasks,
            "task_form": self.form("task_form", lambda: f.TaskForm(people=people)),
        }

    def assignees(self) -> dict:
        assignments = list(self.case.assignments.all())
        for assignment in assignments:
            assignment.removable = may_assign(self.user, self.case, assignment.officer)
        return {
            "assignments": assignments,
            "assign_form": self.form(
                "assign_form",
                lambda: f.AssignForm(
                    people=assignable_officers(self.user, self.case).order_by("first_name", "last_name")
                ),
            ),
        }

    def work(self) -> dict:
        context = {}
        for part in case_related_work(user=self.user, case=self.case):
            context.update(part)
        return context

    def transfers(self) -> dict:
        transfers = list(self.case.transfers.select_related("from_unit", "to_unit", "requested_by"))
        for transfer in transfers:
            transfer.decidable = may_decide_transfer(self.user, transfer)
        pending = any(t.status == c.TransferStatus.PENDING for t in transfers)
        return {
            "transfers": transfers,
            "transfer_form": None
            if pending or not self.can_work
            else self.form("transfer_form", lambda: f.TransferForm(case=self.case)),
            "decision_form": self.form("decision_form", f.TransferDecisionForm),
        }

    def history(self) -> dict:
        rows = list(case_history(self.case)[:HISTORY_ON_PAGE])
        return {"history": case_history_lines(self.case, rows)}

    # --- rendering --------------------------------------------------------------------

    def context(self, *sections) -> dict:
        context = {"case": self.case, "can_work": self.can_work}
        for section in sections or self.SECTIONS:
            context.update(getattr(self, section)())
        return context

    def page(self, status: int = 200):
        return render(self.request, "cases/case_detail.html", self.context(), status=status)

    def section(self, name: str, status: int = 200, *, also=("journal", "history"), message: str = ""):
        """One section for htmx, with the journal and history refreshed beside it (out of band)."""
        also = [s for s in also if s != name]
        context = self.context(name, *also)
        context.update({"section_template": f"cases/_{name}.html", "oob_sections": also, "section_message": message})
        return render(self.request, "cases/_section_response.html", context, status=status)


def done(request, case, section: str, message: str):
    """After a change: the fresh section for htmx, else back to the page with a message."""
    if request.htmx:
        case = get_case(request, case.pk)
        return CasePage(request, case).section(section, message=message)
    messages.success(request, message)
    return redirect(reverse("cases:detail", args=[case.pk]) + f"#{section}")


def submit(request, case, *, section: str, form_name: str, form, write, message):
    """Every form on the case page has this shape: check the input, write through the service,
    then answer with the section (or the page). ``write(data)`` calls the service; ``message``
    says what was done (a callable gets ``write``'s result)."""
    status = 400
    if form.is_valid():
        try:
            result = write(form.cleaned_data)
        except ApplicationError as exc:
            form.add_service_error(exc)
            status = exc.status
        else:
            return done(request, case, section, message(result) if callable(message) else message)
    return invalid(request, case, section, {form_name: form}, status)


def invalid(request, case, section: str, forms: dict, status: int):
    """A form the person must correct: back with their input and the messages, nothing saved."""
    page = CasePage(request, case, forms)
    if request.htmx:
        return page.section(section, status=status, also=())
    return page.page(status=status)
