"""What nearly every case write shares: the case row lock, the journal's system entries and the case's audit record."""

from __future__ import annotations

from collections.abc import Iterable

from agencies.models import Agency
from cases import choices as c
from cases.models import Case, JournalEntry
from tracker import audit

CASE_FIELDS = (
    "reference",
    "unit",
    "title",
    "summary",
    "lead_agency",
    "sector",
    "offences",
    "priority",
    "source",
    "received_on",
    "status",
    "outcome",
    "outcome_note",
    "version",
)


def _case_state(case: Case, agencies: Iterable[Agency] | None = None) -> dict:
    """The audited state; ``agencies`` when the caller has just written them (saves reading them back)."""
    state = audit.snapshot(case, CASE_FIELDS)
    state["agencies"] = sorted(a.code for a in (case.agencies.all() if agencies is None else agencies))
    return state


def _record_case(
    case: Case, *, actor, action: str, before: dict | None, event_type: str | None = None, payload=None, agencies=None
):
    audit.record(
        **case_record(
            case, actor=actor, action=action, before=before, event_type=event_type, payload=payload, agencies=agencies
        )
    )


def case_record(
    case: Case, *, actor, action: str, before: dict | None, event_type: str | None = None, payload=None, agencies=None
) -> dict:
    """The arguments of the case's audit record (``audit.record`` or, in bulk, ``audit.record_many``)."""
    after = _case_state(case, agencies)
    return {
        "actor": actor,
        "action": action,
        "obj": case,
        "before": before,
        "after": after,
        "event_type": event_type,
        "unit": case.unit,
        "agencies": after["agencies"],
        "payload": payload or {"reference": case.reference, **after},
    }


def lock_case(case: Case) -> Case:
    """Re-read ``case`` with a row lock, for the rest of the transaction, with what nearly every
    service reads of it next: its unit and lead agency (joined) and its agencies (one query, which
    the permission check, the audit's before and after and the response then share; Django drops
    it when the agencies are changed through the relation)."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("unit", "lead_agency")
        .prefetch_related("agencies")
        .get(pk=case.pk)
    )


def journal_system(case: Case, *, actor, body: str) -> JournalEntry:
    """A system entry, visible to the unit: what happened to the case, for the people on it.

    Recorded in English whatever language the caller speaks (a page in Bokmål, a task with no
    language), so every record reads alike; the pages translate them (cases.messages)."""
    entry = journal_system_entry(case, actor=actor, body=body)
    entry.save(force_insert=True)
    return entry


def journal_system_entry(case: Case, *, actor, body: str) -> JournalEntry:
    """The unsaved system entry (a bulk import writes many in one INSERT)."""
    return JournalEntry(
        case=case,
        author=actor if actor and actor.pk else None,
        agency_id=getattr(actor, "agency_id", None) or case.lead_agency_id,  # ids: no need to read the agency
        kind=c.JournalKind.SYSTEM,
        visibility=c.Visibility.UNIT,
        body=body,
    )
