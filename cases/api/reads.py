"""The case list and detail, and a case's subjects, built from the columns they show.

Through ``CaseSerializer``, a 200-case page built a model instance for every case, agency and
assignment and ran DRF's per-field ``to_representation`` on each (about three quarters of the
page's time in the profile of issue 12). Here the same JSON comes from ``.values()`` rows and one
set-based query per relation: the cases (with their unit's and lead agency's codes joined), the
participating agencies' codes, the assignments. ``CaseSerializer`` stays the schema's description
of the response, and ``tests/cases/test_case_reads.py`` holds the two equal on varied cases.
A case's subjects alike: ``CaseSubjectSerializer`` describes them, one query of rows (the
organisation or person joined) builds them.
"""

from __future__ import annotations

from collections import defaultdict

from cases.api.serializers import disclosed_in
from cases.identity import mask_identity_number
from cases.models import Case, CaseAssignment, CaseSubject
from cases.reveal import identity_numbers_in_full
from tracker.api.fields import DateTimeField
from tracker.api.rows import row_of as object_row
from tracker.api.rows import values as queryset_rows

# The case's own columns as the response names them, and where each comes from.
COLUMNS = {
    "id": "id", "reference": "reference", "unit": "unit__code", "title": "title", "summary": "summary",
    "lead_agency": "lead_agency__code", "sector": "sector", "offences": "offences", "priority": "priority",
    "source": "source", "received_on": "received_on", "status": "status", "outcome": "outcome",
    "outcome_note": "outcome_note", "closed_at": "closed_at", "version": "version",
    "created_at": "created_at", "updated_at": "updated_at",
}  # fmt: skip
_datetime = DateTimeField().to_representation


def case_rows(queryset):
    """``queryset`` (scoped, filtered, ordered) as rows of the columns the response needs."""
    return queryset_rows(queryset, COLUMNS.values())


def row_of(case: Case) -> dict:
    """A case already read (``get_object``) as the row :func:`represent` takes."""
    return object_row(case, COLUMNS.values())


def represent(rows) -> list[dict]:
    """The cases of ``rows`` (from :func:`case_rows`) as ``CaseSerializer`` renders them: two
    queries whatever their number (agencies, assignments)."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    agencies, assignees = defaultdict(list), defaultdict(list)
    if ids:
        links = Case.agencies.through.objects.filter(case_id__in=ids).order_by("agency__code")
        for case_id, code in links.values_list("case_id", "agency__code"):
            agencies[case_id].append(code)
        assignments = CaseAssignment.objects.filter(case_id__in=ids).order_by("assigned_at", "id")
        for a in assignments.values("case_id", "officer_id", "agency__code", "assigned_by_id", "assigned_at"):
            assignees[a["case_id"]].append(
                {
                    "officer": str(a["officer_id"]),
                    "agency": a["agency__code"],
                    "assigned_by": str(a["assigned_by_id"]),
                    "assigned_at": _datetime(a["assigned_at"]),
                }
            )
    out = []
    for row in rows:
        case_id = row["id"]
        out.append(
            {
                "id": str(case_id),
                "reference": row["reference"],
                "unit": row["unit__code"],
                "title": row["title"],
                "summary": row["summary"],
                "lead_agency": row["lead_agency__code"],
                "agencies": agencies[case_id],
                "assignees": assignees[case_id],
                "sector": row["sector"],
                "offences": list(row["offences"]),
                "priority": row["priority"],
                "source": row["source"],
                "received_on": row["received_on"].isoformat() if row["received_on"] else None,
                "status": row["status"],
                "outcome": row["outcome"],
                "outcome_note": row["outcome_note"],
                "closed_at": _datetime(row["closed_at"]),
                "version": row["version"],
                "created_at": _datetime(row["created_at"]),
                "updated_at": _datetime(row["updated_at"]),
            }
        )
    return out


# --- a case's subjects ---------------------------------------------------------------

ORGANISATION = ("id", "case_id", "organisation_number", "name", "sector", "address", "postcode", "city", "country")
PERSON = ("id", "case_id", "id_number", "id_kind", "name", "date_of_birth", "nationality")
SUBJECT_COLUMNS = (
    "id", "role", "ilo_indicators", "note", "created_at", "organisation_id", "person_id",
    *(f"organisation__{name}" for name in ORGANISATION[1:]), *(f"person__{name}" for name in PERSON[1:]),
)  # fmt: skip


def subject_rows(queryset):
    """``queryset`` of case subjects as rows, the organisation or person joined: one query."""
    return queryset_rows(queryset, SUBJECT_COLUMNS)


def subject_row_of(link: CaseSubject) -> dict:
    """A subject just linked (with its organisation or person) as the row :func:`represent_subjects` takes."""
    return object_row(link, SUBJECT_COLUMNS)


def represent_subjects(rows, request) -> list[dict]:
    """The subjects of ``rows`` as ``CaseSubjectSerializer`` renders them for ``request``:
    identity numbers masked, unless its key holds the identity scope (then each whole number
    is noted for the response's disclosure audit row, cases.api.views.DisclosingViewSet)."""
    in_full = request is not None and identity_numbers_in_full(request)
    out = []
    for row in rows:
        organisation = person = None
        if row["organisation_id"] is not None:
            organisation = {"id": str(row["organisation_id"]), "case": str(row["organisation__case_id"])}
            for name in ORGANISATION[2:]:
                organisation[name] = row[f"organisation__{name}"]
        if row["person_id"] is not None:
            number = row["person__id_number"]
            if number and in_full:
                disclosed_in(request).add(row["person_id"])
            born = row["person__date_of_birth"]
            person = {
                "id": str(row["person_id"]),
                "case": str(row["person__case_id"]),
                "id_number": (number if in_full else mask_identity_number(number)) if number else None,
                "id_kind": row["person__id_kind"],
                "name": row["person__name"],
                "date_of_birth": born.isoformat() if born else None,
                "nationality": row["person__nationality"],
            }
        out.append(
            {
                "id": str(row["id"]),
                "role": row["role"],
                "organisation": organisation,
                "person": person,
                "ilo_indicators": list(row["ilo_indicators"]),
                "note": row["note"],
                "created_at": _datetime(row["created_at"]),
            }
        )
    return out
