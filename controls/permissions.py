"""Who may do what to a joint control. The services enforce these; the pages ask the same
predicates to offer only what the person may do."""

from __future__ import annotations

from agencies.choices import WORKING_ROLES, UnitRole
from agencies.selectors import has_role, unit_ids_for
from controls.choices import BOOKING_STATES, FINDING_STATES
from tracker.exceptions import NotPermitted


def may_run_controls(user, unit_id: int) -> bool:
    """Case officers and coordinators of the unit plan its controls and move them along."""
    return user.is_superuser or has_role(user, unit_id, *WORKING_ROLES)


def require_planner(user, unit_id: int) -> None:
    if not may_run_controls(user, unit_id):
        raise NotPermitted("Only case officers and coordinators of the unit may plan and run its controls.")


def may_book_for(actor, unit_id: int, agency_id: int | None) -> bool:
    """Each agency decides whom it sends: an officer books colleagues of their own agency; the
    unit's coordinator, who puts the joint control together, books officers of any agency."""
    if actor.is_superuser:
        return True
    if not may_run_controls(actor, unit_id):
        return False
    return has_role(actor, unit_id, UnitRole.COORDINATOR) or agency_id == actor.agency_id


def may_record_findings(actor, unit_id: int, agency_id: int | None) -> bool:
    """Each agency records its own findings: only its officers (or coordinators) in the unit."""
    if actor.is_superuser:
        return True
    return agency_id is not None and agency_id == actor.agency_id and has_role(actor, unit_id, *WORKING_ROLES)


def may_plan_somewhere(user) -> bool:
    return user.is_superuser or bool(unit_ids_for(user, WORKING_ROLES))


def bookings_open(control) -> bool:
    """Officers are booked and withdrawn until the control is under way or over."""
    return control.status in BOOKING_STATES


def findings_open(control) -> bool:
    """Findings are recorded while and after the control is carried out."""
    return control.status in FINDING_STATES
