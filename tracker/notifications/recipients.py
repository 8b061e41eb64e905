"""Who is told of an event. Every candidate is then checked against what they may see."""

from __future__ import annotations

from agencies.choices import UnitRole
from agencies.models import NationalContactPoint, User
from tracker.events import event_visible_to, load_scopes
from tracker.models import Event

WORKING_ROLES = (UnitRole.CASE_OFFICER, UnitRole.COORDINATOR)


def _unit_members_of(event: Event):
    """Case officers and coordinators of the event's unit from its agencies."""
    if event.unit_id is None or not event.agencies:
        return User.objects.none()
    return User.objects.filter(
        memberships__unit_id=event.unit_id, memberships__role__in=WORKING_ROLES, agency__code__in=event.agencies
    )


def candidates(event: Event):
    kind, payload = event.type, event.payload
    if kind in ("task.assigned", "task.due"):
        return User.objects.filter(pk=payload.get("assignee"))
    if kind == "control.officer_booked":
        return User.objects.filter(pk=payload.get("officer"))
    if kind.startswith("control."):
        from tracker.controls.models import ControlOfficer

        officers = ControlOfficer.objects.filter(control_id=event.object_id).values("officer_id")
        if kind == "control.planned":
            return _unit_members_of(event)
        return User.objects.filter(pk__in=officers)
    if kind == "referral.sent" or kind == "referral.overdue":
        desk = NationalContactPoint.objects.filter(code=payload.get("contact_point"))
        users = User.objects.filter(contact_point_desks__in=desk)
        if kind == "referral.overdue":
            users = users | User.objects.filter(
                memberships__unit_id=event.unit_id, memberships__role=UnitRole.COORDINATOR
            )
        return users
    if kind.startswith(("case.", "journal.shared", "referral.")):
        return _unit_members_of(event)
    return User.objects.none()


def recipients(event: Event) -> list[User]:
    """The people to notify: candidates who may see the event, not its author, active."""
    users = list(
        candidates(event)
        .filter(is_active=True, kind="person")
        .exclude(pk=event.actor_id)
        .select_related("agency")
        .distinct()
    )
    load_scopes(users)
    return [user for user in users if event_visible_to(event, user)]
