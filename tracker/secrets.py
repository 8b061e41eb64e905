"""Secrets we must be able to use again (webhook signing keys) are encrypted, not hashed.

Fernet with a key derived from ``WEBHOOK_ENCRYPTION_KEY`` (default: ``SECRET_KEY``).
Rotating that key makes stored secrets unreadable: re-create the subscriptions.
"""

import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings


def _fernet() -> Fernet:
    material = (getattr(settings, "WEBHOOK_ENCRYPTION_KEY", "") or settings.SECRET_KEY).encode()
    key = base64.urlsafe_b64encode(hashlib.sha256(b"tracker-webhook-secrets:" + material).digest())
    return Fernet(key)


def encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
