"""Services for a person's own notifications: reading them, how often to be e-mailed, which
cases to hear nothing more of. The API and the web pages both call these.

Marking read is not audited: it is the reader's own inbox state, not case data. Preferences
and mutes are (they decide what someone is told).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from cases.selectors import cases_visible_to
from notifications.choices import EmailFrequency
from notifications.models import Notification, NotificationPreference
from tracker import audit
from tracker.exceptions import DomainValidationError


@transaction.atomic
def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise DomainValidationError("This is someone else's notification.")
    # Conditional: a second click (or a second tab) keeps the first time it was read.
    now = timezone.now()
    if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
        notification.read_at = now
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def _preference(user) -> NotificationPreference:
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    return preference


def _record(user, preference: NotificationPreference, action: str, after: dict) -> None:
    audit.record(actor=user, action=action, obj=preference, after={"email": preference.email, **after})


def _visible_cases(user, ids: Iterable) -> list:
    ids = {str(pk) for pk in ids}
    found = list(cases_visible_to(user).prefetch_related(None).filter(pk__in=ids))
    if len(found) != len(ids):
        raise DomainValidationError.for_field("muted_cases", "Unknown case.")
    return found


@transaction.atomic
def notification_preferences_update(*, user, email: str | None = None, muted_cases: Iterable | None = None):
    """Change how often ``user`` is e-mailed and/or replace the cases they muted (ids of cases
    they can see). Returns the preference."""
    if email is not None and email not in EmailFrequency.values:
        raise DomainValidationError.for_field("email", f"Choose one of: {', '.join(EmailFrequency.values)}.")
    cases = _visible_cases(user, muted_cases) if muted_cases is not None else None
    preference = _preference(user)
    if email is not None:
        preference.email = email
        preference.save(update_fields=["email"])
    if cases is not None:
        preference.muted_cases.set(cases)
    muted = sorted(str(case.pk) for case in cases) if cases is not None else None
    _record(user, preference, "notifications.preferences", {"muted_cases": muted})
    return preference


@transaction.atomic
def case_mute(*, user, case) -> NotificationPreference:
    """No more e-mail about ``case`` for ``user`` (in-app notifications still arrive)."""
    (case,) = _visible_cases(user, [case.pk])
    preference = _preference(user)
    preference.muted_cases.add(case)
    _record(user, preference, "notifications.mute", {"case": str(case.pk)})
    return preference


@transaction.atomic
def case_unmute(*, user, case) -> NotificationPreference:
    preference = _preference(user)
    preference.muted_cases.remove(case)
    _record(user, preference, "notifications.unmute", {"case": str(case.pk)})
    return preference
