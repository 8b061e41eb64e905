"""Tasks on a case."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from cases import choices as c
from cases.models import Case, Task
from cases.permissions import require_case_worker
from cases.selectors import cases_visible_to
from tracker import audit
from tracker.exceptions import DomainValidationError, InvalidTransition
from tracker.services import clean, lock

TASK_FIELDS = ("case", "title", "assignee", "due_on", "status")


def _task_payload(task: Task) -> dict:
    """What a task's event tells: enough for the assignee's notification to name case and task."""
    return {
        "case": str(task.case_id),
        "reference": task.case.reference,
        "task": str(task.pk),
        "title": task.title,
        "assignee": str(task.assignee_id) if task.assignee_id else None,
        "due_on": task.due_on,
    }


def _check_assignee(case: Case, assignee) -> None:
    if assignee is not None and not cases_visible_to(assignee).filter(pk=case.pk).exists():
        raise DomainValidationError.for_field("assignee", "This user cannot see the case, so cannot be assigned to it.")


@transaction.atomic
def task_create(*, actor, case: Case, title: str, description: str = "", assignee=None, due_on=None) -> Task:
    require_case_worker(actor, case)
    _check_assignee(case, assignee)
    task = Task(case=case, title=title, description=description, assignee=assignee, due_on=due_on, created_by=actor)
    clean(task, exclude=["case", "created_by"])
    task.save()
    audit.record(
        actor=actor,
        action="task.create",
        obj=task,
        after=audit.snapshot(task, TASK_FIELDS),
        event_type="task.assigned" if assignee else "task.created",
        unit=case.unit,
        agencies=[a.code for a in case.agencies.all()],
        payload=_task_payload(task),
    )
    return task


@transaction.atomic
def task_assign(*, actor, task: Task, assignee) -> Task:
    """Give an open task to someone who can see its case (or to no one, with None)."""
    task = lock(task)
    case = task.case
    require_case_worker(actor, case)
    if task.status != c.TaskStatus.OPEN:
        raise InvalidTransition(f"The task is already {task.get_status_display().lower()}.")
    _check_assignee(case, assignee)
    if task.assignee_id == (assignee.pk if assignee else None):
        return task
    before = audit.snapshot(task, TASK_FIELDS)
    task.assignee = assignee
    task.save(update_fields=["assignee", "updated_at"])
    audit.record(
        actor=actor,
        action="task.assign",
        obj=task,
        before=before,
        after=audit.snapshot(task, TASK_FIELDS),
        # The new assignee is told, as when a task is created for them.
        event_type="task.assigned" if assignee else None,
        unit=case.unit,
        agencies=[a.code for a in case.agencies.all()],
        payload=_task_payload(task),
    )
    return task


@transaction.atomic
def task_set_status(*, actor, task: Task, status: str) -> Task:
    task = lock(task)
    require_case_worker(actor, task.case)
    if task.status != c.TaskStatus.OPEN:
        raise InvalidTransition(f"The task is already {task.get_status_display().lower()}.")
    if status not in (c.TaskStatus.DONE, c.TaskStatus.CANCELLED):
        raise DomainValidationError.for_field("status", "A task can be marked done or cancelled.")
    before = audit.snapshot(task, TASK_FIELDS)
    task.status, task.completed_at = status, timezone.now()
    task.save()
    audit.record(actor=actor, action="task.status", obj=task, before=before, after=audit.snapshot(task, TASK_FIELDS))
    return task
