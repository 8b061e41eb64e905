"""The case pages (web). Thin: scoped reads from cases.selectors, writes through cases.services."""

from cases.views.create import case_create
from cases.views.detail import (
    add_assignee,
    add_journal_entry,
    add_organisation,
    add_person,
    add_task,
    assign_task,
    attachment,
    case_detail,
    case_edit,
    case_history_page,
    case_transition,
    complete_task,
    decide_transfer,
    remove_assignee,
    remove_subject,
    request_transfer,
)
from cases.views.lists import case_list, transfer_inbox
from cases.views.reveal import reveal_number
from cases.views.tips import tip_detail, tip_dismiss, tip_inbox, tip_merge

__all__ = [
    "add_assignee",
    "add_journal_entry",
    "add_organisation",
    "add_person",
    "add_task",
    "assign_task",
    "attachment",
    "case_create",
    "case_detail",
    "case_edit",
    "case_history_page",
    "case_list",
    "case_transition",
    "complete_task",
    "decide_transfer",
    "remove_assignee",
    "remove_subject",
    "request_transfer",
    "reveal_number",
    "tip_detail",
    "tip_dismiss",
    "tip_inbox",
    "tip_merge",
    "transfer_inbox",
]
