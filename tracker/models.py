import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.expressions import RawSQL
from django.db.models.functions import Now


class UUIDModel(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class AuditEntry(models.Model):
    """Append-only record of every state change: what an oversight body asks about.

    Database triggers (migrations 0002 and 0005) refuse UPDATE, DELETE and TRUNCATE, so
    not even a bug or the admin can rewrite history.

    Partitioned by month of ``at`` (migration 0010, tracker/partitions.py). The primary key in
    the database is (id, at), as PostgreSQL asks of a partitioned table; Django knows ``id``
    alone, which the identity sequence keeps unique.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_id = models.CharField(max_length=64, blank=True, help_text="Ours, generated per request.")
    client_request_id = models.CharField(
        max_length=64, blank=True, help_text="The caller's X-Request-ID, sanitised: theirs, not ours."
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, db_index=True)
    object_id = models.CharField(max_length=64, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True, help_text="The caller's address.")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    # The writing transaction's id, set by the database. The hash chain (tracker/audit_chain)
    # links rows in (txid, id) order and only once every transaction below is over, so writers
    # never wait for it.
    txid = models.BigIntegerField(db_default=RawSQL("pg_current_xact_id()::text::bigint", []), editable=False)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"]),
            models.Index(fields=["txid", "id"], name="tracker_audit_chain_order"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class AuditSeal(models.Model):
    """One link of the audit hash chain: ``hash`` = SHA-256(previous hash || the canonical
    content of audit row ``entry_id``). Positions run 1, 2, 3… without gaps in the rows'
    (txid, id) order. Append-only by the same triggers as the audit trail (migration 0008)."""

    position = models.BigIntegerField(primary_key=True)
    entry_id = models.BigIntegerField(unique=True)
    entry_txid = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)
    sealed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"#{self.position} row {self.entry_id} {bytes(self.hash).hex()[:16]}"


class Event(models.Model):
    """A domain event, written in the same transaction as the change (transactional outbox).

    ``unit`` and ``agencies`` carry what scoping needs, so a feed or a delivery
    never shows an event to someone who could not see its object.

    Partitioned by month of ``occurred_at`` like the audit trail (migration 0010): the database
    key is (id, occurred_at), and ``uuid`` is indexed but not unique, since a unique index on a
    partitioned table must hold the partition key. uuid4 values do not collide in practice.
    """

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, db_index=True, editable=False)
    type = models.CharField(max_length=64, db_index=True)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey("agencies.RegionalUnit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    agencies = ArrayField(models.CharField(max_length=20), default=list, blank=True)
    # Only the listed agencies may see it (e.g. a journal entry kept to its agency),
    # whatever their role in the unit.
    confidential = models.BooleanField(default=False)
    # The writing transaction's id. The feed orders by it and only serves events below
    # the oldest running transaction, so a slow transaction's events are never skipped.
    txid = models.BigIntegerField(db_default=RawSQL("pg_current_xact_id()::text::bigint", []), editable=False)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["id"], name="event_undispatched", condition=models.Q(dispatched_at__isnull=True)),
            models.Index(fields=["txid", "id"], name="event_feed_order"),  # the change feed's order
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.object_type}:{self.object_id}"


class IdempotencyRecord(models.Model):
    """The stored response to a POST sent with an ``Idempotency-Key``, kept 24 hours per client.

    Written in the same transaction as the change it answers for, so a retry either finds
    the change and its response, or neither.
    """

    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.TextField(blank=True)
    headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="idempotency_key_per_client")]

    def __str__(self) -> str:
        return f"{self.client_id}:{self.key}"
