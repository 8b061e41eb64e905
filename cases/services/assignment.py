"""Officers assigned to a case."""

from __future__ import annotations

from django.db import transaction

from cases.models import Case, CaseAssignment
from cases.permissions import can_work_on_case, may_assign, require_case_worker
from cases.services.core import journal_system, lock_case
from tracker import audit
from tracker.exceptions import Conflict, DomainValidationError, NotPermitted
from tracker.services import lock


def _require_may_assign(actor, case: Case, officer) -> None:
    """A coordinator assigns anyone; an officer puts people of their own agency on the case."""
    require_case_worker(actor, case)
    if not may_assign(actor, case, officer):
        raise NotPermitted("Each agency decides whom it puts on a case: ask the officer's agency or a coordinator.")


@transaction.atomic
def case_assign(*, actor, case: Case, officer) -> CaseAssignment:
    case = lock_case(case)
    if not (officer.is_active and officer.kind == "person") or not can_work_on_case(officer, case):
        raise DomainValidationError.for_field(
            "officer", "Only a case officer of a participating agency or a coordinator of the unit can work the case."
        )
    _require_may_assign(actor, case, officer)
    if case.assignments.filter(officer=officer).exists():
        raise Conflict(f"{officer} is already on this case.")
    assignment = CaseAssignment.objects.create(case=case, officer=officer, agency=officer.agency, assigned_by=actor)
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    journal_system(case, actor=actor, body=f"{officer} put on the case.")
    _record_assignment(actor, assignment)
    return assignment


@transaction.atomic
def case_unassign(*, actor, assignment: CaseAssignment) -> None:
    case = lock(assignment.case)
    _require_may_assign(actor, case, assignment.officer)
    _record_assignment(actor, assignment, removed=True)
    assignment.delete()
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    journal_system(case, actor=actor, body=f"{assignment.officer} taken off the case.")


def _record_assignment(actor, assignment: CaseAssignment, *, removed: bool = False) -> None:
    state = audit.snapshot(assignment, ["case", "officer", "agency"])
    case = assignment.case
    audit.record(
        actor=actor,
        action="case.unassign" if removed else "case.assign",
        obj=assignment,
        before=state if removed else None,
        after=None if removed else state,
        event_type="case.unassigned" if removed else "case.assigned",
        unit=case.unit,
        agencies=[a.code for a in case.agencies.all()],
        payload={
            "reference": case.reference,
            "case": str(case.pk),
            "assignee": str(assignment.officer_id),
            "agency": assignment.agency.code,
        },  # fmt: skip
    )
