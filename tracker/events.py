"""Reading the event outbox: who may see which event, and the change feed's order."""

from __future__ import annotations

import re

from django.db import connections, router
from django.db.models import F, Q
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan

from agencies.choices import UNIT_WIDE_ROLES, UnitRole
from agencies.models import NationalContactPoint, UnitMembership
from agencies.selectors import unit_ids_for
from tracker.models import Event


def event_visibility_q(user) -> Q:
    """Mirrors the case rule: unit-wide roles see their units' events, case officers those of
    their agency; confidential events only their agencies, whatever the role."""
    if user.is_superuser:
        return Q()
    code = user.agency.code if user.agency_id else None
    wide = unit_ids_for(user, UNIT_WIDE_ROLES)
    narrow = unit_ids_for(user, [UnitRole.CASE_OFFICER])
    mine = Q(agencies__contains=[code]) if code else Q(pk__in=[])
    open_events = Q(confidential=False) & (Q(unit_id__in=wide) | (Q(unit_id__in=narrow) & mine))
    confidential = Q(confidential=True) & Q(unit_id__in=wide | narrow) & mine
    desks = sorted(_desks(user))
    at_desk = Q(object_type="referrals.referral", payload__contact_point__in=desks) if desks else Q(pk__in=[])
    return open_events | confidential | at_desk


def _desks(user) -> set[str]:
    if "_desks" not in user.__dict__:
        user.__dict__["_desks"] = set(user.contact_point_desks.values_list("code", flat=True))
    return user.__dict__["_desks"]


def load_scopes(users) -> None:
    """Load the memberships and desks of many users in two queries, for event_visible_to()."""
    by_id = {user.pk: user for user in users}
    for user in by_id.values():
        user.__dict__["_unit_roles"], user.__dict__["_desks"] = {}, set()
    for user_id, unit_id, role in UnitMembership.objects.filter(user_id__in=by_id).values_list(
        "user_id", "unit_id", "role"
    ):
        by_id[user_id].__dict__["_unit_roles"].setdefault(role, set()).add(unit_id)
    for user_id, code in NationalContactPoint.desk_officers.through.objects.filter(user_id__in=by_id).values_list(
        "user_id", "nationalcontactpoint__code"
    ):
        by_id[user_id].__dict__["_desks"].add(code)


def event_visible_to(event: Event, user) -> bool:
    """The rule of event_visibility_q() for one event and one user, without a query once the
    user's scopes are loaded (dispatch checks every recipient and subscriber this way)."""
    if user.is_superuser:
        return True
    if event.object_type == "referrals.referral" and event.payload.get("contact_point") in _desks(user):
        return True
    code = user.agency.code if user.agency_id else None
    wide = unit_ids_for(user, UNIT_WIDE_ROLES)
    narrow = unit_ids_for(user, [UnitRole.CASE_OFFICER])
    mine = code is not None and code in event.agencies
    if event.confidential:
        return event.unit_id in (wide | narrow) and mine
    return event.unit_id in wide or (event.unit_id in narrow and mine)


def visible_horizon() -> tuple[int, int | None]:
    """Events of transactions below the first id are all committed (or rolled back): safe to
    serve. The second is the reader's own transaction, if it wrote anything: it sees its own.
    Asked of the database the events are read from: a replica's horizon is where its replay has
    reached, and the primary's would run ahead of the rows the replica has (and skip them)."""
    with connections[router.db_for_read(Event)].cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            " pg_current_xact_id_if_assigned()::text::bigint"
        )
        return cursor.fetchone()


def encode_cursor(event: Event) -> str:
    return f"{event.txid}-{event.id}"


_CURSOR = re.compile(r"(\d{1,19})-(\d{1,19})\Z")


def decode_cursor(value: str) -> tuple[int, int]:
    """ValueError unless ``value`` is one of our cursors: two bigints (a larger number, or
    int()'s leniency with signs, spaces and other scripts' digits, ended as a database error)."""
    match = _CURSOR.match(value) if value.isascii() else None
    if match is None or max(int(match[1]), int(match[2])) >= 2**63:
        raise ValueError(f"not a feed cursor: {value!r}")
    return int(match[1]), int(match[2])


def feed_queryset(user, *, after: str | None):
    """The events ``user`` may see after the cursor ``after`` that are safe to serve, in feed order."""
    horizon, own = visible_horizon()
    qs = Event.objects.filter(event_visibility_q(user)).filter(Q(txid__lt=horizon) | Q(txid=own))
    if after:
        txid, event_id = decode_cursor(after)
        # A row comparison, not `txid > x OR (txid = x AND id > y)`: only this form starts the
        # (txid, id) index at the cursor; the other read the outbox from its beginning.
        qs = qs.filter(TupleGreaterThan(Tuple(F("txid"), F("id")), (txid, event_id)))
    return qs.order_by("txid", "id")


def feed(user, *, after: str | None, limit: int):
    return list(feed_queryset(user, after=after).select_related("unit")[:limit])
