from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSESSMENT = "assessment", _("Under assessment")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


# from-status -> allowed to-statuses. Reopening (closed -> …) is for coordinators only.
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.RECEIVED: (CaseStatus.ASSESSMENT, CaseStatus.CLOSED),
    CaseStatus.ASSESSMENT: (CaseStatus.ACTIVE, CaseStatus.CLOSED),
    CaseStatus.ACTIVE: (CaseStatus.CLOSED,),
    CaseStatus.CLOSED: (CaseStatus.ASSESSMENT, CaseStatus.ACTIVE),
}


class CaseOutcome(models.TextChoices):
    SANCTIONED = "sanctioned", _("Sanctions imposed")
    PROSECUTION = "prosecution", _("Reported for prosecution")
    REFERRED = "referred", _("Referred to another authority")
    NO_BASIS = "no_basis", _("No basis for further action")
    MERGED = "merged", _("Merged into another case")
    TRANSFERRED_OUT = "transferred_out", _("Handled elsewhere")
    OTHER = "other", _("Other")


class OffenceCategory(models.TextChoices):
    WAGES = "wages", _("Wages and working conditions")
    SOCIAL_SECURITY = "social_security", _("Social-security fraud")
    TAX = "tax", _("Tax or VAT evasion")
    UNDECLARED_WORK = "undeclared_work", _("Undeclared work")
    TRAFFICKING = "trafficking", _("Trafficking or forced labour")
    CUSTOMS = "customs", _("Customs or smuggling")
    DOCUMENT_FRAUD = "document_fraud", _("Document or identity fraud")
    MONEY_LAUNDERING = "money_laundering", _("Money laundering")
    OTHER = "other", _("Other")


class Priority(models.TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class CaseSource(models.TextChoices):
    TIP = "tip", _("Tip")
    AGENCY = "agency", _("Agency")
    INTELLIGENCE = "intelligence", _("Intelligence")
    CONTROL_FINDING = "control_finding", _("Control finding")


class IdKind(models.TextChoices):
    NATIONAL_ID = "national_id", _("National identity number")
    D_NUMBER = "d_number", _("D-number")
    H_NUMBER = "h_number", _("H-number")
    NONE = "none", _("No number")


class SubjectRole(models.TextChoices):
    SUSPECT = "suspect", _("Suspect")
    EMPLOYER = "employer", _("Employer")
    WORKER = "worker", _("Worker")
    POTENTIAL_VICTIM = "potential_victim", _("Potential victim")
    WITNESS = "witness", _("Witness")
    CONTACT = "contact", _("Contact")


# Roles only a person can have; an organisation is a suspect, an employer or a contact.
PERSON_ONLY_ROLES = [SubjectRole.WORKER, SubjectRole.POTENTIAL_VICTIM, SubjectRole.WITNESS]
ORGANISATION_ROLES = [role for role in SubjectRole if role not in PERSON_ONLY_ROLES]


class IloIndicator(models.TextChoices):
    """The ILO indicators of forced labour."""

    ABUSE_OF_VULNERABILITY = "abuse_of_vulnerability", _("Abuse of vulnerability")
    DECEPTION = "deception", _("Deception")
    RESTRICTION_OF_MOVEMENT = "restriction_of_movement", _("Restriction of movement")
    ISOLATION = "isolation", _("Isolation")
    PHYSICAL_SEXUAL_VIOLENCE = "physical_sexual_violence", _("Physical and sexual violence")
    INTIMIDATION_THREATS = "intimidation_threats", _("Intimidation and threats")
    RETENTION_OF_DOCUMENTS = "retention_of_documents", _("Retention of identity documents")
    WITHHOLDING_OF_WAGES = "withholding_of_wages", _("Withholding of wages")
    DEBT_BONDAGE = "debt_bondage", _("Debt bondage")
    ABUSIVE_CONDITIONS = "abusive_conditions", _("Abusive working and living conditions")
    EXCESSIVE_OVERTIME = "excessive_overtime", _("Excessive overtime")


class Visibility(models.TextChoices):
    AGENCY = "agency", _("Own agency only")
    UNIT = "unit", _("Shared with the unit")


class LegalBasis(models.TextChoices):
    AKRIM_REGULATION_3 = "akrim_regulation_3", _("A-krim information-sharing regulation § 3")
    POLICE_REGISTER_ACT = "police_register_act", _("Police Register Act")
    TAX_ADMINISTRATION_ACT = "tax_administration_act", _("Tax Administration Act § 3-3")
    NAV_ACT = "nav_act", _("NAV Act § 7")
    WORKING_ENVIRONMENT_ACT = "working_environment_act", _("Working Environment Act § 18-3")
    CUSTOMS_ACT = "customs_act", _("Customs Act § 12-1")
    CONSENT = "consent", _("Consent of the person concerned")


class JournalKind(models.TextChoices):
    NOTE = "note", _("Note")
    SYSTEM = "system", _("System record")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class TipSource(models.TextChoices):
    PUBLIC = "public", _("Member of the public")
    UNION = "union", _("Trade union")
    AGENCY = "agency", _("Another agency")
    EMPLOYER = "employer", _("Employer or competitor")
    ANONYMOUS = "anonymous", _("Anonymous")


class TipStatus(models.TextChoices):
    NEW = "new", _("New")
    PROMOTED = "promoted", _("Promoted to a case")
    MERGED = "merged", _("Merged into a case")
    DISMISSED = "dismissed", _("Dismissed")


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
