"""``Idempotency-Key`` on POST: a retry gets the original response and changes nothing.

The whole request runs in one transaction holding a transaction-scoped advisory lock on
(client, key): a concurrent duplicate cannot take the lock and gets 409; the stored
response is written in the same transaction as the change, so after a crash there is
neither a change nor a record, and the retry simply runs.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from tracker.api.problems import IdempotencyConflict, IdempotencyMismatch
from tracker.models import IdempotencyRecord

RETENTION = timedelta(hours=24)
REPLAYED_HEADERS = ("ETag", "Location")


def _request_hash(request) -> str:
    try:
        body = json.dumps(json.loads(request.body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        body = request.body
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


def _lock_id(client_pk, key: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{client_pk}:{key}".encode()).digest()[:8], "big", signed=True)


def run_idempotent(request, key: str, call) -> Response:
    if not 1 <= len(key) <= 255:
        raise ValidationError({"Idempotency-Key": ["Use 1 to 255 characters."]})
    client = request.user
    request_hash = _request_hash(request)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(client.pk, key)])
            if not cursor.fetchone()[0]:
                raise IdempotencyConflict()
        record = IdempotencyRecord.objects.filter(client=client, key=key).first()
        if record is not None and record.created_at < timezone.now() - RETENTION:
            record.delete()
            record = None
        if record is not None:
            if record.request_hash != request_hash:
                raise IdempotencyMismatch()
            headers = {**record.headers, "Idempotent-Replayed": "true"}
            return Response(
                json.loads(record.body) if record.body else None, status=record.status_code, headers=headers
            )
        try:
            response = call()
        except Exception:
            transaction.set_rollback(True)
            raise
        if 200 <= response.status_code < 300:
            IdempotencyRecord.objects.create(
                client=client,
                key=key,
                request_hash=request_hash,
                status_code=response.status_code,
                body=json.dumps(response.data, cls=JSONEncoder) if response.data is not None else "",
                headers={h: response[h] for h in REPLAYED_HEADERS if h in response},
            )
        else:
            transaction.set_rollback(True)
        return response


def run_atomic(call) -> Response:
    """A write without an Idempotency-Key, also in one transaction: whatever fails after the
    service has written (building the answer included) rolls the change, its audit row and its
    events back, and no notification goes out for it."""
    with transaction.atomic():
        response = call()
        if not 200 <= response.status_code < 300:
            transaction.set_rollback(True)
        return response


def purge_expired() -> int:
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - RETENTION).delete()
    return deleted
