from django.db.models import Case, Count, Exists, F, OuterRef, Prefetch, Q, Value, When
from django.utils import timezone

from agencies.choices import UNIT_WIDE_ROLES, WORKING_ROLES, UnitRole, UserKind
from agencies.models import RegionalUnit, UnitMembership, User
from agencies.selectors import unit_ids_for
from cases import models as cases
from cases.selectors import cases_visible_to
from controls.choices import BOOKING_STATES
from controls.models import CalendarFeed, ControlOfficer, ControlSite, Finding, JointControl
from controls.permissions import may_book_for

# Sites as lists and feeds show them: just the name and the address.
SITE_SUMMARY = Prefetch("sites", queryset=ControlSite.objects.only("control_id", "name", "address"))


def controls_on_case(*, user, case) -> dict:
    """The case page's controls (registered on cases.selectors.case_related_work)."""
    return {"controls": list(controls_visible_to(user).filter(cases=case).order_by("-starts_at"))}


def controls_visible_to(user):
    qs = JointControl.objects.select_related("unit").prefetch_related("agencies")
    if user.is_superuser:
        return qs
    wide = unit_ids_for(user, UNIT_WIDE_ROLES)
    narrow = unit_ids_for(user, [UnitRole.CASE_OFFICER]) - wide
    agency_takes_part = Exists(
        JointControl.agencies.through.objects.filter(jointcontrol_id=OuterRef("pk"), agency_id=user.agency_id)
    )
    booked = Exists(ControlOfficer.objects.filter(control_id=OuterRef("pk"), officer_id=user.pk))
    return qs.filter(Q(unit_id__in=wide) | (Q(unit_id__in=narrow) & agency_takes_part) | booked)


def overlapping_bookings(officer, starts_at, ends_at, *, exclude_control=None):
    qs = ControlOfficer.objects.filter(
        officer=officer,
        control__status__in=BOOKING_STATES,
        control__starts_at__lt=ends_at,
        control__ends_at__gt=starts_at,
    ).select_related("control")
    if exclude_control is not None:
        qs = qs.exclude(control=exclude_control)
    return qs


def planning_units(user):
    """The units in which ``user`` plans controls (the rule is permissions.may_run_controls)."""
    if user.is_superuser:
        return RegionalUnit.objects.filter(is_active=True)
    return RegionalUnit.objects.filter(pk__in=unit_ids_for(user, WORKING_ROLES), is_active=True)


def controls_for_list(user, *, status: str = "", starts_from=None, starts_until=None):
    """The controls ``user`` may see, upcoming (and running) ones first, soonest first, then
    past ones, latest first."""
    now = timezone.now()
    qs = controls_visible_to(user).prefetch_related(SITE_SUMMARY)
    if status:
        qs = qs.filter(status=status)
    if starts_from:
        qs = qs.filter(starts_at__date__gte=starts_from)
    if starts_until:
        qs = qs.filter(starts_at__date__lte=starts_until)
    past = Q(ends_at__lt=now)
    return qs.annotate(
        officer_count=Count("officers", distinct=True),
        is_past=Case(When(past, then=Value(1)), default=Value(0)),
    ).order_by(
        "is_past",
        Case(When(~past, then=F("starts_at"))).asc(nulls_last=True),
        Case(When(past, then=F("starts_at"))).desc(nulls_last=True),
        "pk",
    )


def control_for_page(user):
    """Everything the control page and the briefing sheet show, in a fixed number of queries."""
    return (
        controls_visible_to(user)
        .select_related("created_by")
        .prefetch_related(
            "sites",
            "target_organisations",
            "target_persons",
            Prefetch("cases", queryset=cases.Case.objects.only("pk", "reference", "title", "unit_id")),
            Prefetch("officers", queryset=ControlOfficer.objects.select_related("officer__agency", "agency")),
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("agency", "sanction_kind", "recorded_by").order_by(
                    "agency__code", "recorded_at"
                ),
            ),
        )
    )


def bookable_officers(actor, control: JointControl):
    """The officers ``actor`` may book on ``control``: people serving in its unit whose agency
    takes part (only ``actor``'s own agency unless they may book for any), not yet booked."""
    agency_ids = [a.pk for a in control.agencies.all() if may_book_for(actor, control.unit_id, a.pk)]
    members = UnitMembership.objects.filter(unit_id=control.unit_id, role__in=WORKING_ROLES).values("user_id")
    return (
        User.objects.filter(is_active=True, kind=UserKind.PERSON, agency_id__in=agency_ids, pk__in=members)
        .exclude(control_bookings__control=control)
        .select_related("agency")
        .order_by("agency__code", "last_name", "first_name", "username")
    )


def booking_clashes(officer, control: JointControl, *, viewer) -> list[tuple[ControlOfficer, bool]]:
    """Where ``officer`` is already booked while ``control`` runs, each with whether ``viewer``
    may see that control (a control they may not see is not named to them)."""
    clashes = list(overlapping_bookings(officer, control.starts_at, control.ends_at, exclude_control=control))
    ids = {booking.control_id for booking in clashes}
    seen = set(controls_visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    return [(booking, booking.control_id in seen) for booking in clashes]


def _serving_cases(user, unit_id: int):
    return cases_visible_to(user).filter(unit_id=unit_id)


def cases_to_serve(user, unit_id: int, query: str = ""):
    """The unit's cases ``user`` may see, matched by reference or title."""
    qs = cases.Case.objects.filter(pk__in=_serving_cases(user, unit_id).values("pk")).only(
        "pk", "reference", "title", "unit_id"
    )
    query = query.strip()
    if query:
        qs = qs.filter(Q(reference__icontains=query) | Q(title__icontains=query))
    return qs.order_by("-year", "-number")


def _subjects(model, number_field: str, user, unit_id: int, query: str, *, whole_number: bool = False):
    """Subjects recorded on the unit's cases ``user`` may see: by number when digits are typed
    (spaces allowed, as numbers are often written), otherwise by name. ``whole_number``: only
    the whole number finds one (identity numbers: typing them digit by digit must not tell
    whose number begins how)."""
    qs = model.objects.filter(case_links__case__in=_serving_cases(user, unit_id).values("pk")).distinct()
    query = query.strip()
    digits = query.replace(" ", "")
    if digits.isdigit():
        qs = qs.filter(**{number_field if whole_number else f"{number_field}__startswith": digits})
    elif query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("name", "pk")


def target_organisations(user, unit_id: int, query: str = ""):
    """Organisations a control may target, by organisation number or name."""
    return _subjects(cases.Organisation, "organisation_number", user, unit_id, query)


def target_persons(user, unit_id: int, query: str = ""):
    """Persons a control may target, by identity number (or D-/H-number) or name."""
    return _subjects(cases.Person, "id_number", user, unit_id, query, whole_number=True)


def calendar_feed_for_token(token: str):
    """The live calendar link with this token, or None (unknown, revoked, or its officer gone)."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeed.objects.select_related("officer")
        .filter(digest=CalendarFeed.digest_of(token), revoked_at__isnull=True, officer__is_active=True)
        .first()
    )


def live_calendar_feed(user):
    return CalendarFeed.objects.filter(officer=user, revoked_at__isnull=True).first()


def bookings_for_calendar(officer, *, since):
    """The officer's own bookings on controls ending after ``since``, with their sites."""
    return (
        ControlOfficer.objects.filter(officer=officer, control__ends_at__gte=since)
        .select_related("control", "control__unit")
        .prefetch_related(Prefetch("control__sites", queryset=SITE_SUMMARY.queryset))
        .order_by("control__starts_at")
    )
