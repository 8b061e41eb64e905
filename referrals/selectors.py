from django.db.models import Case, Prefetch, Q, When

from agencies.models import NationalContactPoint
from agencies.selectors import unit_ids_for
from cases.models import Case as CaseModel
from cases.models import CaseSubject
from cases.selectors import case_visibility_q
from referrals.choices import ReferralStatus
from referrals.deadlines import overdue_q
from referrals.models import Referral
from tracker.models import AuditEntry

# Where a referral's life is over: nothing more for the desk or the sender to do.
FINISHED = (ReferralStatus.DECLINED, ReferralStatus.CLOSED, ReferralStatus.REVOKED)


def referrals_on_case(*, user, case) -> dict:
    """The case page's referrals (registered on cases.selectors.case_related_work)."""
    return {"referrals": list(referrals_visible_to(user).filter(case=case).order_by("-created_at"))}


def referrals_visible_to(user):
    """The sending side sees its cases' referrals; a contact point's desk sees what was sent to it."""
    qs = Referral.objects.select_related("case", "case__unit", "contact_point")
    if user.is_superuser:
        return qs
    desk = Q(contact_point__desk_officers=user) & ~Q(status=ReferralStatus.DRAFT)
    sending = Q(case__in=_visible_case_ids(user))
    return qs.filter(desk | sending).distinct()


def _visible_case_ids(user):
    return CaseModel.objects.filter(case_visibility_q(user)).values("pk")


def desk_contact_point_ids(user) -> set[int]:
    """The contact points whose desk ``user`` staffs. Cached on the user object (like
    ``unit_ids_for``), so the desk pages and the menu share one query per request."""
    cache = user.__dict__.get("_desk_contact_point_ids")
    if cache is None:
        cache = set(NationalContactPoint.objects.filter(desk_officers=user).values_list("pk", flat=True))
        user.__dict__["_desk_contact_point_ids"] = cache
    return cache


def is_desk_officer(user) -> bool:
    return user.is_authenticated and (user.is_superuser or bool(desk_contact_point_ids(user)))


def is_unit_member(user) -> bool:
    """Whether ``user`` works in a unit (the sending side); reads the cached memberships."""
    return user.is_authenticated and (user.is_superuser or bool(unit_ids_for(user)))


def contact_points_for(category: str | None = None):
    """Active contact points, only those that receive ``category`` when it is given."""
    qs = NationalContactPoint.objects.filter(is_active=True)
    return qs.filter(topics__contains=[category]) if category else qs


def _shared_subjects():
    return Prefetch(
        "subjects", queryset=CaseSubject.objects.select_related("organisation", "person").order_by("created_at")
    )


def _filtered(qs, status: str | None):
    if status == "overdue":
        return qs.filter(overdue_q())
    return qs.filter(status=status) if status else qs


def referrals_of_visible_cases(user, *, status: str | None = None):
    """The sending side's list: referrals of the cases ``user`` may see, newest first."""
    qs = Referral.objects.select_related("case", "case__unit", "contact_point")
    if not user.is_superuser:
        qs = qs.filter(case__in=_visible_case_ids(user))
    return _filtered(qs, status).order_by("-created_at")


def referral_for_sender(user, pk):
    """One referral as its sending unit sees it, with what its page shows; DoesNotExist when
    the case is out of ``user``'s sight."""
    return (
        referrals_of_visible_cases(user)
        .select_related("created_by", "sent_by")
        .prefetch_related(_shared_subjects(), "case__agencies")
        .get(pk=pk)
    )


def desk_inbox(user, *, status: str | None = None):
    """What reached the desks ``user`` staffs (drafts never do): open ones first, the
    earliest deadline first, so that what is late or due soon is on top."""
    qs = Referral.objects.exclude(status=ReferralStatus.DRAFT).select_related("case__unit", "contact_point")
    if not user.is_superuser:
        qs = qs.filter(contact_point_id__in=desk_contact_point_ids(user))
    finished = Case(When(status__in=FINISHED, then=1), default=0)
    return _filtered(qs, status).order_by(finished, "acknowledgement_due_on", "-sent_at")


def referral_at_desk(user, pk):
    """One incoming referral for the desk: the referral and its shared subjects, not the case."""
    return desk_inbox(user).select_related("sent_by").prefetch_related(_shared_subjects()).get(pk=pk)


def referral_timeline(referral: Referral):
    """Its changes of status, oldest first, with who made them (from the audit trail)."""
    return (
        AuditEntry.objects.filter(object_type=Referral._meta.label_lower, object_id=str(referral.pk))
        .select_related("actor", "actor_agency")
        .order_by("at", "id")
    )
