import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


# What production demands besides the secret key: where the audit chain's key and checkpoints live.
AUDIT_FILES = {
    "AUDIT_SIGNING_KEY_FILE": "/run/secrets/audit_signing_key",
    "AUDIT_CHECKPOINT_FILE": "/srv/audit/checkpoints.jsonl",
}


def import_settings(module: str, **env) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DATABASE_URL": "postgres://x@localhost/x",
        "REDIS_URL": "redis://localhost:6379/0",
        **AUDIT_FILES,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import {module}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD_KEY = "k3Y-" + "x7Qp9zR2mW4vT8bN1cL6dF0gH5jS3aE" * 2


def test_production_refuses_debug():
    result = import_settings("config.settings.production", DEBUG="true", SECRET_KEY=GOOD_KEY)
    assert result.returncode != 0 and "DEBUG must be false" in result.stderr


@pytest.mark.parametrize("key", ["", "short", "django-insecure-" + "a" * 60, "a" * 60])
def test_production_refuses_a_missing_or_insecure_secret_key(key):
    result = import_settings("config.settings.production", DEBUG="false", SECRET_KEY=key)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_starts_with_a_proper_key_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text(GOOD_KEY)
    result = import_settings("config.settings.production", DEBUG="false", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", ["AUDIT_SIGNING_KEY_FILE", "AUDIT_CHECKPOINT_FILE"])
def test_production_demands_where_the_audit_key_and_checkpoints_live(missing):
    result = import_settings("config.settings.production", DEBUG="false", SECRET_KEY=GOOD_KEY, **{missing: ""})
    assert result.returncode != 0 and f"{missing} is required in production" in result.stderr


def test_a_boolean_that_is_not_true_or_false_stops_the_start():
    result = import_settings("config.settings.local", DEBUG="ture")
    assert result.returncode != 0 and "DEBUG='ture' is not a boolean" in result.stderr


def test_the_compose_file_declares_every_service_with_healthchecks_and_a_restart_policy():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name
    for name, service in services.items():
        assert service.get("restart") in ("always", "unless-stopped"), f"{name} is not restarted when it exits"
    assert "--appendonly" in services["redis"]["command"]
    assert "pgdata" in compose["volumes"]
    assert services["web"]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


def test_celery_is_configured_not_to_lose_tasks():
    from django.conf import settings

    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT
    assert settings.CELERY_TASK_SERIALIZER == "json"


def test_workers_reconnect_to_the_broker_for_as_long_as_it_takes():
    from django.conf import settings

    assert settings.CELERY_BROKER_CONNECTION_RETRY and settings.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None


def test_nothing_that_must_persist_lives_only_in_redis():
    from django.conf import settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    assert set(settings.CACHES) == {"default"}
    # The cache gives up quickly when Redis is away (tracker/redis_outage.py carries on without it).
    assert settings.CACHES["default"]["OPTIONS"]["socket_connect_timeout"] <= 1
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == ["tracker.api.throttling.UserRateThrottle"]


def test_check_deploy_is_clean_under_the_production_settings():
    # Not the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE (tests/browser/conftest.py), which the check refuses.
    environment = {
        **{name: value for name, value in os.environ.items() if name != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": GOOD_KEY,
        "DATABASE_URL": "postgres://x@localhost/x",
        "REDIS_URL": "redis://localhost:6379/0",
        **AUDIT_FILES,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_sends_hsts_for_a_year_with_subdomains_and_secure_cookies():
    code = (
        "from config.settings import production as p; "
        "print(p.SECURE_HSTS_SECONDS, p.SECURE_HSTS_INCLUDE_SUBDOMAINS, p.SESSION_COOKIE_SECURE, "
        "p.CSRF_COOKIE_SECURE, p.SESSION_COOKIE_HTTPONLY, p.SECURE_SSL_REDIRECT)"
    )
    environment = {**os.environ, "SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://x@localhost/x",
                   "REDIS_URL": "redis://localhost:6379/0", **AUDIT_FILES}  # fmt: skip
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.stdout.split() == ["31536000", "True", "True", "True", "True", "True"], result.stderr


def test_every_page_carries_a_csp_without_inline_scripts(client, alice):
    client.force_login(alice)
    for path in ("/login/", "/", "/account/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())
        assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'", path
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    # The API docs' script is a file too; only Swagger UI's inline styles are allowed there.
    docs = client.get("/api/v1/docs/")
    assert "<script>" not in docs.content.decode()
    assert "script-src 'self'" in docs["Content-Security-Policy"]


@pytest.mark.parametrize(
    ("email_url", "expected"), [(None, "filebased True"), ("smtp://mail.example:25", "smtp False")]
)
def test_development_writes_e_mail_to_files_under_var_unless_given_a_server(email_url, expected):
    code = (
        "from config.settings import local as s; "
        "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2], str(getattr(s, 'EMAIL_FILE_PATH', '')).endswith('var/mail'))"
    )
    environment = {name: value for name, value in os.environ.items() if not name.startswith("EMAIL_URL")}
    environment |= {"DATABASE_URL": "postgres://x@localhost/x", "REDIS_URL": "redis://localhost:6379/0"}
    if email_url:
        environment["EMAIL_URL"] = email_url
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert result.stdout.strip() == expected, result.stderr
