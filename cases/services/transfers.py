"""Transfers of a case between regional units."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agencies.models import RegionalUnit
from cases import choices as c
from cases.models import Case, CaseTransfer
from cases.permissions import require_case_worker, require_coordinator
from cases.services.core import _case_state, _record_case, journal_system, lock_case
from tracker import audit
from tracker.exceptions import DomainValidationError, InvalidTransition
from tracker.services import lock

TRANSFER_FIELDS = ("case", "from_unit", "to_unit", "status", "decision_note")


@transaction.atomic
def transfer_request(*, actor, case: Case, to_unit: RegionalUnit, reason: str) -> CaseTransfer:
    case = lock_case(case)
    require_case_worker(actor, case)
    if to_unit.pk == case.unit_id:
        raise DomainValidationError.for_field("to_unit", "The case is already in this unit.")
    if not reason.strip():
        raise DomainValidationError.for_field("reason", "A transfer needs a reason.")
    if case.transfers.filter(status=c.TransferStatus.PENDING).exists():
        raise InvalidTransition("This case already has a pending transfer.")
    transfer = CaseTransfer.objects.create(
        case=case, from_unit=case.unit, to_unit=to_unit, reason=reason, requested_by=actor
    )
    journal_system(case, actor=actor, body=f"Transfer to {to_unit} requested: {reason}")
    audit.record(
        actor=actor,
        action="transfer.request",
        obj=transfer,
        after=audit.snapshot(transfer, TRANSFER_FIELDS),
        event_type="case.transfer_requested",
        unit=to_unit,
        agencies=[a.code for a in case.agencies.all()],
        payload={"case": str(case.pk), "reference": case.reference, "to_unit": to_unit.code},
    )
    return transfer


@transaction.atomic
def transfer_decide(*, actor, transfer: CaseTransfer, accept: bool, note: str = "") -> CaseTransfer:
    transfer = lock(transfer)
    require_coordinator(actor, transfer.to_unit_id, "accept or refuse a transfer into it")
    if transfer.status != c.TransferStatus.PENDING:
        raise InvalidTransition(f"This transfer was already {transfer.status}.")
    if not accept and not note.strip():
        raise DomainValidationError.for_field("note", "Refusing a transfer needs a reason.")
    before = audit.snapshot(transfer, TRANSFER_FIELDS)
    transfer.status = c.TransferStatus.ACCEPTED if accept else c.TransferStatus.REFUSED
    transfer.decided_by, transfer.decided_at, transfer.decision_note = actor, timezone.now(), note
    transfer.save()
    case = lock(transfer.case)
    if accept:
        case_before = _case_state(case)
        case.unit = transfer.to_unit
        case.version += 1
        case.save()
        _record_case(case, actor=actor, action="case.transfer", before=case_before, event_type="case.transferred")
    journal_system(
        case, actor=actor, body=f"Transfer to {transfer.to_unit} {transfer.status}." + (f" {note}" if note else "")
    )
    audit.record(
        actor=actor,
        action="transfer.decide",
        obj=transfer,
        before=before,
        after=audit.snapshot(transfer, TRANSFER_FIELDS),
    )
    return transfer
