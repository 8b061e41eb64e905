"""Tamper evidence for the audit trail (tracker.models.AuditEntry).

- :mod:`.rows`: what of a row is chained, as canonical JSON, and the link hash.
- :mod:`.sealer`: chains finished transactions' rows into AuditSeal, in (txid, id) order,
  without ever making a writer wait.
- :mod:`.checkpoints`: signs the chain head with an Ed25519 key the database never holds and
  appends it to a store outside the database (a JSONL file by default).
- :mod:`.verify`: recomputes the chain from the rows and checks it against seals and checkpoints.
- :mod:`.drops`: lets retention drop a month of rows (tracker/partitions.py) only once it is sealed
  and signed, and signs the drop, so that verify tells a dropped month from removed rows.
"""
