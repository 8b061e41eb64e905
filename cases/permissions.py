"""Who may do what to a case. The same predicates serve the admin, the API and the UI."""

from agencies.choices import UNIT_WIDE_ROLES, WORKING_ROLES, UnitRole
from agencies.selectors import has_role, unit_ids_for
from cases.choices import CaseStatus, TransferStatus
from tracker.exceptions import NotPermitted


def participates(user, case) -> bool:
    return user.agency_id is not None and any(a.pk == user.agency_id for a in case.agencies.all())


def can_work_on_case(user, case) -> bool:
    if user.is_superuser:
        return True
    if has_role(user, case.unit_id, UnitRole.COORDINATOR):
        return True
    return has_role(user, case.unit_id, UnitRole.CASE_OFFICER) and participates(user, case)


def require_case_worker(user, case) -> None:
    if not can_work_on_case(user, case):
        raise NotPermitted("Only case officers of a participating agency or the unit's coordinators may do this.")


def sees_whole_unit(user, unit_id: int) -> bool:
    """Whether ``user`` sees every case of the unit, not only those their agency takes part in."""
    return user.is_superuser or has_role(user, unit_id, *UNIT_WIDE_ROLES)


def require_participant_changer(user, case) -> None:
    """Who takes part decides who reads the case and its unit-shared journal: the lead agency's
    officers and the unit's coordinators decide it, not every participant."""
    if user.is_superuser or has_role(user, case.unit_id, UnitRole.COORDINATOR):
        return
    if has_role(user, case.unit_id, UnitRole.CASE_OFFICER) and user.agency_id == case.lead_agency_id:
        return
    raise NotPermitted(
        "Only officers of the lead agency and the unit's coordinators may change the agencies taking part "
        "or the lead agency."
    )


def is_coordinator_of(user, unit_id: int) -> bool:
    return user.is_superuser or has_role(user, unit_id, UnitRole.COORDINATOR)


def require_coordinator(user, unit_id: int, what: str) -> None:
    if not is_coordinator_of(user, unit_id):
        raise NotPermitted(f"Only a coordinator of the unit may {what}.")


def is_unit_worker(user, unit_id: int) -> bool:
    """A case officer or coordinator of the unit: who takes in tips and registers cases there."""
    return user.is_superuser or has_role(user, unit_id, *WORKING_ROLES)


def require_unit_worker(user, unit_id: int) -> None:
    if not is_unit_worker(user, unit_id):
        raise NotPermitted("Only case officers and coordinators of the unit may do this.")


def may_register_cases(user) -> bool:
    """Whether ``user`` works in any unit (where they register cases and triage tips)."""
    return user.is_superuser or bool(unit_ids_for(user, WORKING_ROLES))


def may_assign(user, case, officer) -> bool:
    """A coordinator puts anyone on the case; an officer working it, people of their own agency
    (each agency decides whom it sends, as for controls)."""
    if not can_work_on_case(user, case):
        return False
    return is_coordinator_of(user, case.unit_id) or user.agency_id == officer.agency_id


def transitions_for(user, case) -> tuple[str, ...]:
    """The status changes ``user`` may make now: the workflow's, for someone working the case;
    out of a closed case (reopening) only for a coordinator."""
    if not can_work_on_case(user, case):
        return ()
    if case.status == CaseStatus.CLOSED and not is_coordinator_of(user, case.unit_id):
        return ()
    return case.allowed_transitions()


def may_decide_transfer(user, transfer) -> bool:
    """The receiving unit's coordinators accept or refuse a transfer while it is pending."""
    return transfer.status == TransferStatus.PENDING and is_coordinator_of(user, transfer.to_unit_id)
