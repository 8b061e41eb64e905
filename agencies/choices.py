from django.db import models


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    TAX = "tax", "Tax administration"
    WELFARE = "welfare", "Labour and welfare administration"
    LABOUR_INSPECTION = "labour_inspection", "Labour inspection"
    CUSTOMS = "customs", "Customs"
    MUNICIPAL = "municipal", "Municipal authority"
    OTHER = "other", "Other public authority"


class UnitKind(models.TextChoices):
    CENTRE = "centre", "Regional centre"
    LOCAL = "local", "Local cooperation"
    NATIONAL = "national", "National centre"


class UnitRole(models.TextChoices):
    CASE_OFFICER = "case_officer", "Case officer"
    COORDINATOR = "coordinator", "Coordinator"
    ANALYST = "analyst", "Analyst"
    AUDITOR = "auditor", "Auditor"


class UserKind(models.TextChoices):
    PERSON = "person", "Person"
    SERVICE = "service", "Agency system (service account)"


class Language(models.TextChoices):
    NB = "nb", "Norsk bokmål"
    EN = "en", "English"


class ReferralTopic(models.TextChoices):
    MIGRANT_TRAFFICKING = "migrant_trafficking", "Migrant trafficking"
    HUMAN_TRAFFICKING = "human_trafficking", "Human trafficking"
    ORGANISED_CRIME = "organised_crime", "Organised crime"
