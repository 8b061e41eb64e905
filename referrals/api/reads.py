"""The referral list and detail, built from the columns they show (as cases.api.reads does for cases).

The same JSON as ``ReferralSerializer`` over instances, from ``.values()`` rows (the referral with
its case's reference and its contact point's code joined) and one query for the shared subjects,
in the order the serializer's prefetch gave (``CaseSubject.Meta.ordering``, the id breaking ties).
``ReferralSerializer`` stays the schema's description of the response;
``tests/api/test_control_referral_feed_reads.py`` holds the two equal.
"""

from __future__ import annotations

from collections import defaultdict

from referrals.models import Referral
from tracker.api.fields import DateTimeField
from tracker.api.rows import row_of as object_row
from tracker.api.rows import values as queryset_rows

# The referral's own columns as the response names them, and where each comes from.
COLUMNS = {
    "id": "id", "case": "case_id", "case_reference": "case__reference", "contact_point": "contact_point__code",
    "category": "category", "summary": "summary", "legal_basis": "legal_basis", "status": "status",
    "sent_at": "sent_at", "acknowledgement_due_on": "acknowledgement_due_on", "acknowledged_at": "acknowledged_at",
    "decided_at": "decided_at", "decline_reason": "decline_reason", "closed_at": "closed_at", "outcome": "outcome",
    "revoked_at": "revoked_at", "revoke_reason": "revoke_reason", "version": "version", "created_at": "created_at",
    "updated_at": "updated_at",
}  # fmt: skip
_datetime = DateTimeField().to_representation


def referral_rows(queryset):
    """``queryset`` (scoped, filtered, ordered) as rows of the columns the response needs."""
    return queryset_rows(queryset, COLUMNS.values())


def row_of(referral: Referral) -> dict:
    """A referral already read (``get_object``) as the row :func:`represent` takes."""
    return object_row(referral, COLUMNS.values())


def represent(rows) -> list[dict]:
    """The referrals of ``rows`` (from :func:`referral_rows`) as ``ReferralSerializer`` renders
    them: one query (the subjects) whatever their number."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    subjects = defaultdict(list)
    if ids:
        links = Referral.subjects.through.objects.filter(referral_id__in=ids).order_by(
            "casesubject__created_at", "casesubject_id"
        )
        for referral_id, subject_id in links.values_list("referral_id", "casesubject_id"):
            subjects[referral_id].append(str(subject_id))
    out = []
    for row in rows:
        referral_id = row["id"]
        due = row["acknowledgement_due_on"]
        out.append(
            {
                "id": str(referral_id),
                "case": str(row["case_id"]),
                "case_reference": row["case__reference"],
                "contact_point": row["contact_point__code"],
                "category": row["category"],
                "summary": row["summary"],
                "subjects": subjects[referral_id],
                "legal_basis": row["legal_basis"],
                "status": row["status"],
                "sent_at": _datetime(row["sent_at"]),
                "acknowledgement_due_on": due.isoformat() if due else None,
                "acknowledged_at": _datetime(row["acknowledged_at"]),
                "decided_at": _datetime(row["decided_at"]),
                "decline_reason": row["decline_reason"],
                "closed_at": _datetime(row["closed_at"]),
                "outcome": row["outcome"],
                "revoked_at": _datetime(row["revoked_at"]),
                "revoke_reason": row["revoke_reason"],
                "version": row["version"],
                "created_at": _datetime(row["created_at"]),
                "updated_at": _datetime(row["updated_at"]),
            }
        )
    return out
