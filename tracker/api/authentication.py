import functools
import hashlib
import hmac

from django.db import connection
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies.models import Agency, ApiKey, User
from tracker.access_audit import first_in_window
from tracker.audit import record_access

KEY_PREFIX = "trk_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


@functools.cache
def _principal_sql() -> str:
    # Written by hand: the ORM took longer to compile the aggregates than PostgreSQL to run them.
    return f"""
        SELECT {_columns(ApiKey, "k")}, {_columns(User, "u")}, {_columns(Agency, "a")}, r.roles, d.ids, d.codes
        FROM "agencies_apikey" k
        JOIN "agencies_user" u ON u.id = k.user_id
        LEFT JOIN "agencies_agency" a ON a.id = u.agency_id
        CROSS JOIN LATERAL (
            SELECT coalesce(array_agg(m.unit_id::text || ':' || m.role), '{{}}') AS roles
            FROM "agencies_unitmembership" m WHERE m.user_id = u.id
        ) r
        CROSS JOIN LATERAL (
            SELECT coalesce(array_agg(c.id), '{{}}') AS ids, coalesce(array_agg(c.code), '{{}}') AS codes
            FROM "agencies_nationalcontactpoint_desk_officers" o
            JOIN "agencies_nationalcontactpoint" c ON c.id = o.nationalcontactpoint_id
            WHERE o.user_id = u.id
        ) d
        WHERE k.prefix = %s
    """


def principal(prefix: str) -> ApiKey | None:
    """The key with this prefix, its service account and agency, and everything that scopes what
    the key sees — the account's unit roles and contact-point desks — in one query.

    Read afresh on every request, nothing cached between them: a revoked or expired key, a
    disabled account, a role, desk, agency or scope changed by whatever means (a service, the
    admin, SQL) counts from the very next request, with nothing to invalidate. The roles and
    desks are put where ``unit_ids_for``, ``tracker.events`` and the referral selectors look
    first, so scoping the request costs no further query."""
    with connection.cursor() as cursor:
        cursor.execute(_principal_sql(), [prefix])
        row = cursor.fetchone()
    if row is None:
        return None
    values, db = list(row), connection.alias
    objects = []
    for model in (ApiKey, User, Agency):
        names = [field.attname for field in model._meta.concrete_fields]
        fields, values = values[: len(names)], values[len(names) :]
        objects.append(model.from_db(db, names, fields) if fields[0] is not None else None)
    key, user, agency = objects
    roles, desk_ids, desk_codes = values
    unit_roles: dict[str, set[int]] = {}
    for pair in roles:
        unit_id, role = pair.split(":", 1)
        unit_roles.setdefault(role, set()).add(int(unit_id))
    user.__dict__.update(_unit_roles=unit_roles, _desks=set(desk_codes), _desk_contact_point_ids=set(desk_ids))
    user.agency = agency
    key.user = user
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
