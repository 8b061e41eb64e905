"""A case's audit trail in plain words, for its page.

The audit rows keep ids and codes (what oversight needs); people read names and sentences.
Nothing here shows a journal entry's content: an entry's row is worded from its visibility
alone, so another agency's unshared note appears as "wrote a note for their own agency".
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import formats
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from agencies.models import User
from cases import choices as c
from cases import nace
from cases.models import Organisation, Person
from tracker.models import AuditEntry

# The fields a change of the case's own data names (case.update), with their labels.
FIELD_LABELS = {
    "title": gettext_lazy("Title"),
    "summary": pgettext_lazy("case field", "Summary"),
    "sector": gettext_lazy("Sector"),
    "offences": gettext_lazy("Offence categories"),
    "priority": gettext_lazy("Priority"),
    "source": gettext_lazy("Source"),
    "received_on": gettext_lazy("Received"),
    "lead_agency": gettext_lazy("Lead agency"),
    "agencies": gettext_lazy("Agencies taking part"),
}
# Named as changed, not quoted: a long text, and agencies (recorded by code).
_NOT_QUOTED = {"summary", "lead_agency", "agencies"}
_CHOICES = {"priority", "source", "offences"}


def _choice(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "")


def display_value(field: str, value) -> str:
    """A case field's value as people read it (choices by name, dates in the local format)."""
    if value in (None, "", []):
        return "—"
    if field == "sector":
        return f"{nace.label(value)} ({value})" if nace.label(value) else str(value)
    if field == "offences":
        return ", ".join(_choice(c.OffenceCategory, v) for v in value)
    if field == "priority":
        return _choice(c.Priority, value)
    if field == "source":
        return _choice(c.CaseSource, value)
    if field == "status":
        return _choice(c.CaseStatus, value)
    if field == "received_on":
        day = value if isinstance(value, datetime.date) else parse_date(str(value))
        return formats.date_format(day, "SHORT_DATE_FORMAT") if day else str(value)
    return str(value)


@dataclass(frozen=True)
class HistoryLine:
    at: datetime.datetime
    who: str
    agency: str
    what: str


class _Names:
    """Names for the ids in a page of audit rows, read in one query per kind."""

    def __init__(self, case, entries: list[AuditEntry]):
        people = set()
        for entry in entries:
            for state in (entry.before or {}, entry.after or {}):
                for key in ("officer", "assignee"):
                    if state.get(key):
                        people.add(state[key])
        self.people = {str(u.pk): _person(u) for u in User.objects.filter(pk__in=people)} if people else {}
        self.subjects: dict[str, str] = {}
        if any(e.action.startswith("case.subject_") for e in entries):
            for model in (Organisation, Person):
                names = model.objects.filter(case_id=case.pk).values_list("pk", "name")
                self.subjects.update((str(pk), name) for pk, name in names)

    def person(self, pk) -> str:
        return self.people.get(str(pk), _("someone"))

    def subject(self, state: dict) -> str:
        return self.subjects.get(str(state.get("organisation") or state.get("person")), _("a subject"))


def _person(user) -> str:
    return user.get_full_name() or user.username


def _changes(before: dict, after: dict) -> str:
    parts = []
    for field, label in FIELD_LABELS.items():
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        label = str(label).lower()  # inside a sentence
        if field in _NOT_QUOTED:
            parts.append(label)
            continue
        old, new = display_value(field, old), display_value(field, new)
        if field in _CHOICES:
            old, new = old.lower(), new.lower()
        parts.append(_("%(field)s from %(old)s to %(new)s") % {"field": label, "old": old, "new": new})
    return "; ".join(parts)


def _word(entry: AuditEntry, names: _Names) -> str:  # noqa: PLR0911, C901 (one branch per action)
    before, after = entry.before or {}, entry.after or {}
    action = entry.action
    if action == "case.create":
        return _("Registered the case.")
    if action == "case.update":
        changed = _changes(before, after)
        return _("Changed %(changes)s.") % {"changes": changed} if changed else _("Changed the case.")
    if action == "case.transition":
        return _("Changed the status from %(old)s to %(new)s.") % {
            "old": display_value("status", before.get("status")).lower(),
            "new": display_value("status", after.get("status")).lower(),
        }
    if action == "case.transfer":
        return _("Moved the case to another unit.")
    if action == "organisation.create":
        return _("Recorded the organisation %(name)s.") % {"name": after.get("name", "")}
    if action == "person.create":
        return _("Recorded the person %(name)s.") % {"name": after.get("name", "")}
    if action == "case.subject_add":
        return _("Linked %(subject)s as %(role)s.") % {
            "subject": names.subject(after),
            "role": _choice(c.SubjectRole, after.get("role")).lower(),
        }
    if action == "case.subject_remove":
        return _("Unlinked %(subject)s (%(role)s).") % {
            "subject": names.subject(before),
            "role": _choice(c.SubjectRole, before.get("role")).lower(),
        }
    if action == "case.assign":
        return _("Put %(officer)s on the case.") % {"officer": names.person(after.get("officer"))}
    if action == "case.unassign":
        return _("Took %(officer)s off the case.") % {"officer": names.person(before.get("officer"))}
    if action == "journal.add":
        if after.get("visibility") == c.Visibility.UNIT:
            return _("Wrote a journal note shared with the unit.")
        return _("Wrote a journal note for their own agency.")
    if action == "task.create":
        if after.get("assignee"):
            return _("Created the task “%(title)s” for %(assignee)s.") % {
                "title": after.get("title", ""),
                "assignee": names.person(after["assignee"]),
            }
        return _("Created the task “%(title)s”.") % {"title": after.get("title", "")}
    if action == "task.assign":
        if after.get("assignee"):
            return _("Gave the task “%(title)s” to %(assignee)s.") % {
                "title": after.get("title", ""),
                "assignee": names.person(after["assignee"]),
            }
        return _("Left the task “%(title)s” without an assignee.") % {"title": after.get("title", "")}
    if action == "task.status":
        return _("Marked the task “%(title)s” as %(status)s.") % {
            "title": after.get("title", ""),
            "status": _choice(c.TaskStatus, after.get("status")).lower(),
        }
    if action == "tip.promote":
        return _("Opened the case from a tip.")
    if action == "tip.merge":
        return _("Merged a tip into the case.")
    if action == "transfer.request":
        return _("Asked for the case to be transferred to another unit.")
    if action == "transfer.decide":
        if after.get("status") == c.TransferStatus.ACCEPTED:
            return _("Accepted the transfer.")
        return _("Refused the transfer.")
    return _("Made a change.")


def case_history_lines(case, entries) -> list[HistoryLine]:
    """Plain-words lines for a page of ``case_history`` rows (already evaluated or a slice)."""
    entries = list(entries)
    names = _Names(case, entries)
    lines = []
    for entry in entries:
        actor = entry.actor
        agency = entry.actor_agency.display_name if entry.actor_agency else ""
        who = _person(actor) if actor else _("The system")
        lines.append(HistoryLine(at=entry.at, who=who, agency=agency, what=_word(entry, names)))
    return lines
