from django.db import models


class ControlStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CONFIRMED = "confirmed", "Confirmed"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    FOLLOWED_UP = "followed_up", "Followed up"
    CANCELLED = "cancelled", "Cancelled"


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
