"""The one place settings read the environment.

django-environ's FileAwareEnv also reads ``NAME_FILE`` (a path) for any ``NAME``,
which is how container secrets are passed. Its bool cast treats any unknown word
as False; a typo in ``DEBUG=ture`` must stop the start instead, so booleans go
through :func:`strict_bool`.
"""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.FileAwareEnv()

# Local state of a checkout: embedded servers' data, uploads, beat schedule.
VAR_DIR = Path(env.str("TRACKER_VAR_DIR", default=str(BASE_DIR / "var")))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def strict_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")
