"""Who may see what of the reference data."""

from __future__ import annotations

from agencies.models import RegionalUnit
from agencies.selectors import unit_ids_for


def may_see_members(user, unit: RegionalUnit) -> bool:
    """A unit's members are shown to those who serve in it (to assign tasks and book officers)."""
    return user.is_superuser or unit.pk in unit_ids_for(user)
