"""Test settings: real PostgreSQL and Redis (embedded unless the URLs are set)."""

import copy

from .local import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# A Redis database of their own, so that a worker of `make run` on the same embedded Redis
# never takes a test's tasks (nor a test purge the demo's queue).
REDIS_URL = redis_database(REDIS_URL, env.int("TEST_REDIS_DB", default=1))  # noqa: F405
CELERY_BROKER_URL = broker_url(REDIS_URL)  # noqa: F405
CACHES["default"]["LOCATION"] = REDIS_URL  # noqa: F405

# Django's teardown of transactional tests empties every table with TRUNCATE, which the
# audit trail and the outbox refuse unless the session opts in (tracker migration 0005).
# Only the test settings opt in.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c tracker.allow_truncate=on"  # noqa: F405

# The replica as the test database seen through a second connection (a test mirror): the
# router's tests turn reading from it on (DATABASE_READ_REPLICA); the rest of the suite reads
# the primary only, as an installation without a replica does.
# No pool of its own: its one connection is closed after each test that used it.
DATABASES["replica"] = {**copy.deepcopy(DATABASES["default"]), "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASES["replica"]["OPTIONS"].pop("pool", None)
DATABASE_READ_REPLICA = ""
