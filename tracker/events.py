"""Reading the event outbox: who may see which event, and the change feed's order."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q

from agencies.choices import UnitRole
from agencies.selectors import unit_ids_for
from cases.selectors import UNIT_WIDE_ROLES
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
    desks = list(user.contact_point_desks.values_list("code", flat=True))
    at_desk = Q(object_type="referrals.referral", payload__contact_point__in=desks) if desks else Q(pk__in=[])
    return open_events | confidential | at_desk


def visible_horizon() -> tuple[int, int | None]:
    """Events of transactions below the first id are all committed (or rolled back): safe to
    serve. The second is the reader's own transaction, if it wrote anything: it sees its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            " pg_current_xact_id_if_assigned()::text::bigint"
        )
        return cursor.fetchone()


def encode_cursor(event: Event) -> str:
    return f"{event.txid}-{event.id}"


def decode_cursor(value: str) -> tuple[int, int]:
    txid, _, event_id = value.partition("-")
    return int(txid), int(event_id)


def feed(user, *, after: str | None, limit: int):
    horizon, own = visible_horizon()
    qs = Event.objects.filter(event_visibility_q(user)).filter(Q(txid__lt=horizon) | Q(txid=own))
    if after:
        txid, event_id = decode_cursor(after)
        qs = qs.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=event_id))
    return list(qs.select_related("unit").order_by("txid", "id")[:limit])
