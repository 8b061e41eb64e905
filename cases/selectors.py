"""Reads, scoped to what a user may see. Views, the API and the admin start here."""

from django.db.models import Exists, OuterRef, Q

from agencies.choices import UnitRole
from agencies.selectors import unit_ids_for
from cases.choices import Visibility
from cases.models import Case, CaseSubject, CaseTransfer, JournalEntry, Organisation, Person, Task, Tip

# Coordinators, analysts and auditors see the whole caseload of their unit; case
# officers see the cases their agency takes part in.
UNIT_WIDE_ROLES = (UnitRole.COORDINATOR, UnitRole.ANALYST, UnitRole.AUDITOR)


def case_visibility_q(user, prefix: str = "") -> Q:
    if user.is_superuser:
        return Q()
    wide = unit_ids_for(user, UNIT_WIDE_ROLES)
    narrow = unit_ids_for(user, [UnitRole.CASE_OFFICER]) - wide
    agency_takes_part = Exists(
        Case.agencies.through.objects.filter(
            case_id=OuterRef(f"{prefix}pk" if prefix else "pk"), agency_id=user.agency_id
        )
    )
    return Q(**{f"{prefix}unit_id__in": wide}) | (Q(**{f"{prefix}unit_id__in": narrow}) & agency_takes_part)


def cases_visible_to(user):
    return (
        Case.objects.filter(case_visibility_q(user))
        .select_related("unit", "lead_agency")
        .prefetch_related("agencies", "assignments__agency")
    )


def organisations_visible_to(user):
    """Organisations recorded on the cases ``user`` sees (each belongs to one case)."""
    return Organisation.objects.filter(case__in=cases_visible_to(user).values("pk"))


def persons_visible_to(user):
    return Person.objects.filter(case__in=cases_visible_to(user).values("pk"))


def subjects_visible_to(user):
    return CaseSubject.objects.filter(case__in=cases_visible_to(user).values("pk"))


def journal_visible_to(user, case=None):
    qs = JournalEntry.objects.filter(case__in=cases_visible_to(user).values("pk"))
    if not user.is_superuser:
        qs = qs.filter(Q(visibility=Visibility.UNIT) | Q(agency_id=user.agency_id))
    if case is not None:
        qs = qs.filter(case=case)
    return qs.select_related("author", "agency").prefetch_related("attachments")


def tasks_visible_to(user):
    return Task.objects.filter(case__in=cases_visible_to(user).values("pk")).select_related("case", "assignee")


def tips_visible_to(user):
    if user.is_superuser:
        return Tip.objects.select_related("unit", "case")
    return Tip.objects.filter(unit_id__in=unit_ids_for(user)).select_related("unit", "case")


def transfers_visible_to(user):
    """The sending side sees its cases' transfers; the receiving unit sees what is offered to it."""
    qs = CaseTransfer.objects.select_related("case", "from_unit", "to_unit")
    if user.is_superuser:
        return qs
    return qs.filter(Q(case__in=cases_visible_to(user).values("pk")) | Q(to_unit_id__in=unit_ids_for(user)))
