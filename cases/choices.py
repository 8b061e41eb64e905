from django.db import models


class CaseStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ASSESSMENT = "assessment", "Under assessment"
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


# from-status -> allowed to-statuses. Reopening (closed -> …) is for coordinators only.
CASE_TRANSITIONS: dict[str, tuple[str, ...]] = {
    CaseStatus.RECEIVED: (CaseStatus.ASSESSMENT, CaseStatus.CLOSED),
    CaseStatus.ASSESSMENT: (CaseStatus.ACTIVE, CaseStatus.CLOSED),
    CaseStatus.ACTIVE: (CaseStatus.CLOSED,),
    CaseStatus.CLOSED: (CaseStatus.ASSESSMENT, CaseStatus.ACTIVE),
}
CASE_REOPEN_FROM = CaseStatus.CLOSED


class CaseOutcome(models.TextChoices):
    SANCTIONED = "sanctioned", "Sanctions imposed"
    PROSECUTION = "prosecution", "Reported for prosecution"
    REFERRED = "referred", "Referred to another authority"
    NO_BASIS = "no_basis", "No basis for further action"
    MERGED = "merged", "Merged into another case"
    TRANSFERRED_OUT = "transferred_out", "Handled elsewhere"
    OTHER = "other", "Other"


class OffenceCategory(models.TextChoices):
    WAGES = "wages", "Wages and working conditions"
    SOCIAL_SECURITY = "social_security", "Social-security fraud"
    TAX = "tax", "Tax or VAT evasion"
    UNDECLARED_WORK = "undeclared_work", "Undeclared work"
    TRAFFICKING = "trafficking", "Trafficking or forced labour"
    CUSTOMS = "customs", "Customs or smuggling"
    DOCUMENT_FRAUD = "document_fraud", "Document or identity fraud"
    MONEY_LAUNDERING = "money_laundering", "Money laundering"
    OTHER = "other", "Other"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


class CaseSource(models.TextChoices):
    TIP = "tip", "Tip"
    AGENCY = "agency", "Agency"
    INTELLIGENCE = "intelligence", "Intelligence"
    CONTROL_FINDING = "control_finding", "Control finding"


class IdKind(models.TextChoices):
    NATIONAL_ID = "national_id", "National identity number"
    D_NUMBER = "d_number", "D-number"
    H_NUMBER = "h_number", "H-number"
    NONE = "none", "No number"


class SubjectRole(models.TextChoices):
    SUSPECT = "suspect", "Suspect"
    EMPLOYER = "employer", "Employer"
    WORKER = "worker", "Worker"
    POTENTIAL_VICTIM = "potential_victim", "Potential victim"
    WITNESS = "witness", "Witness"
    CONTACT = "contact", "Contact"


class IloIndicator(models.TextChoices):
    """The ILO indicators of forced labour."""

    ABUSE_OF_VULNERABILITY = "abuse_of_vulnerability", "Abuse of vulnerability"
    DECEPTION = "deception", "Deception"
    RESTRICTION_OF_MOVEMENT = "restriction_of_movement", "Restriction of movement"
    ISOLATION = "isolation", "Isolation"
    PHYSICAL_SEXUAL_VIOLENCE = "physical_sexual_violence", "Physical and sexual violence"
    INTIMIDATION_THREATS = "intimidation_threats", "Intimidation and threats"
    RETENTION_OF_DOCUMENTS = "retention_of_documents", "Retention of identity documents"
    WITHHOLDING_OF_WAGES = "withholding_of_wages", "Withholding of wages"
    DEBT_BONDAGE = "debt_bondage", "Debt bondage"
    ABUSIVE_CONDITIONS = "abusive_conditions", "Abusive working and living conditions"
    EXCESSIVE_OVERTIME = "excessive_overtime", "Excessive overtime"


class Visibility(models.TextChoices):
    AGENCY = "agency", "Own agency only"
    UNIT = "unit", "Shared with the unit"


class LegalBasis(models.TextChoices):
    AKRIM_REGULATION_3 = "akrim_regulation_3", "A-krim information-sharing regulation § 3"
    POLICE_REGISTER_ACT = "police_register_act", "Police Register Act"
    TAX_ADMINISTRATION_ACT = "tax_administration_act", "Tax Administration Act § 3-3"
    NAV_ACT = "nav_act", "NAV Act § 7"
    WORKING_ENVIRONMENT_ACT = "working_environment_act", "Working Environment Act § 18-3"
    CUSTOMS_ACT = "customs_act", "Customs Act § 12-1"
    CONSENT = "consent", "Consent of the person concerned"


class JournalKind(models.TextChoices):
    NOTE = "note", "Note"
    SYSTEM = "system", "System record"


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class TipSource(models.TextChoices):
    PUBLIC = "public", "Member of the public"
    UNION = "union", "Trade union"
    AGENCY = "agency", "Another agency"
    EMPLOYER = "employer", "Employer or competitor"
    ANONYMOUS = "anonymous", "Anonymous"


class TipStatus(models.TextChoices):
    NEW = "new", "New"
    PROMOTED = "promoted", "Promoted to a case"
    MERGED = "merged", "Merged into a case"
    DISMISSED = "dismissed", "Dismissed"


class TransferStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACCEPTED = "accepted", "Accepted"
    REFUSED = "refused", "Refused"
