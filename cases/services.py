"""Every write to cases, their subjects, journal, tasks, tips and transfers goes through here."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation

from agencies.models import Agency, RegionalUnit
from cases import choices as c
from cases.attachments import detect_content_type, safe_filename
from cases.identity import parse_identity_number, validate_organisation_number
from cases.models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseReferenceCounter,
    CaseSubject,
    CaseTransfer,
    JournalEntry,
    Organisation,
    Person,
    Task,
    Tip,
)
from cases.nace import normalise
from cases.permissions import (
    can_work_on_case,
    may_assign,
    require_case_worker,
    require_coordinator,
    require_participant_changer,
    require_unit_worker,
    sees_whole_unit,
)
from tracker import audit
from tracker.exceptions import Conflict, DomainValidationError, InvalidTransition, NotPermitted
from tracker.services import check_version, clean, lock
from tracker.validators import EARLIEST_BIRTH, normalise_country_code

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
EDITABLE_CASE_FIELDS = ("title", "summary", "sector", "offences", "priority", "source", "received_on")


def _case_state(case: Case, agencies: Iterable[Agency] | None = None) -> dict:
    """The audited state; ``agencies`` when the caller has just written them (saves reading them back)."""
    state = audit.snapshot(case, CASE_FIELDS)
    state["agencies"] = sorted(a.code for a in (case.agencies.all() if agencies is None else agencies))
    return state


def _record_case(
    case: Case, *, actor, action: str, before: dict | None, event_type: str | None = None, payload=None, agencies=None
):
    after = _case_state(case, agencies)
    audit.record(
        actor=actor,
        action=action,
        obj=case,
        before=before,
        after=after,
        event_type=event_type,
        unit=case.unit,
        agencies=after["agencies"],
        payload=payload or {"reference": case.reference, **after},
    )


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
    return JournalEntry.objects.create(
        case=case,
        author=actor if actor and actor.pk else None,
        agency_id=getattr(actor, "agency_id", None) or case.lead_agency_id,  # ids: no need to read the agency
        kind=c.JournalKind.SYSTEM,
        visibility=c.Visibility.UNIT,
        body=body,
    )


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


# --- Subjects ---------------------------------------------------------------------


# A subject belongs to the case it is recorded on. Looking a number up anywhere else would
# hand the caller what other cases (another unit's, or cases their agency does not take part
# in) recorded: their name, birth date, nationality. So only this case is searched, and a
# number known elsewhere is new data, stored as the caller gives it. Matching subjects across
# cases is a separate feature with its own rules.


@transaction.atomic
def organisation_upsert(
    *,
    actor,
    case: Case,
    organisation_number: str | None,
    name: str,
    sector: str = "",
    address: str = "",
    postcode: str = "",
    city: str = "",
    country: str = "NO",
) -> Organisation:
    """The case's record of an organisation: found by its number on this case, or registered for it."""
    case = lock_case(case)  # serialises registrations on this case, so a number is recorded once
    require_case_worker(actor, case)
    if organisation_number:
        try:
            organisation_number = validate_organisation_number(organisation_number)
        except ValidationError as exc:
            raise DomainValidationError.for_field("organisation_number", exc.messages[0]) from None
        existing = case.organisations.filter(organisation_number=organisation_number).first()
        if existing:
            return existing
    org = Organisation(
        case=case,
        organisation_number=organisation_number or None,
        name=name,
        sector=normalise(sector) if sector else "",
        address=address,
        postcode=postcode,
        city=city,
        country=normalise_country_code(country),
    )
    clean(org, exclude=["case"])
    org.save()
    audit.record(
        actor=actor,
        action="organisation.create",
        obj=org,
        after=audit.snapshot(org, ["case", "organisation_number", "name", "sector", "address", "city", "country"]),
    )
    return org


@transaction.atomic
def person_upsert(
    *, actor, case: Case, name: str, id_number: str | None = None, date_of_birth=None, nationality: str = ""
) -> Person:
    """The case's record of a person: found by identity number on this case, or registered for it
    (a person without a number is always new)."""
    case = lock_case(case)
    require_case_worker(actor, case)
    kind = c.IdKind.NONE
    if id_number:
        try:
            parsed = parse_identity_number(id_number)
        except ValidationError as exc:
            raise DomainValidationError.for_field("id_number", exc.messages[0]) from None
        id_number, kind = parsed.number, parsed.kind
        if parsed.birth_date is not None and parsed.birth_date < EARLIEST_BIRTH:
            raise DomainValidationError.for_field(
                "id_number", f"This identity number gives a date of birth before {EARLIEST_BIRTH.year}."
            )
        date_of_birth = date_of_birth or parsed.birth_date
        existing = case.persons.filter(id_number=id_number).first()
        if existing:
            return existing
    person = Person(
        case=case,
        id_number=id_number or None,
        id_kind=kind,
        name=name,
        date_of_birth=date_of_birth,
        nationality=normalise_country_code(nationality),
    )
    clean(person, exclude=["case"])
    person.save()
    audit.record(
        actor=actor,
        action="person.create",
        obj=person,
        # The audit trail cannot be rewritten (nor anonymised): it keeps the birth-date part only.
        after={
            **audit.snapshot(person, ["case", "id_kind", "name", "date_of_birth", "nationality"]),
            "id_number": person.masked_id_number or None,
        },
    )
    return person


@transaction.atomic
def case_add_subject(
    *,
    actor,
    case: Case,
    role: str,
    organisation: Organisation | None = None,
    person: Person | None = None,
    ilo_indicators: Sequence[str] = (),
    note: str = "",
) -> CaseSubject:
    case = lock_case(case)
    require_case_worker(actor, case)
    subject = organisation or person
    if subject is None or subject.case_id != case.pk:
        field = "organisation" if organisation is not None else "person"
        raise DomainValidationError.for_field(field, "Link a subject recorded on this case.")
    if ilo_indicators and role != c.SubjectRole.POTENTIAL_VICTIM:
        raise DomainValidationError.for_field(
            "ilo_indicators", "ILO indicators are recorded for potential victims only."
        )
    unknown = sorted(set(ilo_indicators) - set(c.IloIndicator.values))
    if unknown:
        raise DomainValidationError.for_field("ilo_indicators", f"Unknown ILO indicator: {', '.join(unknown)}.")
    link = CaseSubject(
        case=case,
        organisation=organisation,
        person=person,
        role=role,
        ilo_indicators=list(dict.fromkeys(ilo_indicators)),
        note=note,
    )
    clean(link, exclude=["case"])
    if CaseSubject.objects.filter(case=case, organisation=organisation, person=person, role=role).exists():
        raise DomainValidationError.for_field("role", f"{link.subject} is already linked to this case as {role}.")
    link.save()
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    with translation.override("en"):
        role = link.get_role_display().lower()
    journal_system(case, actor=actor, body=f"{link.subject} linked as {role}.")
    audit.record(
        actor=actor,
        action="case.subject_add",
        obj=link,
        after=audit.snapshot(link, ["case", "organisation", "person", "role", "ilo_indicators"]),
        event_type="case.subject_added",
        unit=case.unit,
        agencies=[a.code for a in case.agencies.all()],
    )
    return link


@transaction.atomic
def case_remove_subject(*, actor, link: CaseSubject) -> None:
    case = lock(link.case)
    require_case_worker(actor, case)
    before = audit.snapshot(link, ["case", "organisation", "person", "role", "ilo_indicators"])
    subject = str(link.subject)
    audit.record(
        actor=actor,
        action="case.subject_remove",
        obj=link,
        before=before,
        event_type="case.subject_removed",
        unit=case.unit,
        agencies=[a.code for a in case.agencies.all()],
    )
    link.delete()
    case.version += 1
    case.save(update_fields=["version", "updated_at"])
    journal_system(case, actor=actor, body=f"{subject} unlinked from the case.")


# --- assignment -------------------------------------------------------------------


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


# --- Journal and attachments ------------------------------------------------------


def _check_upload(upload) -> tuple[str, str]:
    """Size, and the type the bytes show (the client's Content-Type is not trusted)."""
    size = upload.size
    name = safe_filename(upload.name)
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise DomainValidationError.for_field(
            "attachments", f"{name} is {size} bytes; the limit is {settings.ATTACHMENT_MAX_BYTES} bytes."
        )
    content_type = detect_content_type(upload)
    if content_type not in settings.ATTACHMENT_CONTENT_TYPES:
        accepted = ", ".join(settings.ATTACHMENT_CONTENT_TYPES)
        raise DomainValidationError.for_field(
            "attachments",
            f"{name}: its content is {content_type or 'of no known type'}, which is not accepted; "
            f"accepted are {accepted}.",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest(), content_type


@transaction.atomic
def journal_add(
    *,
    actor,
    case: Case,
    body: str,
    visibility: str = c.Visibility.AGENCY,
    legal_basis: str = "",
    necessity_note: str = "",
    attachments: Sequence = (),
) -> JournalEntry:
    case = lock_case(case)
    require_case_worker(actor, case)
    if actor.agency_id is None:
        raise NotPermitted("Journal entries are owned by an agency; a platform superuser cannot write them.")
    if not body.strip():
        raise DomainValidationError.for_field("body", "A journal entry needs text.")
    entry = JournalEntry(
        case=case,
        author=actor,
        agency_id=actor.agency_id,
        body=body,
        visibility=visibility,
        legal_basis=legal_basis,
        necessity_note=necessity_note,
    )
    if visibility == c.Visibility.UNIT and not (legal_basis and necessity_note.strip()):
        raise DomainValidationError(
            "Sharing with the unit needs a legal basis and a necessity note.",
            errors={
                k: "Required when sharing with the unit."
                for k, v in (("legal_basis", legal_basis), ("necessity_note", necessity_note.strip()))
                if not v
            },
        )
    clean(entry, exclude=["case", "author", "agency"])
    if len(attachments) > settings.ATTACHMENT_MAX_FILES:
        raise DomainValidationError.for_field(
            "attachments", f"At most {settings.ATTACHMENT_MAX_FILES} files per entry, not {len(attachments)}."
        )
    checked = [(upload, *_check_upload(upload)) for upload in attachments]
    entry.save()
    for upload, sha256, content_type in checked:
        attachment = Attachment(
            entry=entry,
            filename=safe_filename(upload.name),
            content_type=content_type,
            size=upload.size,
            sha256=sha256,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    case.save(update_fields=["updated_at"])
    after = audit.snapshot(entry, ["case", "agency", "visibility", "legal_basis", "necessity_note", "body"])
    after["attachments"] = [sha for _, sha, _ in checked]
    agencies = [a.code for a in case.agencies.all()] if visibility == c.Visibility.UNIT else [actor.agency.code]
    audit.record(
        actor=actor,
        action="journal.add",
        obj=entry,
        after=after,
        event_type="journal.shared" if visibility == c.Visibility.UNIT else "journal.added",
        unit=case.unit,
        agencies=agencies,
        confidential=visibility == c.Visibility.AGENCY,
        payload={"case": str(case.pk), "reference": case.reference, "entry": str(entry.pk), "visibility": visibility},
    )
    return entry


# --- Tasks ------------------------------------------------------------------------

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
    from cases.selectors import cases_visible_to

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


# --- Tips -------------------------------------------------------------------------

TIP_FIELDS = ("unit", "source", "status", "case", "dismissal_reason")


@transaction.atomic
def tip_create(
    *,
    actor,
    unit: RegionalUnit,
    source: str,
    description: str,
    received_at=None,
    subjects_mentioned: str = "",
    reporter_contact: str = "",
) -> Tip:
    require_unit_worker(actor, unit.pk)
    tip = Tip(
        unit=unit,
        source=source,
        description=description,
        received_at=received_at or timezone.now(),
        subjects_mentioned=subjects_mentioned,
        reporter_contact=reporter_contact,
    )
    clean(tip)
    tip.save()
    audit.record(actor=actor, action="tip.create", obj=tip, after=audit.snapshot(tip, TIP_FIELDS))
    return tip


def _triage(tip: Tip, actor) -> Tip:
    tip = lock(tip)
    require_unit_worker(actor, tip.unit_id)
    if tip.status != c.TipStatus.NEW:
        raise InvalidTransition(f"This tip has already been triaged ({tip.get_status_display().lower()}).")
    return tip


@transaction.atomic
def tip_promote(*, actor, tip: Tip, **case_fields) -> Case:
    tip = _triage(tip, actor)
    before = audit.snapshot(tip, TIP_FIELDS)
    case_fields.setdefault("summary", tip.description)
    case = case_create(
        actor=actor,
        unit=tip.unit,
        source=c.CaseSource.TIP,
        received_on=timezone.localtime(tip.received_at).date(),
        **case_fields,
    )
    tip.status, tip.case, tip.triaged_by, tip.triaged_at = c.TipStatus.PROMOTED, case, actor, timezone.now()
    tip.save()
    audit.record(actor=actor, action="tip.promote", obj=tip, before=before, after=audit.snapshot(tip, TIP_FIELDS))
    return case


@transaction.atomic
def tip_merge(*, actor, tip: Tip, case: Case) -> Tip:
    tip = _triage(tip, actor)
    from cases.selectors import cases_visible_to

    # A case the actor may not see answers as one of another unit: existence is not told.
    if case.unit_id != tip.unit_id or not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise DomainValidationError.for_field("case", "Merge a tip into a case of its unit that you can see.")
    require_case_worker(actor, case)
    before = audit.snapshot(tip, TIP_FIELDS)
    tip.status, tip.case, tip.triaged_by, tip.triaged_at = c.TipStatus.MERGED, case, actor, timezone.now()
    tip.save()
    journal_system(case, actor=actor, body=f"Tip received {tip.received_at:%Y-%m-%d} merged into the case.")
    audit.record(actor=actor, action="tip.merge", obj=tip, before=before, after=audit.snapshot(tip, TIP_FIELDS))
    return tip


@transaction.atomic
def tip_dismiss(*, actor, tip: Tip, reason: str) -> Tip:
    tip = _triage(tip, actor)
    if not reason.strip():
        raise DomainValidationError.for_field("reason", "Dismissing a tip needs a reason.")
    before = audit.snapshot(tip, TIP_FIELDS)
    tip.status, tip.dismissal_reason, tip.triaged_by, tip.triaged_at = (
        c.TipStatus.DISMISSED,
        reason,
        actor,
        timezone.now(),
    )
    tip.save()
    audit.record(actor=actor, action="tip.dismiss", obj=tip, before=before, after=audit.snapshot(tip, TIP_FIELDS))
    return tip


# --- Transfers between units ------------------------------------------------------

TRANSFER_FIELDS = ("case", "from_unit", "to_unit", "status", "decision_note")


@transaction.atomic
def transfer_request(*, actor, case: Case, to_unit: RegionalUnit, reason: str) -> CaseTransfer:
    case = lock_case(case)
    require_case_worker(actor, case)
    if to_unit.pk == case.unit_id:
        raise DomainValidationError.for_field("to_unit", "The case is already in this unit.")
    if not reason.strip():
        raise DomainValidationError.for_field("reason", "A transfer needs a reason.")
    if case.transfers.filter(status=c.TransferStatus.PENDING).exists():
        raise InvalidTransition("This case already has a pending transfer.")
    transfer = CaseTransfer.objects.create(
        case=case, from_unit=case.unit, to_unit=to_unit, reason=reason, requested_by=actor
    )
    journal_system(case, actor=actor, body=f"Transfer to {to_unit} requested: {reason}")
    audit.record(
        actor=actor,
        action="transfer.request",
        obj=transfer,
        after=audit.snapshot(transfer, TRANSFER_FIELDS),
        event_type="case.transfer_requested",
        unit=to_unit,
        agencies=[a.code for a in case.agencies.all()],
        payload={"case": str(case.pk), "reference": case.reference, "to_unit": to_unit.code},
    )
    return transfer


@transaction.atomic
def transfer_decide(*, actor, transfer: CaseTransfer, accept: bool, note: str = "") -> CaseTransfer:
    transfer = lock(transfer)
    require_coordinator(actor, transfer.to_unit_id, "accept or refuse a transfer into it")
    if transfer.status != c.TransferStatus.PENDING:
        raise InvalidTransition(f"This transfer was already {transfer.status}.")
    if not accept and not note.strip():
        raise DomainValidationError.for_field("note", "Refusing a transfer needs a reason.")
    before = audit.snapshot(transfer, TRANSFER_FIELDS)
    transfer.status = c.TransferStatus.ACCEPTED if accept else c.TransferStatus.REFUSED
    transfer.decided_by, transfer.decided_at, transfer.decision_note = actor, timezone.now(), note
    transfer.save()
    case = lock(transfer.case)
    if accept:
        case_before = _case_state(case)
        case.unit = transfer.to_unit
        case.version += 1
        case.save()
        _record_case(case, actor=actor, action="case.transfer", before=case_before, event_type="case.transferred")
    journal_system(
        case, actor=actor, body=f"Transfer to {transfer.to_unit} {transfer.status}." + (f" {note}" if note else "")
    )
    audit.record(
        actor=actor,
        action="transfer.decide",
        obj=transfer,
        before=before,
        after=audit.snapshot(transfer, TRANSFER_FIELDS),
    )
    return transfer
