"""Cases: creation with their reference number, edits, participating agencies and workflow transitions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, transaction
from django.utils import timezone, translation

from agencies.models import Agency, RegionalUnit
from cases import choices as c
from cases.models import Case, CaseReferenceCounter, JournalEntry
from cases.nace import normalise
from cases.permissions import (
    can_work_on_case,
    require_case_worker,
    require_coordinator,
    require_participant_changer,
    require_unit_worker,
    sees_whole_unit,
)
from cases.services.assignment import _record_assignment
from cases.services.core import _case_state, _record_case, case_record, journal_system, journal_system_entry, lock_case
from tracker import audit
from tracker.exceptions import (
    ApplicationError,
    BulkInvalidError,
    DomainValidationError,
    InvalidTransition,
    NotPermitted,
)
from tracker.services import check_version, clean

EDITABLE_CASE_FIELDS = ("title", "summary", "sector", "offences", "priority", "source", "received_on")


def _next_number(unit: RegionalUnit, year: int, count: int = 1) -> int:
    """The last of ``count`` new numbers (the others are the ones before it)."""
    # Upsert with RETURNING: the row stays locked until commit, so concurrent creators
    # queue here, and a rolled-back creation gives its numbers back.
    table = CaseReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (unit_id, year, last_number) VALUES (%s, %s, %s)
            ON CONFLICT (unit_id, year) DO UPDATE SET last_number = {table}.last_number + EXCLUDED.last_number
            RETURNING last_number
            """,
            [unit.pk, year, count],
        )
        return cursor.fetchone()[0]


def agencies_by_code(codes: Iterable[str | Agency], field: str = "agencies") -> list[Agency]:
    given = list(codes)
    if all(isinstance(a, Agency) and a.is_active for a in given):
        return list({a.code: a for a in given}.values())  # read and checked by the caller already
    codes = [a.code if isinstance(a, Agency) else a for a in given]
    found = {a.code: a for a in Agency.objects.filter(code__in=codes, is_active=True)}
    missing = sorted(set(codes) - found.keys())
    if missing:
        raise DomainValidationError.for_field(field, f"Unknown agency: {', '.join(missing)}.")
    return [found[code] for code in dict.fromkeys(codes)]


def participating_agencies(
    unit: RegionalUnit, lead: Agency, agencies: Iterable[Agency | str], unit_agency_codes: set[str] | None = None
) -> list[Agency]:
    """The lead and the other agencies, all of which must be members of the unit."""
    participating = agencies_by_code([lead, *agencies])
    unit_agencies = (
        unit_agency_codes if unit_agency_codes is not None else set(unit.agencies.values_list("code", flat=True))
    )
    outside = sorted(a.code for a in participating if a.code not in unit_agencies)
    if outside:
        raise DomainValidationError.for_field("agencies", f"Not a member agency of {unit.code}: {', '.join(outside)}.")
    return participating


def _check_offences(offences: Sequence[str]) -> list[str]:
    unknown = sorted(set(offences) - set(c.OffenceCategory.values))
    if unknown:
        raise DomainValidationError.for_field("offences", f"Unknown offence category: {', '.join(unknown)}.")
    return list(dict.fromkeys(offences))


def _new_case(
    *,
    actor,
    unit: RegionalUnit,
    title: str,
    lead_agency: Agency | str,
    sector: str,
    source: str,
    received_on: datetime.date | None = None,
    summary: str = "",
    agencies: Iterable[Agency | str] = (),
    offences: Sequence[str] = (),
    priority: str = c.Priority.NORMAL,
    unit_agency_codes: set[str] | None = None,
) -> tuple[Case, list[Agency]]:
    """Every check of a new case, in order, and the unsaved case (no number yet) with its
    participating agencies. ``unit_agency_codes``: the unit's member agencies, when the caller
    has read them already (a bulk import reads them once per unit)."""
    require_unit_worker(actor, unit.pk)
    lead = agencies_by_code([lead_agency], "lead_agency")[0]
    participating = participating_agencies(unit, lead, agencies, unit_agency_codes)
    if not actor.is_superuser and actor.agency_id not in {a.pk for a in participating}:
        raise NotPermitted("You can only create cases in which your own agency takes part.")
    received_on = received_on or timezone.localdate()
    case = Case(
        unit=unit,
        title=title,
        summary=summary,
        lead_agency=lead,
        sector=normalise(sector or ""),
        offences=_check_offences(offences),
        priority=priority,
        source=source,
        received_on=received_on,
        created_by=actor,
        year=received_on.year,
        number=0,
        reference="pending",
    )
    # The unit and the lead agency were read in this transaction: no need to ask again that they
    # exist. The check constraints (a closed case has an outcome; the date received in range) cannot
    # fail for a new case whose date the field's validator has checked; the database holds them anyway.
    clean(
        case, exclude=["reference", "year", "number", "created_by", "unit", "lead_agency"], validate_constraints=False
    )
    return case, participating


def _registered(case: Case, number: int) -> None:
    case.number = number
    case.reference = Case.format_reference(case.unit.code, case.year, number)


def _creation_record(case: Case, actor, participating: list[Agency]) -> dict:
    return case_record(
        case, actor=actor, action="case.create", before=None, event_type="case.created", agencies=participating
    )


@transaction.atomic
def case_create(*, actor, **fields) -> Case:
    """Register a case (see :func:`_new_case` for its fields and checks) with its reference number."""
    case, participating = _new_case(actor=actor, **fields)
    _registered(case, _next_number(case.unit, case.year))
    case.save()
    Case.agencies.through.objects.bulk_create([Case.agencies.through(case=case, agency=a) for a in participating])
    journal_system(case, actor=actor, body=f"Case {case.reference} registered.")
    audit.record(**_creation_record(case, actor, participating))
    return case


def case_bulk_create(
    *, actor, cases: Sequence[dict | None], input_errors: Mapping[int, list[dict]] | None = None
) -> list[Case]:
    """Create every case or none. ``cases`` holds each case's case_create arguments by position;
    ``input_errors`` what the caller's own input checks found wrong, by position, as JSON pointers
    (``/cases/<position>/<field>``): those items are not created. Every item's errors are raised at
    once, in order, as one BulkInvalidError, and nothing is kept.

    The same checks and the same rows as :func:`case_create`, written set by set: every case is
    checked before anything is written, then one INSERT per table and one reference counter
    update per unit and year, whatever the number of cases (case_create one by one made 14
    statements a case: 100 cases a second)."""
    input_errors = input_errors or {}
    errors: list[dict] = []
    new: list[tuple[Case, list[Agency]]] = []
    unit_agency_codes: dict[int, set[str]] = {}
    active = _active_agencies_named_in(cases)
    for index, fields in enumerate(cases):
        if index in input_errors:
            errors.extend(input_errors[index])
            continue
        try:
            fields = {
                **fields,
                "lead_agency": active.get(fields["lead_agency"], fields["lead_agency"]),
                "agencies": [active.get(a, a) for a in fields.get("agencies", ())],
            }
            unit = fields["unit"]
            if unit.pk not in unit_agency_codes:
                unit_agency_codes[unit.pk] = set(unit.agencies.values_list("code", flat=True))
            new.append(_new_case(actor=actor, unit_agency_codes=unit_agency_codes[unit.pk], **fields))
        except ApplicationError as exc:
            errors.extend({"pointer": f"/cases/{index}/{field}", "detail": msg} for field, msg in exc.errors.items())
            if not exc.errors:
                errors.append({"pointer": f"/cases/{index}", "detail": exc.message})
    if errors:
        items = len({e["pointer"].split("/")[2] for e in errors if e["pointer"].count("/") >= 2})
        raise BulkInvalidError(f"{items} of the cases are invalid; nothing was created.", pointed=errors)
    with transaction.atomic():
        _number_all([case for case, _ in new])
        created = Case.objects.bulk_create([case for case, _ in new])
        Case.agencies.through.objects.bulk_create(
            [Case.agencies.through(case=case, agency=a) for case, participating in new for a in participating]
        )
        JournalEntry.objects.bulk_create(
            [journal_system_entry(case, actor=actor, body=f"Case {case.reference} registered.") for case, _ in new]
        )
        audit.record_many([_creation_record(case, actor, participating) for case, participating in new])
    return created


def _active_agencies_named_in(cases: Sequence[dict | None]) -> dict[str, Agency]:
    """The active agencies the items name by code, read once (an unknown code stays a code, and
    case_create's own check refuses it)."""
    codes = {
        code
        for fields in cases
        if fields
        for code in [fields.get("lead_agency"), *fields.get("agencies", ())]
        if isinstance(code, str)
    }
    return {a.code: a for a in Agency.objects.filter(code__in=codes, is_active=True)} if codes else {}


def _number_all(cases: Sequence[Case]) -> None:
    """Give each case its reference number in order: one counter update per unit and year, taken
    in a fixed order so that two imports into the same units cannot deadlock."""
    by_counter: dict[tuple[int, int], list[Case]] = {}
    for case in cases:
        by_counter.setdefault((case.unit.pk, case.year), []).append(case)
    for (_unit, year), group in sorted(by_counter.items(), key=lambda item: item[0]):
        last = _next_number(group[0].unit, year, count=len(group))
        for number, case in enumerate(group, start=last - len(group) + 1):
            _registered(case, number)


@transaction.atomic
def case_update(
    *, actor, case: Case, expected_version: int | None = None, agencies=None, lead_agency=None, **changes
) -> Case:
    case = lock_case(case)
    check_version(case, expected_version)
    require_case_worker(actor, case)
    unknown = set(changes) - set(EDITABLE_CASE_FIELDS)
    if unknown:
        raise DomainValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    before = _case_state(case)
    participation = _participation_change(actor, case, agencies, lead_agency)
    if "sector" in changes:
        changes["sector"] = normalise(changes["sector"] or "")
    if "offences" in changes:
        changes["offences"] = _check_offences(changes["offences"])
    for field, value in changes.items():
        setattr(case, field, value)
    clean(case)
    if participation is not None:
        _apply_participation(actor, case, *participation)
    case.version += 1
    case.save()
    _record_case(case, actor=actor, action="case.update", before=before, event_type="case.updated")
    return case


def _participation_change(actor, case: Case, agencies, lead_agency) -> tuple[Agency, list[Agency]] | None:
    """The new lead and participants, checked before anything is written; None when they stay."""
    if agencies is None and lead_agency is None:
        return None
    lead = agencies_by_code([lead_agency], "lead_agency")[0] if lead_agency is not None else case.lead_agency
    current = [a.code for a in case.agencies.all()]
    participating = participating_agencies(case.unit, lead, current if agencies is None else agencies)
    if lead.pk == case.lead_agency_id and {a.code for a in participating} == set(current):
        return None
    require_participant_changer(actor, case)
    if not sees_whole_unit(actor, case.unit_id) and actor.agency_id not in {a.pk for a in participating}:
        # Else the change would hide the case from the one making it.
        raise DomainValidationError.for_field(
            "agencies", f"Your agency ({actor.agency.code}) must stay a participant in the case."
        )
    return lead, participating


def _apply_participation(actor, case: Case, lead: Agency, participating: list[Agency]) -> None:
    old_codes = {a.code for a in case.agencies.all()}
    old_lead = case.lead_agency
    case.lead_agency = lead
    case.agencies.set(participating)
    new_codes = {a.code for a in participating}
    removed, added = sorted(old_codes - new_codes), sorted(new_codes - old_codes)
    lines = []
    if removed:
        lines.append(f"No longer taking part: {', '.join(removed)}.")
    if added:
        lines.append(f"Now taking part: {', '.join(added)}.")
    if lead.pk != old_lead.pk:
        lines.append(f"Lead agency changed from {old_lead.code} to {lead.code}.")
    journal_system(case, actor=actor, body=" ".join(lines))
    # Officers of an agency that left can no longer work the case: take them off it.
    for assignment in case.assignments.select_related("officer__agency", "agency"):
        if not can_work_on_case(assignment.officer, case):
            _record_assignment(actor, assignment, removed=True)
            assignment.delete()
            journal_system(case, actor=actor, body=f"{assignment.officer} taken off the case.")


@transaction.atomic
def case_transition(
    *, actor, case: Case, to: str, outcome: str = "", note: str = "", expected_version: int | None = None
) -> Case:
    case = lock_case(case)
    check_version(case, expected_version)
    require_case_worker(actor, case)
    if to not in case.allowed_transitions():
        raise InvalidTransition(f"A case cannot go from {case.get_status_display().lower()} to {to}.")
    if case.status == c.CaseStatus.CLOSED:
        require_coordinator(actor, case.unit_id, "reopen a case")
    before = _case_state(case)
    if to == c.CaseStatus.CLOSED:
        if outcome not in c.CaseOutcome.values:
            raise DomainValidationError.for_field("outcome", "Closing a case needs an outcome.")
        case.outcome, case.outcome_note, case.closed_at = outcome, note, timezone.now()
    elif case.status == c.CaseStatus.CLOSED:
        case.outcome, case.outcome_note, case.closed_at = "", "", None
    previous = case.status
    case.status = to
    case.version += 1
    case.save()
    with translation.override("en"):  # the record reads the same whoever writes it (see journal_system)
        label = str(c.CaseStatus(to).label).lower()
    journal_system(case, actor=actor, body=f"Status changed from {previous} to {label}." + (f" {note}" if note else ""))
    _record_case(
        case,
        actor=actor,
        action="case.transition",
        before=before,
        event_type="case.transitioned",
        payload={"reference": case.reference, "from": previous, "to": to, "outcome": case.outcome},
    )
    return case
