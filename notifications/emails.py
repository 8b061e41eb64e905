"""E-mail about notifications: immediately or as a daily digest, in the user's language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.choices import EmailFrequency
from notifications.models import Notification, NotificationPreference
from notifications.presentation import present
from tracker.events import event_visible_to, load_scopes

SUBJECTS = {
    "en": ("Case tracker: {title}", "Case tracker: {count} new notifications"),
    "nb": ("Sakssystemet: {title}", "Sakssystemet: {count} nye varsler"),
}


def _preference(user) -> NotificationPreference:
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def _wanted(user, notifications, preference) -> list[Notification]:
    """Those not muted, and only while the person may still see them: an e-mail is a delivery,
    and a role removed or an account deactivated since the notification stops it."""
    if not user.is_active:
        return []
    load_scopes([user])
    muted = set(preference.muted_cases.values_list("pk", flat=True)) if preference.pk else set()
    return [n for n in notifications if n.case_id not in muted and event_visible_to(n.event, user)]


def line(notification) -> str:
    """What happened and what it is about, in the active language, as the pages say it (the case
    by its reference and title, a control by its title; never an id)."""
    present(notification)
    case = notification.case if notification.case_id else None
    about = f"{case.reference} {case.title}" if case else notification.about
    return f"{notification.verb_label}: {about}" if about else notification.verb_label


def _send(user, notifications, subject) -> None:
    """``subject``: a function of the notifications' lines, called in the reader's language."""
    language = user.language if user.language in SUBJECTS else "en"
    with translation.override(language):
        for n in notifications:
            n.line = line(n)
        body = render_to_string(f"notifications/email_{language}.txt", {"user": user, "notifications": notifications})
        send_mail(subject(notifications), body, settings.DEFAULT_FROM_EMAIL, [user.email], fail_silently=False)


def send_immediate(notification_id) -> bool:
    with transaction.atomic():
        n = (Notification.objects.select_for_update(of=("self",)).select_related("recipient", "event", "case")
             .filter(pk=notification_id, emailed_at__isnull=True).first())  # fmt: skip
        if n is None or not n.recipient.email:
            return False
        preference = _preference(n.recipient)
        if preference.email != EmailFrequency.IMMEDIATE or not _wanted(n.recipient, [n], preference):
            return False
        language = n.recipient.language if n.recipient.language in SUBJECTS else "en"
        _send(n.recipient, [n], lambda lines: SUBJECTS[language][0].format(title=lines[0].line))
        n.emailed_at = timezone.now()
        n.save(update_fields=["emailed_at"])
        return True


def send_digests() -> int:
    """One e-mail per digest subscriber with everything not yet e-mailed."""
    sent = 0
    for preference in NotificationPreference.objects.filter(email=EmailFrequency.DIGEST).select_related("user"):
        user = preference.user
        with transaction.atomic():
            pending = list(Notification.objects.select_for_update(of=("self",)).select_related("event", "case")
                           .filter(recipient=user, emailed_at__isnull=True).order_by("created_at"))  # fmt: skip
            wanted = _wanted(user, pending, preference)
            if wanted and user.email:
                language = user.language if user.language in SUBJECTS else "en"
                _send(user, wanted, lambda lines, language=language: SUBJECTS[language][1].format(count=len(lines)))
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return sent
