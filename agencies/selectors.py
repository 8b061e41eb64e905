"""Who holds which role where. Permission rules everywhere read these."""

from __future__ import annotations

from collections.abc import Iterable

from agencies.models import RegionalUnit, UnitMembership, User


def unit_ids_for(user: User, roles: Iterable[str] | None = None) -> set[int]:
    """Units in which ``user`` holds any of ``roles`` (any role when None). Cached per user object."""
    cache = user.__dict__.setdefault("_unit_roles", None)
    if cache is None:
        cache = {}
        for unit_id, role in UnitMembership.objects.filter(user=user).values_list("unit_id", "role"):
            cache.setdefault(role, set()).add(unit_id)
        user.__dict__["_unit_roles"] = cache
    wanted = cache.keys() if roles is None else roles
    return set().union(*(cache.get(role, set()) for role in wanted))


def has_role(user: User, unit: RegionalUnit | int, *roles: str) -> bool:
    unit_id = unit if isinstance(unit, int) else unit.pk
    return unit_id in unit_ids_for(user, roles or None)


def units_visible_to(user: User):
    if user.is_superuser:
        return RegionalUnit.objects.all()
    return RegionalUnit.objects.filter(pk__in=unit_ids_for(user))


def members_visible_to(user: User, unit: RegionalUnit | int):
    """The active members of ``unit``, as ``/units/<code>/members/`` lists them: to those who serve
    there. Every reference to a person by id (an assignee, a booked officer) is looked up here,
    so someone outside the caller's units is as unknown as an id that does not exist."""
    unit_id = unit if isinstance(unit, int) else unit.pk
    if not (user.is_superuser or unit_id in unit_ids_for(user)):
        return User.objects.none()
    return User.objects.filter(is_active=True, pk__in=UnitMembership.objects.filter(unit_id=unit_id).values("user_id"))
