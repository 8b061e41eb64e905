from django.db import models

from agencies.choices import ReferralTopic

ReferralCategory = ReferralTopic


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SENT = "sent", "Sent"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    CLOSED = "closed", "Closed"
    REVOKED = "revoked", "Revoked"


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
