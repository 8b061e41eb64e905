"""Production: refuses to start on an unsafe configuration."""

from django.core.exceptions import ImproperlyConfigured

from config.env import env, strict_bool

from .base import *  # noqa: F403
from .base import AUDIT_CHECKPOINT_STORE, DEBUG, SECRET_KEY, WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE

if DEBUG:
    raise ImproperlyConfigured("DEBUG must be false in production.")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) is required in production.")
if SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY is insecure: use at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )
if WEBHOOK_ALLOW_PRIVATE or WEBHOOK_ALLOW_HTTP:
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_PRIVATE and WEBHOOK_ALLOW_HTTP must be false in production: webhooks go to public https URLs."
    )
# The audit chain's signing key must be placed deliberately, not found in a checkout's var/.
if not env.str("AUDIT_SIGNING_KEY_FILE", default=""):
    raise ImproperlyConfigured(
        "AUDIT_SIGNING_KEY_FILE is required in production: the audit chain's Ed25519 private key, outside the"
        " database (manage.py audit_checkpoint --new-key PATH makes one)."
    )
if AUDIT_CHECKPOINT_STORE.endswith(".JsonlFileStore") and not env.str("AUDIT_CHECKPOINT_FILE", default=""):
    raise ImproperlyConfigured(
        "AUDIT_CHECKPOINT_FILE is required in production: the append-only file the signed audit checkpoints go to,"
        " where the database role cannot write."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = strict_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HSTS for a year, subdomains included, and eligible for the browsers' preload lists.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = strict_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_NAME = "__Host-sessionid"  # https only, this host only, path /
CSRF_COOKIE_NAME = "__Host-csrftoken"
