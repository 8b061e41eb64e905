"""Cases: creation with their reference number, edits, participating agencies and workflow transitions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence

from django.db import connection, transaction
from django.utils import timezone, translation

from agencies.models import Agency, RegionalUnit
from cases import choices as c
from cases.models import Case, CaseReferenceCounter
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
from cases.services.core import _case_state, _record_case, journal_system, lock_case
from tracker.exceptions import (
    ApplicationError,
    BulkInvalidError,
    DomainValidationError,
    InvalidTransition,
    NotPermitted,
)
from tracker.services import check_version, clean

EDITABLE_CASE_FIELDS = ("title", "summary", "sector", "offences", "priority", "source", "received_on")


def _next_number(unit: RegionalUnit, year: int) -> int:
    # Upsert with RETURNING: the row stays locked until commit, so concurrent creators
    # queue here, and a rolled-back creation gives its number back.
    table = CaseReferenceCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (unit_id, year, last_number) VALUES (%s, %s, 1)
            ON CONFLICT (unit_id, year) DO UPDATE SET last_number = {table}.last_number + 1
            RETURNING last_number
            """,
            [unit.pk, year],
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


def participating_agencies(unit: RegionalUnit, lead: Agency, agencies: Iterable[Agency | str]) -> list[Agency]:
    """The lead and the other agencies, all of which must be members of the unit."""
    participating = agencies_by_code([lead, *agencies])
    unit_agencies = set(unit.agencies.values_list("code", flat=True))
    outside = sorted(a.code for a in participating if a.code not in unit_agencies)
    if outside:
        raise DomainValidationError.for_field("agencies", f"Not a member agency of {unit.code}: {', '.join(outside)}.")
    return participating


def _check_offences(offences: Sequence[str]) -> list[str]:
    unknown = sorted(set(offences) - set(c.OffenceCategory.values))
    if unknown:
        raise DomainValidationError.for_field("offences", f"Unknown offence category: {', '.join(unknown)}.")
    return list(dict.fromkeys(offences))


@transaction.atomic
def case_create(
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
) -> Case:
    require_unit_worker(actor, unit.pk)
    lead = agencies_by_code([lead_agency], "lead_agency")[0]
    participating = participating_agencies(unit, lead, agencies)
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
    case.number = _next_number(unit, case.year)
    case.reference = Case.format_reference(unit.code, case.year, case.number)
    case.save()
    Case.agencies.through.objects.bulk_create([Case.agencies.through(case=case, agency=a) for a in participating])
    journal_system(case, actor=actor, body=f"Case {case.reference} registered.")
    _record_case(
        case, actor=actor, action="case.create", before=None, event_type="case.created", agencies=participating
    )
    return case


def case_bulk_create(
    *, actor, cases: Sequence[dict | None], input_errors: Mapping[int, list[dict]] | None = None
) -> list[Case]:
    """Create every case or none. ``cases`` holds each case's case_create arguments by position;
    ``input_errors`` what the caller's own input checks found wrong, by position, as JSON pointers
    (``/cases/<position>/<field>``): those items are not created. Every item's errors are raised at
    once, in order, as one BulkInvalidError, and nothing is kept."""
    input_errors = input_errors or {}
    errors: list[dict] = []
    created: list[Case] = []
    with transaction.atomic():
        for index, fields in enumerate(cases):
            if index in input_errors:
                errors.extend(input_errors[index])
                continue
            try:
                with transaction.atomic():  # a savepoint: the next items are still checked
                    created.append(case_create(actor=actor, **fields))
            except ApplicationError as exc:
                errors.extend(
                    {"pointer": f"/cases/{index}/{field}", "detail": msg} for field, msg in exc.errors.items()
                )
                if not exc.errors:
                    errors.append({"pointer": f"/cases/{index}", "detail": exc.message})
        if errors:
            transaction.set_rollback(True)
    if errors:
        items = len({e["pointer"].split("/")[2] for e in errors if e["pointer"].count("/") >= 2})
        raise BulkInvalidError(f"{items} of the cases are invalid; nothing was created.", pointed=errors)
    return created


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
