"""What of an audit row is chained, and how a link is hashed.

Every column of AuditEntry is chained (tests/tracker/test_audit_chain.py fails when a column
is added without being listed here). NULLs are left out of the JSON, so a column added later
as nullable leaves the rows sealed before it hashing as they did. Values are read as SQL text
where Python's types could vary with the connection (time zone, inet and jsonb loaders), so a
sealer and a verifier on different connections hash the same bytes.
"""

from __future__ import annotations

import hashlib
import json

GENESIS = bytes(32)  # the "previous hash" of the first row

CHAINED_COLUMNS = (
    "id",
    "txid",
    "at",
    "actor_id",
    "actor_agency_id",
    "request_id",
    "client_request_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "ip",
    "before",
    "after",
)

# In CHAINED_COLUMNS order, as ints and text whatever the session's settings: "at" in UTC with
# microseconds (formatted by PostgreSQL: parsing timestamps was a third of verify's time).
SELECT_SQL = (
    "a.id, a.txid, to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'), a.actor_id::text,"
    " a.actor_agency_id, a.request_id, a.client_request_id, a.action, a.object_type, a.object_id, a.object_repr,"
    " host(a.ip), a.before::text, a.after::text"
)
_JSON_COLUMNS = (12, 13)


def canonical(row: tuple) -> bytes:
    """The row (as selected by SELECT_SQL) as canonical JSON: sorted keys, no spaces, UTF-8."""
    values = list(row)
    for index in _JSON_COLUMNS:
        if values[index] is not None:
            values[index] = json.loads(values[index])
    content = {name: value for name, value in zip(CHAINED_COLUMNS, values, strict=True) if value is not None}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link(previous: bytes, content: bytes) -> bytes:
    return hashlib.sha256(previous + content).digest()
