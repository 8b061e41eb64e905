"""Settings shared by every environment. Everything variable comes from the environment."""

from datetime import timedelta
from urllib.parse import unquote, urlsplit, urlunsplit

from celery.schedules import crontab
from kombu import Queue

from config import redis_sentinel
from config.env import BASE_DIR, VAR_DIR, env, strict_bool

DEBUG = strict_bool("DEBUG", False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# Encrypts webhook signing secrets at rest (tracker/secrets.py); SECRET_KEY when empty. The old
# keys decrypt only, while `manage.py rotate_webhook_secrets` moves the secrets to the new one.
WEBHOOK_ENCRYPTION_KEY = env.str("WEBHOOK_ENCRYPTION_KEY", default="")
WEBHOOK_ENCRYPTION_OLD_KEYS = env.list("WEBHOOK_ENCRYPTION_OLD_KEYS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "tracker",
    "agencies",
    "cases",
    "controls",
    "referrals",
    "notifications",
    "audit_trail",
    "demo",
    "web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tracker.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "web.middleware.UserLanguageMiddleware",
    "tracker.middleware.RequestContextMiddleware",
    # Inside the request context: its access.refused rows carry the request id and address.
    "tracker.access_audit.AccessRefusalMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the request context (the audit rows need the caller's address); axes last, as it asks.
    "web.security.SessionExpiryMiddleware",
    "web.security.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "agencies.User"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.layout",
            ],
        },
    },
]

# --- Data stores ---------------------------------------------------------------
# Unset URLs mean "the embedded default": a real PostgreSQL / Redis that the
# project starts itself under var/ (see config/embedded.py).
if env.str("DATABASE_URL", default=""):
    DATABASE_URL = env.str("DATABASE_URL")
else:
    from config import embedded

    DATABASE_URL = embedded.database_url()


def database_config(url: str) -> dict:
    config = env.db_url_config(url)
    # A unix-socket directory travels percent-encoded in the URL's host part.
    config["HOST"] = unquote(config.get("HOST") or "")
    config["ENGINE"] = "django.db.backends.postgresql"
    # psycopg 3's pool (Django >= 5.1). CONN_MAX_AGE must stay 0 with it.
    if strict_bool("DATABASE_POOL", True):
        config["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": env.int("DATABASE_POOL_MAX", default=10), "timeout": 10}
        }
    config["CONN_MAX_AGE"] = 0
    config["ATOMIC_REQUESTS"] = False  # services own their transactions
    return config


DATABASES = {"default": database_config(DATABASE_URL)}
# A read replica (a streaming standby of the primary), for the reads that may lag: the statistics
# and the change feed (tracker/db_routing.py says which and why). Without one, all reads go to default.
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = database_config(env.str("DATABASE_REPLICA_URL"))
DATABASE_READ_REPLICA = "replica" if "replica" in DATABASES else ""
DATABASE_ROUTERS = ["tracker.db_routing.PrimaryReplicaRouter"]

# Redis behind Sentinel when REDIS_SENTINELS is set (config/redis_sentinel.py); REDIS_URL otherwise.
REDIS_SENTINEL = redis_sentinel.from_env({name: env.str(name, default="") for name in redis_sentinel.ENV})
if REDIS_SENTINEL:
    REDIS_URL = ""
elif env.str("REDIS_URL", default=""):
    REDIS_URL = env.str("REDIS_URL")
else:
    from config import embedded

    REDIS_URL = embedded.redis_url()


def redis_database(redis_url: str, db: int) -> str:
    """The same Redis server, database ``db`` (unix://…?db=N or redis://host:port/N)."""
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = [q for q in parts.query.split("&") if q and not q.startswith("db=")] + [f"db={db}"]
        return f"unix://{parts.path}?{'&'.join(query)}"  # urlunsplit would drop the //
    return urlunsplit(parts._replace(path=f"/{db}"))


def broker_url(redis_url: str) -> str:
    """kombu spells a Redis unix socket ``redis+socket://``; redis-py spells it ``unix://``."""
    if redis_url.startswith("unix://"):
        path, _, query = redis_url[len("unix://") :].partition("?")
        db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
        return f"redis+socket://{path}?virtual_host={db}"
    return redis_url


# Only what can be lost lives here: rate-limit counters and the dispatcher's wake-up flag
# (tracker/redis_outage.py: both carry on without Redis). Short timeouts, so that a Redis
# that is down or unreachable costs a request a second at most, not redis-py's default five.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "tracker",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}
if REDIS_SENTINEL:
    CACHES["default"]["LOCATION"] = REDIS_SENTINEL.cache_location()
    CACHES["default"]["OPTIONS"] |= REDIS_SENTINEL.cache_options()
# Sessions in PostgreSQL (Django's default, said here so nobody moves them to the cache):
# people stay logged in while Redis is down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Auth ----------------------------------------------------------------------
# axes first: it refuses a locked-out account or address before the password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    # Older hashes still verify and are upgraded to argon2 at the next login.
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
FORM_RENDERER = "tracker.forms.FormRenderer"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Lockout (django-axes): AXES_FAILURE_LIMIT failed logins for one username, or from one
# address, lock that username or address out for AXES_COOLOFF_MINUTES (the web and the admin
# login alike; a right password does not help meanwhile). `manage.py axes_reset` or the admin
# ("Access attempts") unlock earlier.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "web.security.locked_out"
AXES_VERBOSE = False

# Sessions end after SESSION_IDLE_MINUTES without a request, and SESSION_MAX_HOURS after the
# login whatever happens (web/security.py); the cookie dies with the browser.
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_MINUTES", default=30) * 60
SESSION_ABSOLUTE_SECONDS = env.int("SESSION_MAX_HOURS", default=12) * 3600
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Two-factor (TOTP, django-otp): required of these unit roles and of staff and superusers,
# open to everyone else (their profile page). API keys are not concerned.
TWO_FACTOR_REQUIRED_ROLES = env.list("TWO_FACTOR_REQUIRED_ROLES", default=["coordinator", "auditor"])
OTP_TOTP_ISSUER = "A-krim case tracker"
OTP_TOTP_THROTTLE_FACTOR = 1
TWO_FACTOR_RECOVERY_CODES = 10

# Single sign-on (OpenID Connect, mozilla-django-oidc): on when the client id and the provider's
# authorization endpoint are given. Claims map to the agency and unit roles (agencies/oidc.py, README).
OIDC_ENABLED = bool(env.str("OIDC_RP_CLIENT_ID", default="") and env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default=""))
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_OP_ISSUER = env.str("OIDC_OP_ISSUER", default="")  # checked against the id_token's iss when set
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_OP_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_OP_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_OP_USER_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_OP_JWKS_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_RP_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_RP_SCOPES", default="openid email profile")
OIDC_AGENCY_CLAIM = env.str("OIDC_AGENCY_CLAIM", default="agency")
OIDC_ROLES_CLAIM = env.str("OIDC_ROLES_CLAIM", default="unit_roles")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "/login/"
OIDC_BACKEND = "agencies.oidc.AgencyOIDCBackend"
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append(OIDC_BACKEND)

# Content-Security-Policy (django-csp): our own scripts, styles and fonts only; nothing inline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- I18N ----------------------------------------------------------------------
# Bokmål first: the officers' language. English for everyone else. A signed-in user's own
# choice (User.language) wins over the browser's (web.middleware.UserLanguageMiddleware).
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", "Norsk bokmål"), ("en", "English")]
# Each app carries its own translations in <app>/locale/ (found by Django as an installed app).
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True

# --- Files ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=25 * 1024 * 1024)
ATTACHMENT_CONTENT_TYPES = env.list(
    "ATTACHMENT_CONTENT_TYPES",
    default=[
        "application/pdf",
        "image/jpeg",
        "image/png",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ],
)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)
# JSON bodies and form fields; files are streamed to disk and limited by the two above.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FILES = ATTACHMENT_MAX_FILES

# --- E-mail --------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tracker@localhost")

# --- Celery --------------------------------------------------------------------
CELERY_BROKER_URL = broker_url(REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A task whose worker dies is redelivered: acks_late alone acks it on worker loss,
# reject_on_worker_lost alone has nothing to reject. Both, with prefetch 1.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=90)
# Longer than the longest task or countdown, or Redis redelivers a task still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600),
    # How often a worker looks for tasks whose worker died (kombu: interval × throttle seconds).
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
if REDIS_SENTINEL:
    CELERY_BROKER_URL = REDIS_SENTINEL.broker_url()
    CELERY_BROKER_TRANSPORT_OPTIONS |= REDIS_SENTINEL.broker_transport_options()
# A worker whose broker goes away keeps trying to reconnect, for ever (Celery's default gives
# up after 100 attempts), also at start. See config/celery_app.py for the exit this does not cover.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Celery's Django fix-up closes every database connection (and, in prefork, psycopg's whole
# pool) before and after each task, so each task paid for a new PostgreSQL backend. With a
# reuse count it does so only every N tasks; config/celery_app.py gives each prefork child
# one persistent, health-checked connection instead (trivial tasks: 60/s -> 170/s).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
WORKER_CONN_MAX_AGE = env.int("WORKER_CONN_MAX_AGE", default=600)
# Queues by kind of work, so that one kind cannot hold up another: a webhook receiver that hangs
# for its whole timeout occupies a `webhooks` worker, never the one that writes in-app
# notifications (`dispatch`). One worker may consume them all (`make run`), or each queue gets
# workers of its own on several hosts (docs/deployment.md). Every task is named here, and a
# test holds it (tests/test_celery_routing.py): a new task must be given a queue on purpose.
# `celery` (Celery's default name) takes the housekeeping, and anything queued by an older release.
TASK_QUEUE_NAMES = ("dispatch", "webhooks", "email", "reports", "celery")
CELERY_TASK_QUEUES = [Queue(name) for name in TASK_QUEUE_NAMES]
CELERY_TASK_DEFAULT_QUEUE = "celery"
# Declared queues only: a route to a misspelt queue fails at send, instead of filling a queue
# that no worker reads.
CELERY_TASK_CREATE_MISSING_QUEUES = False
CELERY_TASK_ROUTES = {
    **dict.fromkeys(["notifications.dispatch_event", "notifications.sweep_outbox"], {"queue": "dispatch"}),
    **dict.fromkeys(
        ["notifications.deliver_webhooks", "notifications.resume_deliveries", "notifications.retry_due_deliveries"],
        {"queue": "webhooks"},
    ),
    **dict.fromkeys(["notifications.email_notifications", "notifications.daily_digest"], {"queue": "email"}),
    # Long read-only work (reports built in the background) goes to `reports`, by its name.
    "reports.*": {"queue": "reports"},
    **dict.fromkeys(
        [
            # The reminders only write outbox events; their notifications go out through `dispatch`.
            "notifications.control_reminders",
            "notifications.escalate_overdue_referrals",
            "notifications.tasks_due_tomorrow",
            "tracker.purge_idempotency_records",
            "tracker.audit_seal",
            "tracker.audit_checkpoint",
            "tracker.maintain_partitions",
            "cases.apply_retention",
        ],
        {"queue": "celery"},
    ),
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-records": {"task": "tracker.purge_idempotency_records", "schedule": 3600},
    "sweep-outbox": {"task": "notifications.sweep_outbox", "schedule": env.int("OUTBOX_SWEEP_SECONDS", default=30)},
    "retry-due-deliveries": {"task": "notifications.retry_due_deliveries", "schedule": 60},
    "control-reminders": {"task": "notifications.control_reminders", "schedule": 300},
    "escalate-overdue-referrals": {"task": "notifications.escalate_overdue_referrals", "schedule": 3600},
    "tasks-due-tomorrow": {
        "task": "notifications.tasks_due_tomorrow",
        "schedule": crontab(hour=env.int("MORNING_HOUR", default=7), minute=0),
    },
    "apply-retention": {
        "task": "cases.apply_retention",
        "schedule": crontab(hour=env.int("RETENTION_HOUR", default=2), minute=30),
    },
    "daily-digest": {
        "task": "notifications.daily_digest",
        "schedule": crontab(hour=env.int("MORNING_HOUR", default=7), minute=5),
    },
    # The audit hash chain (tracker/audit_chain): seal often, sign the head less often.
    "audit-seal": {
        "task": "tracker.audit_seal",
        "schedule": env.int("AUDIT_SEAL_SECONDS", default=10),
        "options": {"expires": env.int("AUDIT_SEAL_SECONDS", default=10)},
    },
    "audit-checkpoint": {
        "task": "tracker.audit_checkpoint",
        "schedule": env.int("AUDIT_CHECKPOINT_SECONDS", default=300),
    },
    # Monthly partitions of the audit trail and the outbox (tracker/partitions.py).
    "maintain-partitions": {
        "task": "tracker.maintain_partitions",
        "schedule": crontab(hour=env.int("PARTITIONS_HOUR", default=3), minute=15),
    },
}
# Signed checkpoints of the audit chain: the private key is a file the database never sees
# (`make run` creates one in var/; production must name it), the checkpoints go to a store the
# database cannot rewrite (a JSONL file opened O_APPEND by default; any class with append/read).
AUDIT_SIGNING_KEY_FILE = env.str("AUDIT_SIGNING_KEY_FILE", default=str(VAR_DIR / "audit-signing-key.pem"))
AUDIT_PUBLIC_KEY_FILE = env.str("AUDIT_PUBLIC_KEY_FILE", default="")
AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default=str(VAR_DIR / "audit-checkpoints.jsonl"))
AUDIT_CHECKPOINT_STORE = env.str("AUDIT_CHECKPOINT_STORE", default="tracker.audit_chain.checkpoints.JsonlFileStore")
OUTBOX_SWEEP_AFTER = timedelta(seconds=env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=30))
# Fan-out works in batches: events claimed per dispatch transaction, deliveries per task.
DISPATCH_BATCH_SIZE = env.int("DISPATCH_BATCH_SIZE", default=100)
DISPATCH_WAKEUP_TTL = env.int("DISPATCH_WAKEUP_TTL", default=15)  # notifications/wakeup.py
WEBHOOK_BATCH_SIZE = env.int("WEBHOOK_BATCH_SIZE", default=50)
WEBHOOK_BATCH_SECONDS = env.float("WEBHOOK_BATCH_SECONDS", default=20.0)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=3600.0)
WEBHOOK_RETRY_WINDOW = timedelta(seconds=env.int("WEBHOOK_RETRY_WINDOW_SECONDS", default=26 * 3600))
WEBHOOK_DISABLE_AFTER_DEAD = env.int("WEBHOOK_DISABLE_AFTER_DEAD", default=3)
# Webhooks go to public addresses over https only (notifications/egress.py). Development
# and the tests, whose receivers listen on loopback, allow private addresses and plain http
# (config/settings/local.py); production refuses to start with either.
WEBHOOK_ALLOW_PRIVATE = strict_bool("WEBHOOK_ALLOW_PRIVATE", False)
WEBHOOK_ALLOW_HTTP = strict_bool("WEBHOOK_ALLOW_HTTP", False)
CONTROL_REMINDERS = [timedelta(hours=48), timedelta(hours=2)]

# --- Domain --------------------------------------------------------------------
REFERRAL_ACKNOWLEDGEMENT_DAYS = env.int("REFERRAL_ACKNOWLEDGEMENT_DAYS", default=5)
# Years a closed case keeps its personal data (cases/retention.py), per offence category
# ("trafficking=10,tax=10"); a case with several categories keeps it for the longest.
CASE_RETENTION_YEARS = env.int("CASE_RETENTION_YEARS", default=5)
CASE_RETENTION_YEARS_BY_OFFENCE = {
    category.strip(): int(years)  # a value that is no number stops the start
    for category, _, years in (item.partition("=") for item in env.list("CASE_RETENTION_YEARS_BY_OFFENCE", default=[]))
}
RETENTION_BATCH_SIZE = env.int("RETENTION_BATCH_SIZE", default=100)
# The audit trail and the outbox are partitioned by month (tracker/partitions.py): beat makes
# this month and the next N; expired months are dropped whole. The outbox is kept two years by
# default: its payloads copy case data, which must not outlive the cases' own retention, and the
# feed's planning grows with every month kept (docs/partitions.md). Unset audit retention keeps
# every month; its months go only once sealed and signed (tracker/audit_chain/drops.py).
PARTITIONS_AHEAD_MONTHS = env.int("PARTITIONS_AHEAD_MONTHS", default=3)
EVENT_RETENTION_MONTHS = env.int("EVENT_RETENTION_MONTHS", default=24) or None  # 0: keep every month
AUDIT_RETENTION_MONTHS = env.int("AUDIT_RETENTION_MONTHS", default=None)

# --- API -----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "tracker.api.scopes.HasScope",
    ],
    "DEFAULT_PARSER_CLASSES": ["tracker.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["tracker.api.renderers.JSONRenderer"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "tracker.api.schema.TrackerAutoSchema",
    "EXCEPTION_HANDLER": "tracker.api.problems.exception_handler",
    # Per client (user or API key's service account), counted in Redis (the default cache);
    # per process while Redis is down (tracker/api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["tracker.api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_RATE_LIMIT", default="1200/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Interagency case tracker API",
    "DESCRIPTION": (
        "REST API v1 for agency systems. Authenticate with `Authorization: Bearer <API key>`; keys carry scopes "
        "(cases:read, cases:write, controls:read, controls:write, referrals:read, referrals:write, events:read, "
        "webhooks:read, webhooks:write, notifications:read, notifications:write, units:read, identity:read); the "
        "scope of each operation is its `x-required-scope`. Errors are RFC 9457 problem details. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The contract is public (it holds no data); the docs page works offline.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.choices.CaseStatus",
        "ControlStatusEnum": "controls.choices.ControlStatus",
        "ReferralStatusEnum": "referrals.choices.ReferralStatus",
        "PriorityEnum": "cases.choices.Priority",
        "OffenceEnum": "cases.choices.OffenceCategory",
        "ReferralCategoryEnum": "agencies.choices.ReferralTopic",
        "SourceEnum": "cases.choices.CaseSource",
        "TipSourceEnum": "cases.choices.TipSource",
        "TipStatusEnum": "cases.choices.TipStatus",
        "TransferStatusEnum": "cases.choices.TransferStatus",
    },
}
API_KEY_DEFAULT_DAYS = env.int("API_KEY_DEFAULT_DAYS", default=365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # pgserver narrates every attach and detach at INFO; httpx every webhook request (the
    # delivery log already records each attempt).
    "loggers": {"pgserver": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}
