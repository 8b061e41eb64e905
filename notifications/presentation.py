"""How a notification reads on a page: what happened (in the reader's language), what it is
about (a case by reference and title, else a control's title — never an id) and where it leads."""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

VERBS = {
    "case.created": _("New case"),
    "case.updated": _("Case updated"),
    "case.transitioned": _("Case status changed"),
    "case.subject_added": _("Subject added to a case"),
    "case.subject_removed": _("Subject removed from a case"),
    "case.assigned": _("You were put on a case"),
    "case.unassigned": _("You were taken off a case"),
    "case.transfer_requested": _("Transfer of a case requested"),
    "case.transferred": _("Case transferred"),
    "journal.shared": _("Journal entry shared with the unit"),
    "journal.added": _("Journal entry added"),
    "task.assigned": _("Task assigned to you"),
    "task.created": _("Task created"),
    "task.due": _("Task due"),
    "control.planned": _("Joint control planned"),
    "control.changed": _("Joint control changed"),
    "control.officer_booked": _("You were booked on a joint control"),
    "control.transitioned": _("Joint control status changed"),
    "control.completed": _("Joint control completed"),
    "control.cancelled": _("Joint control cancelled"),
    "control.finding_recorded": _("Finding recorded at a joint control"),
    "control.reminder": _("Joint control coming up"),
    "referral.sent": _("Referral received"),
    "referral.acknowledged": _("Referral acknowledged"),
    "referral.accepted": _("Referral accepted"),
    "referral.declined": _("Referral declined"),
    "referral.closed": _("Referral closed"),
    "referral.revoked": _("Referral revoked"),
    "referral.overdue": _("Referral not acknowledged in time"),
}
OTHER = _("Notification")


def verb_label(event_type: str) -> str:
    return str(VERBS.get(event_type, OTHER))


# Where a notification leads: the object it is about when that has a page, else its case.
LINKS = {"controls.jointcontrol": "controls:detail", "referrals.referral": "referrals:detail"}
# Objects without a page of their own, shown in an inbox: a transfer, in the receiving unit's.
INBOXES = {"cases.casetransfer": "cases:transfers"}


def _url(name: str, pk) -> str:
    try:
        return reverse(name, args=[pk] if pk is not None else [])
    except NoReverseMatch:  # that page is not there (yet)
        return ""


def present(notification, muted=frozenset()):
    """Set ``verb_label``, ``about``, ``link`` and ``muted`` on a notification (its event and
    case loaded) for the templates. Returns it."""
    event = notification.event
    notification.verb_label = verb_label(notification.verb)
    # Without the case (one the reader does not see): a control's title, else the case's reference,
    # which the desk and a receiving unit are shown with the referral or transfer anyway.
    payload = event.payload
    notification.about = "" if notification.case_id else str(payload.get("title") or payload.get("reference") or "")
    notification.link = _url(LINKS[event.object_type], event.object_id) if event.object_type in LINKS else ""
    if event.object_type == "referrals.referral" and not notification.case_id:
        # Told of a referral without its case: the reader knows it from the desk, not the case.
        notification.link = _url("referrals:desk_detail", event.object_id)
    if event.object_type in INBOXES:
        notification.link = _url(INBOXES[event.object_type], None)
    if not notification.link and notification.case_id:
        notification.link = _url("cases:detail", notification.case_id)
    notification.muted = notification.case_id in muted
    return notification
