from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.choices import ReferralTopic

ReferralCategory = ReferralTopic


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed")
    REVOKED = "revoked", _("Revoked")


REFERRAL_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ReferralStatus.DRAFT: (ReferralStatus.SENT,),
    ReferralStatus.SENT: (ReferralStatus.ACKNOWLEDGED, ReferralStatus.REVOKED),
    ReferralStatus.ACKNOWLEDGED: (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED, ReferralStatus.REVOKED),
    ReferralStatus.ACCEPTED: (ReferralStatus.CLOSED,),
    ReferralStatus.DECLINED: (),
    ReferralStatus.CLOSED: (),
    ReferralStatus.REVOKED: (),
}
# Transitions made by the contact point's desk; the others by the sending unit.
DESK_TRANSITIONS = {
    ReferralStatus.ACKNOWLEDGED,
    ReferralStatus.ACCEPTED,
    ReferralStatus.DECLINED,
    ReferralStatus.CLOSED,
}
