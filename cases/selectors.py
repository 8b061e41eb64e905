"""Reads, scoped to what a user may see. Views, the API and the admin start here."""

from django.db.models import BooleanField, CharField, Exists, ExpressionWrapper, F, OuterRef, Prefetch, Q, Value, When
from django.db.models import Case as SqlCase
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from agencies.choices import UNIT_WIDE_ROLES, WORKING_ROLES, UnitRole, UserKind
from agencies.models import RegionalUnit, UnitMembership, User
from agencies.selectors import unit_ids_for
from cases.choices import TransferStatus, Visibility
from cases.models import (
    Attachment,
    Case,
    CaseSubject,
    CaseTransfer,
    JournalEntry,
    Organisation,
    Person,
    Task,
    Tip,
)
from cases.permissions import can_work_on_case
from tracker.hooks import Hook
from tracker.models import AuditEntry

# What the apps built on cases did on one case (controls, referrals), for the case page's work
# section: each registers handler(user=, case=) -> template context in its AppConfig.ready(),
# since cases imports none of them.
case_related_work = Hook("work on a case")


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


def transfers_awaiting(user):
    """Pending transfers into the units where ``user`` is a coordinator: theirs to accept or refuse."""
    qs = CaseTransfer.objects.filter(status=TransferStatus.PENDING).select_related(
        "case", "from_unit", "to_unit", "requested_by__agency"
    )
    if user.is_superuser:
        return qs
    return qs.filter(to_unit_id__in=unit_ids_for(user, [UnitRole.COORDINATOR]))


# --- People around a case ----------------------------------------------------------
# case_visibility_q and permissions.can_work_on_case say, for one user, whether they see or
# work a case; these say it for one case, of all users, in SQL (tests tie each pair together).


def _people():
    return User.objects.filter(is_active=True, kind=UserKind.PERSON).select_related("agency")


def case_viewers(case):
    """The people who see ``case``: the unit's coordinators, analysts and auditors, and its case
    officers from the agencies taking part. Whom a task on the case may be given to."""
    members = UnitMembership.objects.filter(unit_id=case.unit_id)
    wide = members.filter(role__in=UNIT_WIDE_ROLES).values("user_id")
    officers = members.filter(role=UnitRole.CASE_OFFICER).values("user_id")
    taking_part = Case.agencies.through.objects.filter(case_id=case.pk).values("agency_id")
    return _people().filter(Q(pk__in=wide) | (Q(pk__in=officers) & Q(agency_id__in=taking_part)))


def case_workers(case):
    """The people who may work ``case``: the unit's coordinators and the case officers of the
    agencies taking part."""
    members = UnitMembership.objects.filter(unit_id=case.unit_id)
    coordinators = members.filter(role=UnitRole.COORDINATOR).values("user_id")
    officers = members.filter(role=UnitRole.CASE_OFFICER).values("user_id")
    taking_part = Case.agencies.through.objects.filter(case_id=case.pk).values("agency_id")
    return _people().filter(Q(pk__in=coordinators) | (Q(pk__in=officers) & Q(agency_id__in=taking_part)))


def assignable_officers(user, case):
    """Whom ``user`` may put on ``case`` now (permissions.may_assign, for every candidate at once)."""
    if not can_work_on_case(user, case):
        return User.objects.none()
    qs = case_workers(case).exclude(case_assignments__case=case)
    if not (user.is_superuser or case.unit_id in unit_ids_for(user, [UnitRole.COORDINATOR])):
        qs = qs.filter(agency_id=user.agency_id)
    return qs


# --- The journal as a timeline -----------------------------------------------------


def _readable_journal_q(user, prefix: str = "") -> Q:
    if user.is_superuser:
        return Q(**{f"{prefix}pk__isnull": False})
    return Q(**{f"{prefix}visibility": Visibility.UNIT}) | Q(**{f"{prefix}agency_id": user.agency_id})


def journal_timeline(user, case):
    """Every entry of ``case``, newest first, as ``user`` may know it.

    Their agency's entries and those shared with the unit come whole. Another agency's unshared
    entries show only that they exist (agency, kind, time): their text, author, legal basis and
    attachments are withheld in the query itself (``readable`` is False, the text fields empty),
    so nothing of them reaches the page. Read only the annotated fields (``text``,
    ``author_name``, ``basis``, ``necessity``) and ``shown_attachments``."""
    readable = _readable_journal_q(user)

    def if_readable(expression):
        return SqlCase(When(readable, then=expression), default=Value(""), output_field=CharField())

    attachments = Attachment.objects.filter(_readable_journal_q(user, "entry__")).only(
        "pk", "entry_id", "filename", "size", "content_type"
    )
    return (
        JournalEntry.objects.filter(case=case)
        .only("pk", "case_id", "created_at", "agency", "kind", "visibility")
        .select_related("agency")
        .annotate(
            readable=ExpressionWrapper(readable, output_field=BooleanField()),
            text=if_readable(F("body")),
            basis=if_readable(F("legal_basis")),
            necessity=if_readable(F("necessity_note")),
            author_name=if_readable(
                Coalesce(
                    NullIf(Trim(Concat("author__first_name", Value(" "), "author__last_name")), Value("")),
                    "author__username",
                    Value(""),
                )
            ),
        )
        .prefetch_related(Prefetch("attachments", queryset=attachments, to_attr="shown_attachments"))
        .order_by("-created_at", "-pk")
    )


def attachments_visible_to(user, case):
    """The files of the journal entries of ``case`` that ``user`` may read."""
    return Attachment.objects.filter(entry__in=journal_visible_to(user, case).values("pk"))


# --- History -----------------------------------------------------------------------


def case_history(case):
    """The audit trail of ``case`` and of what hangs off it (subjects, journal, tasks, assignees,
    tips, transfers), newest first. A child's audit row names the case in its recorded state
    (``after``, or ``before`` once the child is gone), so removed subjects and assignees stay in
    the history. Render it through cases.history, which words each action for people and never
    shows a journal entry's content. A subject's record (organisation.create, person.create) is
    told by its link to the case, which follows it in the same transaction."""
    case_id = str(case.pk)
    return (
        AuditEntry.objects.filter(object_type__startswith="cases.")
        .exclude(action__in=["organisation.create", "person.create"])
        # What happened to the case, not who looked (views, searches, numbers shown: the
        # auditors' search has those, tracker.access_audit).
        .exclude(action__regex=r"\.(view|search|reveal|disclose)$")
        .filter(Q(object_type="cases.case", object_id=case_id) | Q(after__case=case_id) | Q(before__case=case_id))
        .select_related("actor", "actor_agency")
        .order_by("-at", "-id")
    )


# --- Lists -------------------------------------------------------------------------


def units_for_new_cases(user):
    """The units where ``user`` may register a case or triage a tip (permissions.is_unit_worker)."""
    units = RegionalUnit.objects.filter(is_active=True).order_by("name")
    return units if user.is_superuser else units.filter(pk__in=unit_ids_for(user, WORKING_ROLES))


def tips_inbox(user):
    """The tips of ``user``'s units, each marked with whether the case it went into is one
    ``user`` sees (``case_seen``): a tip merged into another agency's case names no case to them."""
    seen = Case.objects.filter(case_visibility_q(user), pk=OuterRef("case_id"))
    return tips_visible_to(user).annotate(case_seen=Exists(seen))
