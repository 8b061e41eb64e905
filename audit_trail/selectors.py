"""Which audit rows a reader may see, and the auditors' search over them.

- A superuser sees every row.
- An auditor (agencies.choices.UnitRole.AUDITOR) sees, for the units they audit: the rows about
  the units' cases and what hangs off them (a child's row names its case in ``after`` or
  ``before``; a read of a subject or an attachment names it in its detail), the rows about the
  people and organisations recorded on those cases, and every action of the units' members.
- An agency system whose key holds ``audit:read`` sees the rows about the cases it sees (those
  of its units its agency takes part in) and their subjects: an agency oversees who touched
  what it shares, not the people of other agencies.
- Anyone else sees nothing.
"""

from __future__ import annotations

import datetime
import uuid

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Concat

from agencies.choices import UnitRole
from agencies.models import UnitMembership
from agencies.selectors import unit_ids_for
from cases.models import Case, Organisation, Person
from cases.selectors import case_visibility_q
from tracker.models import AuditEntry

SUBJECT_TYPES = ("cases.organisation", "cases.person")


def is_auditor(user) -> bool:
    """Whether ``user`` may search the audit trail in the web app (reads the cached memberships)."""
    return user.is_authenticated and (user.is_superuser or bool(unit_ids_for(user, [UnitRole.AUDITOR])))


def _keys(queryset) -> QuerySet:
    """The primary keys of ``queryset`` as the text the audit table stores them in."""
    return queryset.annotate(key=Cast("pk", output_field=CharField())).values("key")


def _entries() -> QuerySet:
    return AuditEntry.objects.select_related("actor", "actor_agency").annotate(
        after_case=KT("after__case"), before_case=KT("before__case")
    )


def _about_cases(cases) -> Q:
    keys = _keys(cases)
    return (
        Q(object_type="cases.case", object_id__in=keys)
        | Q(after_case__in=keys)
        | Q(before_case__in=keys)
        | Q(object_type="cases.organisation", object_id__in=_keys(Organisation.objects.filter(case__in=cases)))
        | Q(object_type="cases.person", object_id__in=_keys(Person.objects.filter(case__in=cases)))
    )


def audit_visible_to(user, *, key=None) -> QuerySet:
    """The audit rows ``user`` may read, newest first; ``key`` is the API key they came with."""
    entries = _entries().order_by("-at", "-id")
    if user.is_superuser:
        return entries
    if key is not None:
        if "audit:read" not in key.scopes:
            return entries.none()
        return entries.filter(_about_cases(Case.objects.filter(case_visibility_q(user))))
    units = unit_ids_for(user, [UnitRole.AUDITOR])
    if not units:
        return entries.none()
    members = UnitMembership.objects.filter(unit_id__in=units).values("user_id")
    return entries.filter(_about_cases(Case.objects.filter(unit_id__in=units)) | Q(actor_id__in=members))


def audit_search(
    entries: QuerySet,
    *,
    person: str = "",
    case: str = "",
    subject: str = "",
    since: datetime.datetime | None = None,
    until: datetime.datetime | None = None,
    action: str = "",
) -> QuerySet:
    """``entries`` narrowed by the auditors' filters, each optional, all in the database:

    - ``person``: who acted: a username (exact) or part of a name;
    - ``case``: a case by reference (or id): its own rows and those of what hangs off it;
    - ``subject``: an organisation or person: by id, or part of the name recorded;
    - ``since`` (inclusive) and ``until`` (exclusive): when;
    - ``action``: an action or its start (``case.`` is every action on cases)."""
    if person := person.strip():
        entries = entries.annotate(
            actor_name=Concat("actor__first_name", Value(" "), "actor__last_name", output_field=CharField())
        ).filter(Q(actor__username__iexact=person) | Q(actor_name__icontains=person))
    if case := case.strip():
        named = Q(reference__iexact=case)
        if _is_uuid(case):
            named |= Q(pk=case)
        keys = _keys(Case.objects.filter(named))
        entries = entries.filter(
            Q(object_type="cases.case", object_id__in=keys) | Q(after_case__in=keys) | Q(before_case__in=keys)
        )
    if subject := subject.strip():
        entries = entries.filter(object_type__in=SUBJECT_TYPES).filter(
            Q(object_id=subject) | Q(object_repr__icontains=subject)
        )
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    if action := action.strip():
        entries = entries.filter(action__startswith=action)
    return entries


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
