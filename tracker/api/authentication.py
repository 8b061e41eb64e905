import hashlib
import hmac

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies.models import ApiKey
from tracker.access_audit import first_in_window
from tracker.audit import record_access

KEY_PREFIX = "trk_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def principal(prefix: str) -> ApiKey | None:
    """The key with this prefix, its service account and agency, and everything that scopes what
    the key sees — the account's unit roles and contact-point desks — in one query.

    Read afresh on every request, nothing cached between them: a revoked or expired key, a
    disabled account, a role, desk, agency or scope changed by whatever means (a service, the
    admin, SQL) counts from the very next request, with nothing to invalidate. The roles and
    desks are put where ``unit_ids_for``, ``tracker.events`` and the referral selectors look
    first, so scoping the request costs no further query."""
    role = Concat(Cast("user__memberships__unit_id", CharField()), Value(":"), "user__memberships__role")
    has_role, at_desk = Q(user__memberships__isnull=False), Q(user__contact_point_desks__isnull=False)
    key = (
        ApiKey.objects.select_related("user", "user__agency")
        .annotate(
            unit_roles=ArrayAgg(role, filter=has_role, distinct=True, default=[]),
            desk_ids=ArrayAgg("user__contact_point_desks", filter=at_desk, distinct=True, default=[]),
            desk_codes=ArrayAgg("user__contact_point_desks__code", filter=at_desk, distinct=True, default=[]),
        )
        .filter(prefix=prefix)
        .order_by()
        .first()
    )
    if key is not None:
        unit_roles: dict[str, set[int]] = {}
        for pair in key.unit_roles:
            unit_id, role_name = pair.split(":", 1)
            unit_roles.setdefault(role_name, set()).add(int(unit_id))
        key.user.__dict__.update(
            _unit_roles=unit_roles, _desks=set(key.desk_codes), _desk_contact_point_ids=set(key.desk_ids)
        )
    return key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer trk_<prefix>_<secret>`` for agency systems."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0] != self.keyword:
            return None
        if len(parts) != 2 or not parts[1].startswith(KEY_PREFIX) or parts[1].count("_") < 2:
            raise exceptions.AuthenticationFailed("Malformed API key: expected 'Bearer trk_<prefix>_<secret>'.")
        token = parts[1]
        prefix = token[len(KEY_PREFIX) :].split("_", 1)[0]
        key = principal(prefix)
        now = timezone.now()
        if key is None or not hmac.compare_digest(key.digest, digest(token)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not key.is_usable(now):
            raise exceptions.AuthenticationFailed("This API key is revoked or expired.")
        # Once a minute per key, not on every request (a write on every read was the API's hottest
        # avoidable query): last_used_at to the minute, and the audit row of the key's use. The
        # key itself is read and checked on every request above (principal()), so a revoked key is
        # refused at once.
        if first_in_window(f"apikey.use:{key.pk}"):
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            record_access(actor=key.user, action="apikey.use", obj=key, detail={"path": request.path[:500]})
        return key.user, key

    def authenticate_header(self, request):
        return self.keyword


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An agency system's API key: `Authorization: Bearer trk_…`. Keys carry scopes.",
        }
