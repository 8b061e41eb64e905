from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from cases.choices import LegalBasis
from referrals.choices import DESK_TRANSITIONS, REFERRAL_TRANSITIONS, ReferralCategory, ReferralStatus
from tracker.models import TimeStampedModel, UUIDModel


class Referral(UUIDModel, TimeStampedModel):
    """A case referred to a national contact point for further dissemination."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    contact_point = models.ForeignKey(
        "agencies.NationalContactPoint", on_delete=models.PROTECT, related_name="referrals"
    )
    category = models.CharField(max_length=32, choices=ReferralCategory.choices)
    summary = models.TextField()
    subjects = models.ManyToManyField(
        "cases.CaseSubject",
        related_name="referrals",
        blank=True,
        help_text="The case's subjects shared with the contact point.",
    )
    legal_basis = models.CharField(max_length=32, choices=LegalBasis.choices)
    status = models.CharField(max_length=16, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledgement_due_on = models.DateField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DECLINED) | ~Q(decline_reason=""), name="referral_decline_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.CLOSED) | ~Q(outcome=""), name="referral_closed_has_outcome"
            ),
            models.CheckConstraint(
                condition=Q(status=ReferralStatus.DRAFT) | Q(sent_at__isnull=False), name="referral_sent_has_time"
            ),
        ]
        indexes = [models.Index(fields=["status", "acknowledgement_due_on"])]

    def __str__(self) -> str:
        return f"{self.case.reference} → {self.contact_point.code} ({self.get_status_display()})"

    def allowed_transitions(self) -> tuple[str, ...]:
        return REFERRAL_TRANSITIONS.get(self.status, ())

    def desk_actions(self) -> tuple[str, ...]:
        """The steps the contact point's desk may take now."""
        return tuple(t for t in self.allowed_transitions() if t in DESK_TRANSITIONS)

    def sender_actions(self) -> tuple[str, ...]:
        """The steps the sending unit may take now (send a draft, revoke)."""
        return tuple(t for t in self.allowed_transitions() if t not in DESK_TRANSITIONS)

    @property
    def is_overdue(self) -> bool:
        # The one-row mirror of deadlines.overdue_q(); a test holds the two together.
        return (
            self.status == ReferralStatus.SENT
            and self.acknowledgement_due_on is not None
            and self.acknowledgement_due_on < timezone.localdate()
        )
