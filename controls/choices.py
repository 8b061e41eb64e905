from django.db import models
from django.utils.translation import gettext_lazy as _


class ControlStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONFIRMED = "confirmed", _("Confirmed")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    FOLLOWED_UP = "followed_up", _("Followed up")
    CANCELLED = "cancelled", _("Cancelled")


CONTROL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ControlStatus.PLANNED: (ControlStatus.CONFIRMED, ControlStatus.CANCELLED),
    ControlStatus.CONFIRMED: (ControlStatus.IN_PROGRESS, ControlStatus.PLANNED, ControlStatus.CANCELLED),
    ControlStatus.IN_PROGRESS: (ControlStatus.COMPLETED,),
    ControlStatus.COMPLETED: (ControlStatus.FOLLOWED_UP,),
    ControlStatus.FOLLOWED_UP: (),
    ControlStatus.CANCELLED: (),
}
# Officers stay booked (and block their calendars) in these states.
BOOKING_STATES = (ControlStatus.PLANNED, ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS)
# Findings are recorded while or after the control is carried out.
FINDING_STATES = (ControlStatus.IN_PROGRESS, ControlStatus.COMPLETED)
