"""The life of a referral, from draft to closed. The sending unit and the contact point's desk
each act only on their own steps."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from agencies.models import NationalContactPoint
from cases.models import Case, CaseSubject
from cases.permissions import require_case_worker
from cases.services import journal_system
from referrals.choices import ReferralStatus
from referrals.deadlines import acknowledgement_due_on
from referrals.models import Referral
from referrals.permissions import require_side
from tracker import audit
from tracker.exceptions import DomainValidationError, InvalidTransition
from tracker.services import check_version, clean, lock

FIELDS = (
    "case",
    "contact_point",
    "category",
    "legal_basis",
    "status",
    "acknowledgement_due_on",
    "decline_reason",
    "outcome",
    "revoke_reason",
    "version",
)


def _record(referral: Referral, *, actor, action, before, event_type=None, payload=None):
    case = referral.case
    after = audit.snapshot(referral, FIELDS)
    after["subjects"] = sorted(str(pk) for pk in referral.subjects.values_list("pk", flat=True))
    audit.record(
        actor=actor,
        action=action,
        obj=referral,
        before=before,
        after=after,
        event_type=event_type,
        unit=case.unit,
        agencies=[a.code for a in case.agencies.all()],
        # The snapshot names the contact point by id; events name it by code, which is what
        # the desk's recipient and visibility rules match on, so the code must win.
        payload={
            **after,
            "case": str(case.pk),
            "reference": case.reference,
            "contact_point": referral.contact_point.code,
            **(payload or {}),
        },
    )


def _subjects_of(case: Case, subjects: Iterable) -> list[CaseSubject]:
    subjects = list(subjects)
    foreign = [s for s in subjects if s.case_id != case.pk]
    if foreign:
        raise DomainValidationError.for_field("subjects", "Only the case's own subjects can be shared.")
    return subjects


def _step(referral: Referral, to: str) -> Referral:
    referral = lock(referral)
    if to not in referral.allowed_transitions():
        raise InvalidTransition(f"A {referral.get_status_display().lower()} referral cannot become {to}.")
    return referral


@transaction.atomic
def referral_create(
    *,
    actor,
    case: Case,
    contact_point: NationalContactPoint,
    category: str,
    summary: str,
    legal_basis: str,
    subjects: Iterable[CaseSubject] = (),
) -> Referral:
    require_case_worker(actor, case)
    if category not in contact_point.topics:
        raise DomainValidationError.for_field("category", f"{contact_point} does not receive {category} referrals.")
    referral = Referral(
        case=case,
        contact_point=contact_point,
        category=category,
        summary=summary,
        legal_basis=legal_basis,
        created_by=actor,
    )
    clean(referral, exclude=["case", "created_by"])
    referral.save()
    referral.subjects.set(_subjects_of(case, subjects))
    _record(referral, actor=actor, action="referral.create", before=None)
    return referral


@transaction.atomic
def referral_send(*, actor, referral: Referral, expected_version: int | None = None) -> Referral:
    referral = _step(referral, ReferralStatus.SENT)
    check_version(referral, expected_version)
    require_side(actor, referral, ReferralStatus.SENT)
    before = audit.snapshot(referral, FIELDS)
    now = timezone.now()
    referral.status, referral.sent_at, referral.sent_by = ReferralStatus.SENT, now, actor
    referral.acknowledgement_due_on = acknowledgement_due_on(timezone.localdate(now))
    referral.version += 1
    referral.save()
    journal_system(
        referral.case,
        actor=actor,
        body=f"Referred to {referral.contact_point} ({referral.get_category_display().lower()}).",
    )
    _record(referral, actor=actor, action="referral.send", before=before, event_type="referral.sent")
    return referral


@transaction.atomic
def referral_create_and_send(*, actor, case: Case, **fields) -> Referral:
    """Draft and send in one step, as the web form does: if sending fails, no draft is left."""
    referral = referral_create(actor=actor, case=case, **fields)
    return referral_send(actor=actor, referral=referral)


def _desk_step(*, actor, referral: Referral, to: str, expected_version, **fields) -> Referral:
    referral = _step(referral, to)
    check_version(referral, expected_version)
    require_side(actor, referral, to)
    before = audit.snapshot(referral, FIELDS)
    referral.status = to
    for name, value in fields.items():
        setattr(referral, name, value)
    referral.version += 1
    referral.save()
    journal_system(referral.case, actor=actor, body=f"{referral.contact_point} {to} the referral.")
    _record(referral, actor=actor, action=f"referral.{to}", before=before, event_type=f"referral.{to}")
    return referral


@transaction.atomic
def referral_acknowledge(*, actor, referral: Referral, expected_version: int | None = None) -> Referral:
    return _desk_step(
        actor=actor,
        referral=referral,
        to=ReferralStatus.ACKNOWLEDGED,
        expected_version=expected_version,
        acknowledged_at=timezone.now(),
    )


@transaction.atomic
def referral_accept(*, actor, referral: Referral, expected_version: int | None = None) -> Referral:
    return _desk_step(
        actor=actor,
        referral=referral,
        to=ReferralStatus.ACCEPTED,
        expected_version=expected_version,
        decided_at=timezone.now(),
    )


@transaction.atomic
def referral_decline(*, actor, referral: Referral, reason: str, expected_version: int | None = None) -> Referral:
    if not reason.strip():
        raise DomainValidationError.for_field("reason", "Declining a referral needs a reason.")
    return _desk_step(
        actor=actor,
        referral=referral,
        to=ReferralStatus.DECLINED,
        expected_version=expected_version,
        decided_at=timezone.now(),
        decline_reason=reason,
    )


@transaction.atomic
def referral_close(*, actor, referral: Referral, outcome: str, expected_version: int | None = None) -> Referral:
    if not outcome.strip():
        raise DomainValidationError.for_field("outcome", "Closing a referral needs an outcome.")
    return _desk_step(
        actor=actor,
        referral=referral,
        to=ReferralStatus.CLOSED,
        expected_version=expected_version,
        closed_at=timezone.now(),
        outcome=outcome,
    )


@transaction.atomic
def referral_revoke(*, actor, referral: Referral, reason: str, expected_version: int | None = None) -> Referral:
    referral = _step(referral, ReferralStatus.REVOKED)
    check_version(referral, expected_version)
    require_side(actor, referral, ReferralStatus.REVOKED)
    if not reason.strip():
        raise DomainValidationError.for_field("reason", "Revoking a referral needs a reason.")
    before = audit.snapshot(referral, FIELDS)
    referral.status, referral.revoked_at, referral.revoke_reason = ReferralStatus.REVOKED, timezone.now(), reason
    referral.version += 1
    referral.save()
    journal_system(referral.case, actor=actor, body=f"Referral to {referral.contact_point} revoked: {reason}")
    _record(referral, actor=actor, action="referral.revoke", before=before, event_type="referral.revoked")
    return referral
