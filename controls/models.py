import datetime
import hashlib

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from controls.choices import CONTROL_TRANSITIONS, ControlStatus
from tracker.models import TimeStampedModel, UUIDModel
from tracker.validators import CONTROL_MAX_DAYS, EARLIEST_RECORD_TIME, validate_planned_date

MAX_PERSONS_COUNT = 100_000


class JointControl(UUIDModel, TimeStampedModel):
    """A coordinated control carried out by several agencies at once."""

    unit = models.ForeignKey("agencies.RegionalUnit", on_delete=models.PROTECT, related_name="controls")
    title = models.CharField(max_length=200)
    briefing = models.TextField(blank=True)
    starts_at = models.DateTimeField(validators=[validate_planned_date])
    ends_at = models.DateTimeField(validators=[validate_planned_date])
    status = models.CharField(max_length=16, choices=ControlStatus.choices, default=ControlStatus.PLANNED)
    cancellation_reason = models.TextField(blank=True)
    cases = models.ManyToManyField("cases.Case", related_name="controls", blank=True)
    target_organisations = models.ManyToManyField("cases.Organisation", related_name="controls", blank=True)
    target_persons = models.ManyToManyField("cases.Person", related_name="controls", blank=True)
    agencies = models.ManyToManyField("agencies.Agency", related_name="controls")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="control_window_positive",
                violation_error_message="A control must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__lte=F("starts_at") + datetime.timedelta(days=CONTROL_MAX_DAYS)),
                name="control_window_at_most_a_week",
                violation_error_message=f"A control lasts at most {CONTROL_MAX_DAYS} days.",
            ),
            models.CheckConstraint(condition=Q(starts_at__gte=EARLIEST_RECORD_TIME), name="control_starts_in_range"),
            models.CheckConstraint(
                condition=~Q(status=ControlStatus.CANCELLED) | ~Q(cancellation_reason=""),
                name="control_cancel_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["unit", "starts_at"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d})"

    def allowed_transitions(self) -> tuple[str, ...]:
        return CONTROL_TRANSITIONS.get(self.status, ())


class ControlSite(UUIDModel):
    control = models.ForeignKey(JointControl, on_delete=models.CASCADE, related_name="sites")
    name = models.CharField(max_length=200, blank=True)
    address = models.CharField(max_length=300)
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        ordering = ["address"]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="site_coordinates_both_or_neither",
                violation_error_message="Give both latitude and longitude, or neither.",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.address


class ControlOfficer(models.Model):
    """An officer booked on a control. Its agency decides who it sends."""

    control = models.ForeignKey(JointControl, on_delete=models.CASCADE, related_name="officers")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="control_bookings")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    is_lead = models.BooleanField(default=False)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__code", "officer__username"]
        constraints = [models.UniqueConstraint(fields=["control", "officer"], name="officer_once_per_control")]

    def __str__(self) -> str:
        return f"{self.officer} on {self.control}"


class Finding(UUIDModel):
    """A sanction or measure one agency recorded at a control: feeds the unit's statistics."""

    control = models.ForeignKey(JointControl, on_delete=models.CASCADE, related_name="findings")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    sanction_kind = models.ForeignKey("agencies.SanctionKind", on_delete=models.PROTECT, related_name="findings")
    amount_nok = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    persons_count = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(MAX_PERSONS_COUNT)])
    organisation = models.ForeignKey(
        "cases.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("cases.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_nok__isnull=True) | Q(amount_nok__gte=0), name="finding_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(persons_count__lte=MAX_PERSONS_COUNT), name="finding_persons_count_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sanction_kind} at {self.control}"


class CalendarFeed(models.Model):
    """A secret link to one officer's bookings, for their own calendar app.

    The link works without signing in, so it is as good as a password: only a SHA-256 digest
    of its token is stored (the token is 256 random bits; a slow hash buys nothing), and the
    officer can revoke it. At most one live link per officer."""

    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["officer"], condition=Q(revoked_at__isnull=True), name="one_live_calendar_feed_per_officer"
            )
        ]

    def __str__(self) -> str:
        return f"Calendar link of {self.officer} ({self.created_at:%Y-%m-%d})"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
