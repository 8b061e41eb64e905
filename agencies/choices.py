from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    POLICE = "police", _("Police")
    TAX = "tax", _("Tax administration")
    WELFARE = "welfare", _("Labour and welfare administration")
    LABOUR_INSPECTION = "labour_inspection", _("Labour inspection")
    CUSTOMS = "customs", _("Customs")
    MUNICIPAL = "municipal", _("Municipal authority")
    OTHER = "other", _("Other public authority")


class UnitKind(models.TextChoices):
    CENTRE = "centre", _("Regional centre")
    LOCAL = "local", _("Local cooperation")
    NATIONAL = "national", _("National centre")


class UnitRole(models.TextChoices):
    CASE_OFFICER = "case_officer", _("Case officer")
    COORDINATOR = "coordinator", _("Coordinator")
    ANALYST = "analyst", _("Analyst")
    AUDITOR = "auditor", _("Auditor")


# Who works cases, tips and controls in a unit (analysts and auditors only read).
WORKING_ROLES = (UnitRole.CASE_OFFICER, UnitRole.COORDINATOR)
# Coordinators, analysts and auditors see the whole caseload of their unit (and its events);
# case officers see the cases their agency takes part in.
UNIT_WIDE_ROLES = (UnitRole.COORDINATOR, UnitRole.ANALYST, UnitRole.AUDITOR)


class UserKind(models.TextChoices):
    PERSON = "person", _("Person")
    SERVICE = "service", _("Agency system (service account)")


class Language(models.TextChoices):
    NB = "nb", _("Norsk bokmål")
    EN = "en", _("English")


class ReferralTopic(models.TextChoices):
    MIGRANT_TRAFFICKING = "migrant_trafficking", _("Migrant trafficking")
    HUMAN_TRAFFICKING = "human_trafficking", _("Human trafficking")
    ORGANISED_CRIME = "organised_crime", _("Organised crime")
