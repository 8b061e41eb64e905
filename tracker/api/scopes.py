"""API key scopes. People (session auth) are limited by their roles alone.

Every route of the API declares the scope a key needs for each method, and the URL conf
refuses to load while one does not (``tracker.api.routes.require_declared_scopes``): no
endpoint is open to every key by omission.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import SAFE_METHODS, BasePermission

SCOPES = {
    "cases:read": "Read cases, their subjects, journal and tasks, and subjects; tips and transfers",
    "cases:write": "Create and change cases, subjects, journal entries and tasks; take in and triage tips; transfers",
    "controls:read": "Read joint controls and findings",
    "controls:write": "Plan and change joint controls, book officers, record findings",
    "referrals:read": "Read referrals",
    "referrals:write": "Create, send and act on referrals",
    "events:read": "Read the change feed",
    "webhooks:read": "Read webhook subscriptions and their deliveries",
    "webhooks:write": "Manage webhook subscriptions, redeliver",
    "notifications:read": "Read the key's own notifications and notification preferences",
    "notifications:write": "Mark notifications read, change notification preferences",
    "units:read": "List the members of the key's units (to assign officers and book them on controls)",
    "audit:read": "Search and export the audit trail of the cases the key sees (an oversight system)",
    "identity:read": "Receive identity numbers (national identity, D- and H-numbers) in full in every response",
}

# Declared as a view's ``scope``: codes and names every agency system needs to talk to the
# API (agencies, units, contact points). Any valid key reads them; none may write them.
REFERENCE_DATA = "reference-data"


class ScopeNotDeclared(ImproperlyConfigured):
    pass


class HasScope(BasePermission):
    """Views declare ``scope = "cases"`` (→ cases:read / cases:write) or ``required_scope``."""

    message = "This API key lacks the scope this operation needs."

    def has_permission(self, request, view):
        # Asked for people too, so that an undeclared view fails for everyone, not only for keys.
        needed = required_scope(view, request.method)
        auth = request.auth
        if auth is None or not hasattr(auth, "scopes"):
            return True  # a person: roles decide
        if needed and needed not in auth.scopes:
            self.message = f"This API key lacks the '{needed}' scope."
            return False
        return True


def required_scope(view, method: str) -> str | None:
    """The scope a key needs to call ``method`` on ``view``; None for reference data, which any
    key reads. ``required_scope`` names one scope for every method; ``scope = "cases"`` means
    ``cases:read`` for GET, HEAD and OPTIONS and ``cases:write`` for the rest. Either may be set
    per action (``@action(..., required_scope="units:read")``)."""
    explicit = getattr(view, "required_scope", None)
    if explicit:
        return explicit
    base = getattr(view, "scope", None)
    if base == REFERENCE_DATA and method in SAFE_METHODS:
        return None
    if base and base != REFERENCE_DATA:
        return f"{base}:read" if method in SAFE_METHODS else f"{base}:write"
    name = f"{type(view).__name__}.{getattr(view, 'action', None) or method.lower()}"
    raise ScopeNotDeclared(f"{name} declares no API key scope for {method}: set `scope` or `required_scope`.")
