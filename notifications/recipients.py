"""Who is told of an event. Every candidate is then checked against what they may see."""

from __future__ import annotations

import functools
import operator

from django.db.models import Q

from agencies.choices import WORKING_ROLES, UnitRole
from agencies.models import User
from tracker.events import event_visible_to, load_scopes
from tracker.models import Event


def _unit_members(event: Event) -> Q | None:
    """Case officers and coordinators of the event's unit from its agencies."""
    if event.unit_id is None or not event.agencies:
        return None
    return Q(
        memberships__unit_id=event.unit_id,
        memberships__role__in=WORKING_ROLES,
        agency__code__in=sorted(event.agencies),
    )


def _either(*rules: Q | None) -> Q | None:
    found = [rule for rule in rules if rule is not None]
    return functools.reduce(operator.or_, found) if found else None


def candidate_rule(event: Event) -> Q | None:
    """Who may be concerned, as a filter on users. A Q, not a queryset, so that the events of
    a burst that share a rule (same unit and agencies) share one query."""
    kind, payload = event.type, event.payload
    if kind in ("task.assigned", "task.due", "case.assigned", "case.unassigned"):
        return Q(pk=payload.get("assignee"))
    if kind == "control.officer_booked":
        return Q(pk=payload.get("officer"))
    if kind == "control.planned":
        return _unit_members(event)
    if kind.startswith("control."):  # a finding's event is about the finding: its payload names the control
        return Q(control_bookings__control_id=payload.get("control") or event.object_id)
    if kind in ("referral.sent", "referral.overdue"):
        desk = Q(contact_point_desks__code=payload.get("contact_point"))
        if kind == "referral.overdue":
            desk |= Q(memberships__unit_id=event.unit_id, memberships__role=UnitRole.COORDINATOR)
        return desk
    if kind == "referral.revoked":  # the desk holds it in its queue; the unit revoked it
        return _either(Q(contact_point_desks__code=payload.get("contact_point")), _unit_members(event))
    if kind == "case.transfer_requested":  # the receiving unit's coordinators decide on it
        coordinators = Q(memberships__unit_id=event.unit_id, memberships__role=UnitRole.COORDINATOR)
        return _either(coordinators, _unit_members(event))
    if kind.startswith(("case.", "journal.shared", "referral.")):
        return _unit_members(event)
    return None


def recipients_of(events: list[Event]) -> dict[int, list[User]]:
    """The people to notify of each event: candidates who may see it, active, not its author.

    One query per distinct candidate rule, then two for everyone's scopes: the visibility
    check itself runs in Python (event_visible_to mirrors the feed's SQL rule)."""
    rules = {event.pk: candidate_rule(event) for event in events}
    people: dict = {}  # one instance per user, so that load_scopes() fills every one
    found: dict[Q, list[User]] = {}
    for rule in {r for r in rules.values() if r is not None}:
        users = User.objects.filter(rule).filter(is_active=True, kind="person").select_related("agency").distinct()
        found[rule] = [people.setdefault(user.pk, user) for user in users]
    load_scopes(list(people.values()))
    return {
        event.pk: [
            user
            for user in found.get(rules[event.pk], [])
            if user.pk != event.actor_id and event_visible_to(event, user)
        ]
        for event in events
    }
