"""The reads behind the home page: a person's own work, each list built on its app's scoping
selector (so nobody sees more here than in the app's own pages), one query per list."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agencies.models import NationalContactPoint
from agencies.selectors import unit_ids_for
from cases.choices import CaseStatus, TaskStatus
from cases.models import Case, CaseAssignment
from cases.selectors import cases_visible_to, tasks_visible_to
from controls.choices import BOOKING_STATES
from controls.models import ControlOfficer
from controls.selectors import controls_visible_to
from referrals.choices import ReferralStatus
from referrals.selectors import referrals_visible_to

# What a contact point's desk still has to do: acknowledge, decide, close.
DESK_PENDING = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED, ReferralStatus.ACCEPTED)
# What a sending unit waits for: the desk's acknowledgement or decision.
UNIT_WAITING = (ReferralStatus.SENT, ReferralStatus.ACKNOWLEDGED)


def end_of_week(today: datetime.date) -> datetime.date:
    """The Sunday of ``today``'s week (Norwegian weeks start on Monday)."""
    return today + datetime.timedelta(days=6 - today.weekday())


def my_open_cases(user):
    """Open cases ``user`` is on, or that their agency takes part in within their units; the
    ones they are on first. Annotated ``on_it``."""
    on_it = Exists(CaseAssignment.objects.filter(case_id=OuterRef("pk"), officer_id=user.pk))
    mine = Q(on_it)
    if user.agency_id is not None:
        agency_takes_part = Exists(
            Case.agencies.through.objects.filter(case_id=OuterRef("pk"), agency_id=user.agency_id)
        )
        mine |= Q(unit_id__in=unit_ids_for(user)) & Q(agency_takes_part)
    return (
        cases_visible_to(user)
        .prefetch_related(None)
        .exclude(status=CaseStatus.CLOSED)
        .filter(mine)
        .annotate(on_it=on_it)
        .order_by("-on_it", "-received_on", "-number")
    )


def my_tasks_due(user, today: datetime.date):
    """``user``'s open tasks due by the end of this week, overdue ones included (first)."""
    return (
        tasks_visible_to(user)
        .filter(assignee=user, status=TaskStatus.OPEN, due_on__lte=end_of_week(today))
        .order_by("due_on", "created_at")
    )


def my_upcoming_controls(user):
    """Controls ``user`` is booked on that have not ended, soonest first."""
    booked = Exists(ControlOfficer.objects.filter(control_id=OuterRef("pk"), officer_id=user.pk))
    return (
        controls_visible_to(user)
        .prefetch_related(None)
        .filter(booked, status__in=BOOKING_STATES, ends_at__gte=timezone.now())
        .order_by("starts_at")
    )


def referrals_awaiting(user):
    """Referrals waiting on someone ``user`` answers for: at their contact point's desk, those
    still to acknowledge, decide or close (``incoming``); for their units, those still waiting
    for the desk's reply. Oldest deadline first, so the overdue ones lead."""
    at_my_desk = Exists(
        NationalContactPoint.desk_officers.through.objects.filter(
            nationalcontactpoint_id=OuterRef("contact_point_id"), user_id=user.pk
        )
    )
    incoming = Q(at_my_desk) & Q(status__in=DESK_PENDING)
    waiting = Q(case__unit_id__in=unit_ids_for(user), status__in=UNIT_WAITING)
    return (
        referrals_visible_to(user)
        .filter(incoming | waiting)
        .annotate(incoming=at_my_desk)
        .order_by("acknowledgement_due_on", "sent_at")
    )
