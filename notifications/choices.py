"""The notifications' choices: how often someone is e-mailed, where a webhook delivery stands."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("Daily digest")
    NEVER = "never", _("Never")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    DEAD = "dead", _("Dead-lettered")
    # Never to be sent: the subscriber may no longer receive it (key revoked or expired, a
    # scope or unit role removed, owner deactivated). ``cancel_reason`` says which.
    CANCELLED = "cancelled", _("Cancelled")
