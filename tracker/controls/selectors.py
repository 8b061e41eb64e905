from django.db.models import Exists, OuterRef, Q

from agencies.choices import UnitRole
from agencies.selectors import unit_ids_for
from cases.selectors import UNIT_WIDE_ROLES
from tracker.controls.models import ControlOfficer, JointControl


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
    from tracker.controls.choices import BOOKING_STATES

    qs = ControlOfficer.objects.filter(
        officer=officer,
        control__status__in=BOOKING_STATES,
        control__starts_at__lt=ends_at,
        control__ends_at__gt=starts_at,
    ).select_related("control")
    if exclude_control is not None:
        qs = qs.exclude(control=exclude_control)
    return qs
