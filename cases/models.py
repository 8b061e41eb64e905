from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from cases import choices as c
from cases.identity import mask_identity_number, validate_identity_number, validate_organisation_number
from cases.nace import validate_sector
from cases.search import search_index, search_name_field
from tracker.models import TimeStampedModel, UUIDModel
from tracker.validators import (
    EARLIEST_BIRTH,
    EARLIEST_RECORD,
    EARLIEST_RECORD_TIME,
    LATEST_ANY,
    validate_birth_date,
    validate_country_code,
    validate_planned_date,
    validate_received_date,
)

# The fixed part of the bounds in tracker.validators, held by the database too.
COUNTRY_FORMAT = r"^[A-Z]{2}$"


class CaseReferenceCounter(models.Model):
    """The last number issued per unit and year. Incremented with an upsert inside the
    creating transaction: the row lock serialises creators and a rollback returns the
    number, so references have neither gaps nor duplicates."""

    unit = models.ForeignKey("agencies.RegionalUnit", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="case_counter_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.year}: {self.last_number}"


class Case(UUIDModel, TimeStampedModel):
    reference = models.CharField(max_length=24, unique=True, editable=False)
    unit = models.ForeignKey("agencies.RegionalUnit", on_delete=models.PROTECT, related_name="cases")
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField(max_length=200)
    search_name = search_name_field("title")  # the title folded for search (cases.search)
    summary = models.TextField(blank=True)
    lead_agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="led_cases")
    agencies = models.ManyToManyField(
        "agencies.Agency", related_name="cases", help_text="Participating agencies (the lead included)."
    )
    sector = models.CharField(max_length=5, validators=[validate_sector], help_text="NACE Rev. 2 class, e.g. 41.20")
    # May start empty: a fresh tip is often not yet classified.
    offences = ArrayField(models.CharField(max_length=32, choices=c.OffenceCategory.choices), default=list, blank=True)
    priority = models.CharField(max_length=16, choices=c.Priority.choices, default=c.Priority.NORMAL)
    source = models.CharField(max_length=24, choices=c.CaseSource.choices)
    received_on = models.DateField(validators=[validate_received_date])
    status = models.CharField(max_length=16, choices=c.CaseStatus.choices, default=c.CaseStatus.RECEIVED)
    outcome = models.CharField(max_length=24, choices=c.CaseOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1, help_text="Incremented on every change (optimistic locking).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    anonymised_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When retention removed its personal data (cases.retention)."
    )

    class Meta:
        ordering = ["-received_on", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year", "number"], name="case_number_per_unit_year"),
            models.CheckConstraint(
                condition=~Q(status=c.CaseStatus.CLOSED) | ~Q(outcome=""),
                name="case_closed_has_outcome",
                violation_error_message="A closed case needs an outcome.",
            ),
            models.CheckConstraint(
                condition=Q(received_on__range=(EARLIEST_RECORD, LATEST_ANY)),
                name="case_received_on_in_range",
                violation_error_message="The date received is out of range.",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["sector"]),
            search_index("case_search_name"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def allowed_transitions(self) -> tuple[str, ...]:
        return c.CASE_TRANSITIONS.get(self.status, ())

    @staticmethod
    def format_reference(unit_code: str, year: int, number: int) -> str:
        return f"{unit_code}-{year}-{number:05d}"


SUBJECT_CASE_HELP = (
    "The case it was recorded on. A subject belongs to one case: what one case's officers know of it never "
    "shows on another's (matching subjects across cases is a separate feature with its own rules)."
)


class Organisation(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="organisations", help_text=SUBJECT_CASE_HELP)
    organisation_number = models.CharField(
        max_length=9, null=True, blank=True, db_index=True, validators=[validate_organisation_number]
    )
    name = models.CharField(max_length=200, db_index=True)
    search_name = search_name_field("name")  # the name folded for search (cases.search)
    sector = models.CharField(max_length=5, blank=True, validators=[validate_sector])
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="NO", validators=[validate_country_code])

    class Meta:
        indexes = [search_index("organisation_search_name")]
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "organisation_number"], name="organisation_number_once_per_case"),
            models.CheckConstraint(condition=Q(country__regex=COUNTRY_FORMAT), name="organisation_country_format"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation_number})" if self.organisation_number else self.name


class Person(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="persons", help_text=SUBJECT_CASE_HELP)
    id_number = models.CharField(
        "identity number",
        max_length=11,
        null=True,
        blank=True,
        db_index=True,
        validators=[validate_identity_number],
    )
    id_kind = models.CharField(max_length=16, choices=c.IdKind.choices, default=c.IdKind.NONE)
    search_name = search_name_field("name")  # the name folded for search (cases.search)
    name = models.CharField(max_length=200, db_index=True)
    date_of_birth = models.DateField(null=True, blank=True, validators=[validate_birth_date])
    nationality = models.CharField(max_length=2, blank=True, validators=[validate_country_code])

    class Meta:
        indexes = [search_index("person_search_name")]
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["case", "id_number"], name="person_id_number_once_per_case"),
            models.CheckConstraint(
                condition=Q(id_number__isnull=True, id_kind=c.IdKind.NONE)
                | (Q(id_number__isnull=False) & ~Q(id_kind=c.IdKind.NONE)),
                name="person_id_kind_matches_number",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(date_of_birth__range=(EARLIEST_BIRTH, LATEST_ANY)),
                name="person_date_of_birth_in_range",
            ),
            models.CheckConstraint(
                condition=Q(nationality="") | Q(nationality__regex=COUNTRY_FORMAT), name="person_nationality_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_identity_number(self.id_number)


class CaseAssignment(UUIDModel):
    """An officer working the case for their agency. Each agency decides whom it puts on a
    case, as it does for controls; a coordinator may assign anyone of the unit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_assignments")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assigned_at"]
        constraints = [models.UniqueConstraint(fields=["case", "officer"], name="case_assignment_once")]

    def __str__(self) -> str:
        return f"{self.officer} on {self.case_id}"


class CaseSubject(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    # RESTRICT, not PROTECT: a subject goes with its case (and its links with it), never alone.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.RESTRICT, related_name="case_links"
    )
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.RESTRICT, related_name="case_links")
    role = models.CharField(max_length=24, choices=c.SubjectRole.choices)
    ilo_indicators = ArrayField(
        models.CharField(max_length=32, choices=c.IloIndicator.choices), default=list, blank=True
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=True, person__isnull=False)
                | Q(organisation__isnull=False, person__isnull=True),
                name="subject_is_organisation_or_person",
            ),
            models.CheckConstraint(
                condition=Q(role=c.SubjectRole.POTENTIAL_VICTIM) | Q(ilo_indicators=[]),
                name="subject_ilo_only_for_potential_victims",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(role__in=c.PERSON_ONLY_ROLES),
                name="subject_person_only_roles",
            ),
            models.UniqueConstraint(fields=["case", "organisation", "role"], name="subject_unique_org_role"),
            models.UniqueConstraint(fields=["case", "person", "role"], name="subject_unique_person_role"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.person} ({self.get_role_display()})"

    @property
    def subject(self):
        return self.organisation or self.person


class JournalEntry(UUIDModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="journal")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", help_text="Owning agency")
    kind = models.CharField(max_length=16, choices=c.JournalKind.choices, default=c.JournalKind.NOTE)
    visibility = models.CharField(max_length=16, choices=c.Visibility.choices, default=c.Visibility.AGENCY)
    legal_basis = models.CharField(max_length=32, choices=c.LegalBasis.choices, blank=True)
    necessity_note = models.TextField(blank=True, help_text="Why sharing is necessary and proportionate.")
    body = models.TextField()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "journal entries"
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility=c.Visibility.AGENCY)
                | Q(kind=c.JournalKind.SYSTEM)
                | (~Q(legal_basis="") & ~Q(necessity_note="")),
                name="journal_shared_needs_basis",
                violation_error_message="Sharing with the unit needs a legal basis and a necessity note.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} {self.created_at:%Y-%m-%d} {self.body[:40]}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under the content hash, not the user's file name.
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(UUIDModel):
    entry = models.ForeignKey(JournalEntry, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.filename


class Task(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="tasks"
    )
    due_on = models.DateField(null=True, blank=True, validators=[validate_planned_date])
    status = models.CharField(max_length=16, choices=c.TaskStatus.choices, default=c.TaskStatus.OPEN)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["assignee", "status", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__isnull=True) | Q(due_on__range=(EARLIEST_RECORD, LATEST_ANY)),
                name="task_due_on_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Tip(UUIDModel, TimeStampedModel):
    """An incoming tip in a unit's intake queue, triaged into a case or dismissed."""

    unit = models.ForeignKey("agencies.RegionalUnit", on_delete=models.PROTECT, related_name="tips")
    source = models.CharField(max_length=16, choices=c.TipSource.choices)
    received_at = models.DateTimeField(validators=[validate_received_date])
    description = models.TextField()
    subjects_mentioned = models.TextField(blank=True, help_text="Names, organisation numbers, places as given.")
    reporter_contact = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=16, choices=c.TipStatus.choices, default=c.TipStatus.NEW)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="tips")
    dismissal_reason = models.TextField(blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=c.TipStatus.DISMISSED) | ~Q(dismissal_reason=""),
                name="tip_dismissal_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[c.TipStatus.PROMOTED, c.TipStatus.MERGED]) | Q(case__isnull=False),
                name="tip_triaged_into_case",
            ),
            models.CheckConstraint(condition=Q(received_at__gte=EARLIEST_RECORD_TIME), name="tip_received_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} tip {self.received_at:%Y-%m-%d}: {self.description[:40]}"


class CaseTransfer(UUIDModel, TimeStampedModel):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey("agencies.RegionalUnit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("agencies.RegionalUnit", on_delete=models.PROTECT, related_name="incoming_transfers")
    reason = models.TextField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=c.TransferStatus.choices, default=c.TransferStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending"), name="transfer_one_pending_per_case"
            ),
            models.CheckConstraint(condition=~Q(from_unit=models.F("to_unit")), name="transfer_to_other_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.case.reference} → {self.to_unit.code} ({self.status})"
