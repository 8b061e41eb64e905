"""Showing a person's whole identity number: asked for, with a reason, and audited.

Everyone else sees the birth-date part (``cases.identity.mask_identity_number``). A reveal
shows the number in the one response that answers it; nothing remembers it for the session,
so each sight of a whole number has its own reason and its own audit row (``subject.reveal``).
Agency systems whose key holds ``identity:read`` receive whole numbers without asking; each
response that carries them writes one ``identity.disclose`` row naming the persons.
"""

from __future__ import annotations

from cases.models import Person
from tracker import audit
from tracker.exceptions import DomainValidationError

IDENTITY_SCOPE = "identity:read"
REASON_MAX_LENGTH = 500


def identity_numbers_in_full(request) -> bool:
    """Whether this API request is an agency system's whose key holds the identity scope."""
    return IDENTITY_SCOPE in getattr(getattr(request, "auth", None), "scopes", ())


def reveal_identity_number(*, actor, person: Person, reason: str, via: str) -> str:
    """The whole number of ``person`` (whom the caller's selector found), audited with the reason."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainValidationError.for_field("reason", "Say why you need to see the whole number.")
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainValidationError.for_field("reason", f"Keep the reason to {REASON_MAX_LENGTH} characters.")
    if not person.id_number:
        raise DomainValidationError.for_field("reason", "This person has no identity number to show.")
    audit.record_access(
        actor=actor,
        action="subject.reveal",
        obj=person,
        detail={"reason": reason, "via": via, "case": str(person.case_id), "id_kind": person.id_kind},
    )
    return person.id_number


def record_disclosure(*, actor, persons, via: str = "api") -> None:
    """One audit row for a response that carried whole numbers to a key with the identity scope."""
    ids = sorted({str(pk) for pk in persons})
    if not ids:
        return
    audit.record_access(
        actor=actor,
        action="identity.disclose",
        object_type="cases.person",
        object_id=ids[0] if len(ids) == 1 else "",
        detail={"via": via, "persons": ids},
    )
