"""Development and the demo that `make run` starts."""

import os

from config.env import env, strict_bool

from .base import *  # noqa: F403

DEBUG = strict_bool("DEBUG", True)
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only-never-in-production")
# A receiver on this machine (the tests', a developer's) is fine here; never in production.
WEBHOOK_ALLOW_PRIVATE = strict_bool("WEBHOOK_ALLOW_PRIVATE", True)
WEBHOOK_ALLOW_HTTP = strict_bool("WEBHOOK_ALLOW_HTTP", True)

# runserver serves static files itself in DEBUG; WhiteNoise is for production.
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.middleware.WhiteNoiseMiddleware"]  # noqa: F405

# E-mail goes to files under var/mail/ (one per message), not the console: loading the demo on
# the first `make run` sends one for every demo event, which buried the servers' own log.
if not (os.environ.get("EMAIL_URL") or os.environ.get("EMAIL_URL_FILE")):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")  # noqa: F405
