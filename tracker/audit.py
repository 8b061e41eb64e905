"""The one writer of audit rows and outbox events. Services call :func:`record` inside
their transaction, so a change, its audit row and its event commit or roll back together."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from tracker import context
from tracker.hooks import Hook
from tracker.models import AuditEntry, Event

# Runs with each emitted event's id once its transaction commits. The kernel hands events to
# no broker itself: notifications registers its dispatch wake-up here (NotificationsConfig.ready).
event_committed = Hook("event committed")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited state of ``obj``: concrete field values by attname (FKs as ids)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = _jsonable(getattr(obj, field.attname))
    return out


def record(
    *,
    actor,
    action: str,
    obj: models.Model,
    before: dict | None = None,
    after: dict | None = None,
    event_type: str | None = None,
    unit=None,
    agencies: Iterable[str] = (),
    payload: dict | None = None,
    confidential: bool = False,
) -> Event | None:
    """Write the audit row and, when ``event_type`` is given, the outbox event."""
    _require_transaction("record")
    _audit_row(actor=actor, action=action, obj=obj, before=before, after=after).save(force_insert=True)
    if event_type is None:
        return None
    return emit(
        event_type=event_type,
        actor=actor,
        unit=unit,
        agencies=agencies,
        confidential=confidential,
        obj=obj,
        payload=payload or after or {},
    )


def record_many(records: Iterable[dict]) -> list[Event]:
    """:func:`record` for many changes at once (a bulk import): one INSERT of the audit rows and one
    of the events, the same rows :func:`record` writes one by one, and one wake-up of the
    dispatcher (it claims every waiting event, so one is enough)."""
    _require_transaction("record_many")
    records = list(records)
    AuditEntry.objects.bulk_create(
        [
            _audit_row(actor=r["actor"], action=r["action"], obj=r["obj"], before=r.get("before"), after=r.get("after"))
            for r in records
        ]
    )
    events = Event.objects.bulk_create(
        [
            _event_row(
                event_type=r["event_type"],
                obj=r["obj"],
                actor=r["actor"],
                unit=r.get("unit"),
                agencies=r.get("agencies", ()),
                confidential=r.get("confidential", False),
                payload=r.get("payload") or r.get("after") or {},
            )
            for r in records
            if r.get("event_type")
        ]
    )
    if events:
        first_id = events[0].pk
        transaction.on_commit(lambda: _hand_to_broker(first_id), robust=True)
    return events


def _require_transaction(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"audit.{name}() must run inside the service's transaction")


def _audit_row(*, actor, action: str, obj: models.Model, before, after) -> AuditEntry:
    return AuditEntry(
        actor=actor if actor and actor.pk else None,
        actor_agency_id=getattr(actor, "agency_id", None),
        request_id=context.request_id.get(),
        client_request_id=context.client_request_id.get(),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        ip=context.client_ip.get(),
        before=_jsonable(before),
        after=_jsonable(after),
    )


def _event_row(*, event_type: str, obj: models.Model, actor, unit, agencies, confidential: bool, payload) -> Event:
    return Event(
        type=event_type,
        actor=actor if actor and actor.pk else None,
        unit=unit,
        agencies=sorted(set(agencies)),
        confidential=confidential,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        payload=_jsonable(payload or {}),
    )


def record_access(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    """Audit what changes nothing but that oversight asks about: a view, an identity-number
    reveal, an export, a login or a failed one, a refused access, an API key's use.

    Unlike :func:`record` it needs no service transaction (reads run outside one) and writes
    no outbox event. Actions are named ``<thing>.<verb>``: ``case.view``, ``subject.reveal``,
    ``export.statistics``, ``auth.login``, ``auth.login_failed``, ``access.refused``,
    ``apikey.use``. ``detail`` (stored in ``after``) holds what the row needs besides the
    object: a reason, a filter, a username tried."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    return AuditEntry.objects.create(
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_agency_id=getattr(actor, "agency_id", None),
        request_id=context.request_id.get(),
        client_request_id=context.client_request_id.get(),
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_repr=object_repr[:200],
        ip=context.client_ip.get(),
        after=_jsonable(detail) if detail else None,
    )


def emit(
    *,
    event_type: str,
    obj: models.Model,
    actor=None,
    unit=None,
    agencies: Iterable[str] = (),
    confidential: bool = False,
    payload: dict | None = None,
) -> Event:
    """Write an outbox event and, once the transaction commits, hand it to the broker.

    ``robust``: if the broker is unreachable the commit still stands; the beat sweeper
    dispatches the event later."""
    event = _event_row(
        event_type=event_type,
        obj=obj,
        actor=actor,
        unit=unit,
        agencies=agencies,
        confidential=confidential,
        payload=payload,
    )
    event.save(force_insert=True)
    # Not functools.partial: Django logs a failed robust hook by its __qualname__, which a
    # partial lacks, so the logging itself would raise into the caller.
    event_id = event.pk
    transaction.on_commit(lambda: _hand_to_broker(event_id), robust=True)
    return event


def _hand_to_broker(event_id: int) -> None:
    event_committed(event_id)
