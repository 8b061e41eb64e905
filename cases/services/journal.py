"""Journal entries and their attachments."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from cases import choices as c
from cases.attachments import detect_content_type, safe_filename
from cases.models import Attachment, Case, JournalEntry
from cases.permissions import require_case_worker
from cases.services.core import lock_case
from tracker import audit
from tracker.exceptions import DomainValidationError, NotPermitted
from tracker.services import clean


def _check_upload(upload) -> tuple[str, str]:
    """Size, and the type the bytes show (the client's Content-Type is not trusted)."""
    size = upload.size
    name = safe_filename(upload.name)
    if size > settings.ATTACHMENT_MAX_BYTES:
        raise DomainValidationError.for_field(
            "attachments", f"{name} is {size} bytes; the limit is {settings.ATTACHMENT_MAX_BYTES} bytes."
        )
    content_type = detect_content_type(upload)
    if content_type not in settings.ATTACHMENT_CONTENT_TYPES:
        accepted = ", ".join(settings.ATTACHMENT_CONTENT_TYPES)
        raise DomainValidationError.for_field(
            "attachments",
            f"{name}: its content is {content_type or 'of no known type'}, which is not accepted; "
            f"accepted are {accepted}.",
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest(), content_type


@transaction.atomic
def journal_add(
    *,
    actor,
    case: Case,
    body: str,
    visibility: str = c.Visibility.AGENCY,
    legal_basis: str = "",
    necessity_note: str = "",
    attachments: Sequence = (),
) -> JournalEntry:
    case = lock_case(case)
    require_case_worker(actor, case)
    if actor.agency_id is None:
        raise NotPermitted("Journal entries are owned by an agency; a platform superuser cannot write them.")
    if not body.strip():
        raise DomainValidationError.for_field("body", "A journal entry needs text.")
    entry = JournalEntry(
        case=case,
        author=actor,
        agency_id=actor.agency_id,
        body=body,
        visibility=visibility,
        legal_basis=legal_basis,
        necessity_note=necessity_note,
    )
    if visibility == c.Visibility.UNIT and not (legal_basis and necessity_note.strip()):
        raise DomainValidationError(
            "Sharing with the unit needs a legal basis and a necessity note.",
            errors={
                k: "Required when sharing with the unit."
                for k, v in (("legal_basis", legal_basis), ("necessity_note", necessity_note.strip()))
                if not v
            },
        )
    clean(entry, exclude=["case", "author", "agency"])
    if len(attachments) > settings.ATTACHMENT_MAX_FILES:
        raise DomainValidationError.for_field(
            "attachments", f"At most {settings.ATTACHMENT_MAX_FILES} files per entry, not {len(attachments)}."
        )
    checked = [(upload, *_check_upload(upload)) for upload in attachments]
    entry.save()
    for upload, sha256, content_type in checked:
        attachment = Attachment(
            entry=entry,
            filename=safe_filename(upload.name),
            content_type=content_type,
            size=upload.size,
            sha256=sha256,
            uploaded_by=actor,
        )
        attachment.file.save(upload.name, upload, save=False)
        attachment.save()
    case.save(update_fields=["updated_at"])
    after = audit.snapshot(entry, ["case", "agency", "visibility", "legal_basis", "necessity_note", "body"])
    after["attachments"] = [sha for _, sha, _ in checked]
    agencies = [a.code for a in case.agencies.all()] if visibility == c.Visibility.UNIT else [actor.agency.code]
    audit.record(
        actor=actor,
        action="journal.add",
        obj=entry,
        after=after,
        event_type="journal.shared" if visibility == c.Visibility.UNIT else "journal.added",
        unit=case.unit,
        agencies=agencies,
        confidential=visibility == c.Visibility.AGENCY,
        payload={"case": str(case.pk), "reference": case.reference, "entry": str(entry.pk), "visibility": visibility},
    )
    return entry
