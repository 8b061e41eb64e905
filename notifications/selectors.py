"""A person's own notifications and preferences: nobody reads anyone else's."""

from __future__ import annotations

from django.db.models import Q

from cases.models import Case
from cases.selectors import case_visibility_q, cases_visible_to
from notifications.choices import EmailFrequency
from notifications.models import Notification, NotificationPreference


def _still_visible(user) -> Q:
    """A notification naming a case shows only while its reader may see the case (it may since
    have moved to another unit, or they may have lost their role there)."""
    return Q(case__isnull=True) | Q(case__in=Case.objects.filter(case_visibility_q(user)).values("pk"))


def notifications_for(user):
    """``user``'s notifications, newest first, with the case each names."""
    return (
        Notification.objects.filter(_still_visible(user), recipient=user)
        .select_related("case", "event")
        .order_by("-created_at", "pk")
    )


def unread_count(user) -> int:
    return Notification.objects.filter(_still_visible(user), recipient=user, read_at__isnull=True).count()


def preference_for(user) -> NotificationPreference:
    """The saved preference, or the default (e-mail immediately, nothing muted) unsaved."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(
        user=user, email=EmailFrequency.IMMEDIATE
    )


def muted_cases_of(user):
    """The cases ``user`` muted and can still see (a case since moved out of their sight is not
    named here)."""
    muted = NotificationPreference.muted_cases.through.objects.filter(notificationpreference__user=user)
    return cases_visible_to(user).prefetch_related(None).filter(pk__in=muted.values("case_id")).order_by("reference")
