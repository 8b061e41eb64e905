"""Every write to cases, their subjects, journal, tasks, tips and transfers goes through here.

One module per concern; callers keep ``from cases import services`` and ``services.case_create``."""

from cases.services.assignment import case_assign, case_unassign
from cases.services.cases import (
    EDITABLE_CASE_FIELDS,
    agencies_by_code,
    case_bulk_create,
    case_create,
    case_transition,
    case_update,
    participating_agencies,
)
from cases.services.core import CASE_FIELDS, journal_system, lock_case
from cases.services.journal import journal_add
from cases.services.subjects import case_add_subject, case_remove_subject, organisation_upsert, person_upsert
from cases.services.tasks import TASK_FIELDS, task_assign, task_create, task_set_status
from cases.services.tips import TIP_FIELDS, tip_create, tip_dismiss, tip_merge, tip_promote
from cases.services.transfers import TRANSFER_FIELDS, transfer_decide, transfer_request

__all__ = [
    "CASE_FIELDS",
    "EDITABLE_CASE_FIELDS",
    "TASK_FIELDS",
    "TIP_FIELDS",
    "TRANSFER_FIELDS",
    "agencies_by_code",
    "case_add_subject",
    "case_assign",
    "case_bulk_create",
    "case_create",
    "case_remove_subject",
    "case_transition",
    "case_unassign",
    "case_update",
    "journal_add",
    "journal_system",
    "lock_case",
    "organisation_upsert",
    "participating_agencies",
    "person_upsert",
    "task_assign",
    "task_create",
    "task_set_status",
    "tip_create",
    "tip_dismiss",
    "tip_merge",
    "tip_promote",
    "transfer_decide",
    "transfer_request",
]
