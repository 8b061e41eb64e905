"""What Celery beat looks for: upcoming controls, overdue referrals, tasks due tomorrow.

Each reminder is an outbox event (so it reaches people and systems like any other), sent
once: its key is recorded in SentReminder in the same transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.choices import TaskStatus
from cases.models import Task
from controls.choices import BOOKING_STATES
from controls.models import JointControl
from notifications.models import SentReminder
from referrals.deadlines import overdue_q
from referrals.models import Referral
from tracker import audit


def _once(key: str) -> bool:
    """Claim a reminder key inside the caller's transaction; False if it was sent before."""
    try:
        with transaction.atomic():
            SentReminder.objects.create(key=key)
        return True
    except IntegrityError:
        return False


def _label(delta: datetime.timedelta) -> str:
    return f"{int(delta.total_seconds() // 3600)}h"


def control_reminders() -> int:
    now, sent = timezone.now(), 0
    for lead in settings.CONTROL_REMINDERS:
        upcoming = JointControl.objects.filter(
            status__in=BOOKING_STATES, starts_at__gt=now, starts_at__lte=now + lead
        ).select_related("unit")
        for control in upcoming.prefetch_related("agencies"):
            with transaction.atomic():
                if not _once(f"control:{control.pk}:{_label(lead)}"):
                    continue
                audit.emit(
                    event_type="control.reminder",
                    obj=control,
                    unit=control.unit,
                    agencies=[a.code for a in control.agencies.all()],
                    payload={"title": control.title, "starts_at": control.starts_at, "before": _label(lead)},
                )
                sent += 1
    return sent


def escalate_overdue_referrals() -> int:
    sent = 0
    overdue = Referral.objects.filter(overdue_q(), escalated_at__isnull=True).select_related(
        "case", "case__unit", "contact_point"
    )
    for referral in overdue:
        with transaction.atomic():
            claimed = Referral.objects.filter(pk=referral.pk, escalated_at__isnull=True).update(
                escalated_at=timezone.now()
            )
            if not claimed:
                continue
            case = referral.case
            audit.record(
                actor=None,
                action="referral.overdue",
                obj=referral,
                event_type="referral.overdue",
                unit=case.unit,
                agencies=[a.code for a in case.agencies.all()],
                after={"acknowledgement_due_on": referral.acknowledgement_due_on},
                payload={
                    "case": str(case.pk),
                    "reference": case.reference,
                    "contact_point": referral.contact_point.code,
                    "acknowledgement_due_on": referral.acknowledgement_due_on,
                },
            )
            sent += 1
    return sent


def tasks_due_tomorrow() -> int:
    tomorrow, sent = timezone.localdate() + datetime.timedelta(days=1), 0
    due = Task.objects.filter(status=TaskStatus.OPEN, due_on=tomorrow, assignee__isnull=False).select_related(
        "case", "case__unit"
    )
    for task in due.prefetch_related("case__agencies"):
        with transaction.atomic():
            if not _once(f"task:{task.pk}:due:{tomorrow}"):
                continue
            audit.emit(
                event_type="task.due",
                obj=task,
                unit=task.case.unit,
                agencies=[a.code for a in task.case.agencies.all()],
                payload={
                    "case": str(task.case_id),
                    "reference": task.case.reference,
                    "title": task.title,
                    "assignee": str(task.assignee_id),
                    "due_on": task.due_on,
                },
            )
            sent += 1
    return sent
