"""API key scopes. People (session auth) are limited by their roles alone."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

SCOPES = {
    "cases:read": "Read cases, their subjects, journal and tasks, and subjects",
    "cases:write": "Create and change cases, subjects, journal entries and tasks",
    "controls:read": "Read joint controls and findings",
    "controls:write": "Plan and change joint controls, book officers, record findings",
    "referrals:read": "Read referrals",
    "referrals:write": "Create, send and act on referrals",
    "events:read": "Read the change feed",
    "webhooks:write": "Manage webhook subscriptions",
}


class HasScope(BasePermission):
    """Views declare ``scope = "cases"`` (→ cases:read / cases:write) or ``required_scope``."""

    message = "This API key lacks the scope this operation needs."

    def has_permission(self, request, view):
        auth = request.auth
        if auth is None or not hasattr(auth, "scopes"):
            return True  # a person: roles decide
        needed = required_scope(view, request.method)
        if needed and needed not in auth.scopes:
            self.message = f"This API key lacks the '{needed}' scope."
            return False
        return True


def required_scope(view, method: str) -> str | None:
    explicit = getattr(view, "required_scope", None)
    if explicit:
        return explicit
    base = getattr(view, "scope", None)
    if not base:
        return None
    return f"{base}:read" if method in SAFE_METHODS else f"{base}:write"
