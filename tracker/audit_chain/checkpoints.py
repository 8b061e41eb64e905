"""Signed checkpoints of the chain head, kept where the database cannot rewrite them.

Anyone who can write to the database can rebuild rows and seals consistently; they cannot
sign. A checkpoint signs (last sealed row, its txid, head hash, count, time) with an Ed25519
key that lives in a file the database never sees (AUDIT_SIGNING_KEY_FILE), and appends it to
a store outside the database: by default a JSONL file opened O_APPEND (AUDIT_CHECKPOINT_FILE),
any class with ``append(record)`` and ``read()`` by AUDIT_CHECKPOINT_STORE.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.module_loading import import_string

from tracker.audit_chain.rows import GENESIS
from tracker.audit_chain.sealer import seal

VERSION = 1


class CheckpointError(Exception):
    """The signing key or the checkpoint store is missing or unusable."""


# --- Keys ---------------------------------------------------------------------------------


def ensure_signing_key(path: str | Path | None = None) -> Path:
    """Create the private key file (mode 0600) unless it exists; `make run` and the tests do."""
    path = Path(path or settings.AUDIT_SIGNING_KEY_FILE)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return path


def signing_key() -> Ed25519PrivateKey:
    path = Path(settings.AUDIT_SIGNING_KEY_FILE)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"cannot read the audit signing key {path}: {exc}") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path} is not an Ed25519 private key")
    return key


def verify_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys checkpoints are checked with, by key id: those in AUDIT_PUBLIC_KEY_FILE when
    set (a verifier needs no private key; after a key change it lists the old keys and the new),
    else the signing key's."""
    path = settings.AUDIT_PUBLIC_KEY_FILE
    if not path:
        keys = [signing_key().public_key()]
    else:
        try:
            text = Path(path).read_text()
            blocks = [b for b in text.split(_PEM_BEGIN) if b.strip()]
            keys = [serialization.load_pem_public_key((_PEM_BEGIN + block).encode()) for block in blocks]
        except (OSError, ValueError) as exc:
            raise CheckpointError(f"cannot read the audit public keys {path}: {exc}") from exc
        if not keys or not all(isinstance(key, Ed25519PublicKey) for key in keys):
            raise CheckpointError(f"{path} must hold one or more Ed25519 public keys (PEM)")
    return {key_id(key): key for key in keys}


_PEM_BEGIN = "-----BEGIN PUBLIC KEY-----"


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def signed_bytes(record: dict) -> bytes:
    """What is signed: every field of the record but the signature, as canonical JSON."""
    payload = {k: v for k, v in record.items() if k != "signature"}
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


# --- Stores -------------------------------------------------------------------------------


class JsonlFileStore:
    """One JSON object a line, appended with O_APPEND and fsync'd. Give the file to a user the
    database role is not (and, on Linux, `chattr +a` it) so that only appending is possible."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or settings.AUDIT_CHECKPOINT_FILE)

    def append(self, record: dict) -> None:
        line = json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> list[dict]:
        """Every record in order; a line that is not a JSON object is returned as ``{"unreadable": line}``."""
        if not self.path.exists():
            return []
        records = []
        with self.path.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError:
                    record = None
                records.append(record if isinstance(record, dict) else {"unreadable": line.strip()[:200]})
        return records


def checkpoint_store():
    return import_string(settings.AUDIT_CHECKPOINT_STORE)()


# --- Making one ---------------------------------------------------------------------------


def make_checkpoint() -> dict:
    """Seal what can be sealed, then sign the head and append it to the store."""
    key = signing_key()  # fail before doing anything when the key is missing
    seal(wait=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT position, entry_id, entry_txid, hash FROM tracker_auditseal ORDER BY position DESC LIMIT 1"
        )
        head = cursor.fetchone()
    count, entry_id, entry_txid, head_hash = head if head else (0, None, None, GENESIS)
    record = {
        "v": VERSION,
        "count": count,
        "entry_id": entry_id,
        "entry_txid": entry_txid,
        "head": bytes(head_hash).hex(),
        "at": timezone.now().isoformat(),
        "key_id": key_id(key.public_key()),
    }
    record["signature"] = base64.b64encode(key.sign(signed_bytes(record))).decode()
    checkpoint_store().append(record)
    return record
