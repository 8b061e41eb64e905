"""Secrets we must be able to use again (webhook signing keys) are encrypted, not hashed.

Fernet keys derived from ``WEBHOOK_ENCRYPTION_KEY`` (default: ``SECRET_KEY``). New secrets are
encrypted with that key; any of the keys may decrypt: it, the old ones listed in
``WEBHOOK_ENCRYPTION_OLD_KEYS`` while a rotation is under way, and ``SECRET_KEY`` (until this
version the setting was never read from the environment, so every stored secret is under
``SECRET_KEY``). ``manage.py rotate_webhook_secrets`` re-encrypts every stored secret under the
current key; after it, the old keys can go.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet_for(material: str) -> Fernet:
    key = base64.urlsafe_b64encode(hashlib.sha256(b"tracker-webhook-secrets:" + material.encode()).digest())
    return Fernet(key)


def _box() -> MultiFernet:
    current = settings.WEBHOOK_ENCRYPTION_KEY or settings.SECRET_KEY
    materials = [current, *settings.WEBHOOK_ENCRYPTION_OLD_KEYS, settings.SECRET_KEY]
    return MultiFernet([_fernet_for(m) for m in dict.fromkeys(m for m in materials if m)])


def encrypt(plain: str) -> str:
    return _box().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    return _box().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """``token`` re-encrypted under the current key (InvalidToken when no key opens it)."""
    return _box().rotate(token.encode()).decode()


__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]
