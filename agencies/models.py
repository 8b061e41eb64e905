from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import get_language

from agencies.choices import AgencyKind, Language, ReferralTopic, UnitKind, UnitRole, UserKind
from tracker.models import UUIDModel


class BilingualName:
    """Reference data named in both languages: ``display_name`` is the reader's."""

    @property
    def display_name(self) -> str:
        return self.name_nb if self.name_nb and get_language() == "nb" else self.name


code_validator = RegexValidator(r"^[A-Z][A-Z0-9_]{1,19}$", "Use 2–20 capital letters, digits or _.")


class Agency(BilingualName, models.Model):
    """A public authority taking part in the cooperation. Agencies are data: more can join."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    name_nb = models.CharField("name (Bokmål)", max_length=200, blank=True)
    kind = models.CharField(max_length=32, choices=AgencyKind.choices)
    contact_email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.code

    def natural_key(self):
        return (self.code,)


class SanctionKind(BilingualName, models.Model):
    """A sanction or measure an agency can impose (data, seeded from the domain table)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sanction_kinds")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    name_nb = models.CharField("name (Bokmål)", max_length=200, blank=True)
    involves_amount = models.BooleanField(default=False, help_text="Recorded with an amount in NOK.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["agency__code", "code"]
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="sanction_kind_unique_code")]

    def __str__(self) -> str:
        return f"{self.agency.code}: {self.name}"


class RegionalUnit(models.Model):
    """A regional interagency centre or local cooperation, with its own caseload."""

    code = models.CharField(max_length=8, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=UnitKind.choices, default=UnitKind.CENTRE)
    region = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    agencies = models.ManyToManyField(Agency, related_name="units", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class TrackerUserManager(UserManager):
    def get_queryset(self):
        return super().get_queryset().select_related("agency")


class User(UUIDModel, AbstractUser):
    """A person or an agency system. Every non-superuser belongs to exactly one agency."""

    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="users")
    kind = models.CharField(max_length=16, choices=UserKind.choices, default=UserKind.PERSON)
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.NB)
    title = models.CharField("job title", max_length=200, blank=True)
    # Sessions begun before this moment end at their next request (account disabled, role removed).
    sessions_ended_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = TrackerUserManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_superuser=True) | models.Q(agency__isnull=False),
                name="user_agency_required",
                violation_error_message="Every user except a platform superuser belongs to an agency.",
            )
        ]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.agency_id and self.agency.code})" if full else self.username

    @property
    def is_service_account(self) -> bool:
        return self.kind == UserKind.SERVICE


class UnitMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(RegionalUnit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=UnitRole.choices)
    since = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["unit__code", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.unit.code}"


class NationalContactPoint(BilingualName, models.Model):
    """A national desk that receives referrals (e.g. migrant trafficking, organised crime)."""

    code = models.CharField(max_length=20, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    name_nb = models.CharField("name (Bokmål)", max_length=200, blank=True)
    hosting_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="contact_points")
    topics = ArrayField(models.CharField(max_length=32, choices=ReferralTopic.choices), default=list)
    intake_email = models.EmailField()
    desk_officers = models.ManyToManyField(User, related_name="contact_point_desks", blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ApiKey(models.Model):
    """A key for one agency system, bound to one agency and the units it serves.

    Each key acts as its own service account (``user``), whose unit memberships are the
    key's units, so a system sees and does exactly what a case officer of its agency
    there may. Only a SHA-256 digest of the secret is stored: the keys are 256-bit
    random strings, for which a slow password hash buys nothing.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    digest = models.CharField(max_length=64)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_key")
    scopes = ArrayField(models.CharField(max_length=32), default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def agency(self):
        return self.user.agency

    def is_usable(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.is_active
