"""The people and organisations recorded on a case."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from cases import choices as c
from cases.identity import parse_identity_number, validate_organisation_number
from cases.models import Case, CaseSubject, Organisation, Person
from cases.nace import normalise
from cases.permissions import require_case_worker
from cases.services.core import journal_system, lock_case
from tracker import audit
from tracker.exceptions import DomainValidationError
from tracker.services import clean, lock
from tracker.validators import EARLIEST_BIRTH, normalise_country_code

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
