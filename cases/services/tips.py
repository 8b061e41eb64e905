"""Tips: received, then promoted to a case, merged into one, or dismissed."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from agencies.models import RegionalUnit
from cases import choices as c
from cases.models import Case, Tip
from cases.permissions import require_case_worker, require_unit_worker
from cases.selectors import cases_visible_to
from cases.services.cases import case_create
from cases.services.core import journal_system
from tracker import audit
from tracker.exceptions import DomainValidationError, InvalidTransition
from tracker.services import clean, lock

TIP_FIELDS = ("unit", "source", "status", "case", "dismissal_reason")


@transaction.atomic
def tip_create(
    *,
    actor,
    unit: RegionalUnit,
    source: str,
    description: str,
    received_at=None,
    subjects_mentioned: str = "",
    reporter_contact: str = "",
) -> Tip:
    require_unit_worker(actor, unit.pk)
    tip = Tip(
        unit=unit,
        source=source,
        description=description,
        received_at=received_at or timezone.now(),
        subjects_mentioned=subjects_mentioned,
        reporter_contact=reporter_contact,
    )
    clean(tip)
    tip.save()
    audit.record(actor=actor, action="tip.create", obj=tip, after=audit.snapshot(tip, TIP_FIELDS))
    return tip


def _triage(tip: Tip, actor) -> Tip:
    tip = lock(tip)
    require_unit_worker(actor, tip.unit_id)
    if tip.status != c.TipStatus.NEW:
        raise InvalidTransition(f"This tip has already been triaged ({tip.get_status_display().lower()}).")
    return tip


@transaction.atomic
def tip_promote(*, actor, tip: Tip, **case_fields) -> Case:
    tip = _triage(tip, actor)
    before = audit.snapshot(tip, TIP_FIELDS)
    case_fields.setdefault("summary", tip.description)
    case = case_create(
        actor=actor,
        unit=tip.unit,
        source=c.CaseSource.TIP,
        received_on=timezone.localtime(tip.received_at).date(),
        **case_fields,
    )
    tip.status, tip.case, tip.triaged_by, tip.triaged_at = c.TipStatus.PROMOTED, case, actor, timezone.now()
    tip.save()
    audit.record(actor=actor, action="tip.promote", obj=tip, before=before, after=audit.snapshot(tip, TIP_FIELDS))
    return case


@transaction.atomic
def tip_merge(*, actor, tip: Tip, case: Case) -> Tip:
    tip = _triage(tip, actor)

    # A case the actor may not see answers as one of another unit: existence is not told.
    if case.unit_id != tip.unit_id or not cases_visible_to(actor).filter(pk=case.pk).exists():
        raise DomainValidationError.for_field("case", "Merge a tip into a case of its unit that you can see.")
    require_case_worker(actor, case)
    before = audit.snapshot(tip, TIP_FIELDS)
    tip.status, tip.case, tip.triaged_by, tip.triaged_at = c.TipStatus.MERGED, case, actor, timezone.now()
    tip.save()
    journal_system(case, actor=actor, body=f"Tip received {tip.received_at:%Y-%m-%d} merged into the case.")
    audit.record(actor=actor, action="tip.merge", obj=tip, before=before, after=audit.snapshot(tip, TIP_FIELDS))
    return tip


@transaction.atomic
def tip_dismiss(*, actor, tip: Tip, reason: str) -> Tip:
    tip = _triage(tip, actor)
    if not reason.strip():
        raise DomainValidationError.for_field("reason", "Dismissing a tip needs a reason.")
    before = audit.snapshot(tip, TIP_FIELDS)
    tip.status, tip.dismissal_reason, tip.triaged_by, tip.triaged_at = (
        c.TipStatus.DISMISSED,
        reason,
        actor,
        timezone.now(),
    )
    tip.save()
    audit.record(actor=actor, action="tip.dismiss", obj=tip, before=before, after=audit.snapshot(tip, TIP_FIELDS))
    return tip
