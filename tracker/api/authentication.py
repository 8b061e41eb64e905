import hashlib
import hmac

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from agencies.models import ApiKey
from tracker.access_audit import first_in_window
from tracker.audit import record_access

KEY_PREFIX = "trk_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


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
        key = ApiKey.objects.select_related("user", "user__agency").filter(prefix=prefix).first()
        now = timezone.now()
        if key is None or not hmac.compare_digest(key.digest, digest(token)):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        if not key.is_usable(now):
            raise exceptions.AuthenticationFailed("This API key is revoked or expired.")
        # Once a minute per key, not on every request (a write on every read was the API's hottest
        # avoidable query): last_used_at to the minute, and the audit row of the key's use. The
        # key itself is read and checked on every request above, so a revoked key is refused at once.
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
