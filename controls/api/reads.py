"""The control list and detail, built from the columns they show (as cases.api.reads does for cases).

Through ``ControlSerializer`` a page built a model instance for every control, site, booking,
officer, agency, case, organisation and person it names, and ran DRF's per-field
``to_representation`` on each. Here the same JSON comes from ``.values()`` rows and one set-based
query per relation (agencies, sites, bookings, cases, target organisations, target persons), each
in the order the serializer's prefetch gave (the related model's ``Meta.ordering``; the id breaks
the ties that ordering leaves open). ``ControlSerializer`` stays the schema's description of the
response; ``tests/api/test_control_referral_feed_reads.py`` holds the two equal.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from controls.api.serializers import SiteSerializer
from controls.models import ControlOfficer, ControlSite, JointControl
from tracker.api.fields import DateTimeField
from tracker.api.rows import row_of as object_row
from tracker.api.rows import values as queryset_rows

# The control's own columns as the response names them, and where each comes from.
COLUMNS = {
    "id": "id", "unit": "unit__code", "title": "title", "briefing": "briefing", "starts_at": "starts_at",
    "ends_at": "ends_at", "status": "status", "cancellation_reason": "cancellation_reason", "version": "version",
    "created_at": "created_at", "updated_at": "updated_at",
}  # fmt: skip
_datetime = DateTimeField().to_representation
_coordinate = {name: SiteSerializer().fields[name].to_representation for name in ("latitude", "longitude")}
_SCALE = 6  # both coordinates' decimal places: the database gives them at that scale


def control_rows(queryset):
    """``queryset`` (scoped, filtered, ordered) as rows of the columns the response needs."""
    return queryset_rows(queryset, COLUMNS.values())


def row_of(control: JointControl) -> dict:
    """A control already read (``get_object``) as the row :func:`represent` takes."""
    return object_row(control, COLUMNS.values())


def _coordinate_text(name: str, value):
    if value is None:
        return None
    if isinstance(value, Decimal) and value.as_tuple().exponent == -_SCALE:
        return f"{value:f}"  # what DRF's DecimalField gives once it has quantized to the same scale
    return _coordinate[name](value)


def _linked(through, control_ids, column: str, order: tuple[str, ...]) -> dict:
    """The ids of one many-to-many relation per control, in ``order`` (the related model's)."""
    out = defaultdict(list)
    links = through.objects.filter(jointcontrol_id__in=control_ids).order_by(*order)
    for control_id, target_id in links.values_list("jointcontrol_id", column):
        out[control_id].append(str(target_id))
    return out


def represent(rows) -> list[dict]:
    """The controls of ``rows`` (from :func:`control_rows`) as ``ControlSerializer`` renders them:
    six queries whatever their number."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    agencies, sites, participants = defaultdict(list), defaultdict(list), defaultdict(list)
    cases, organisations, persons = defaultdict(list), defaultdict(list), defaultdict(list)
    if ids:
        links = JointControl.agencies.through.objects.filter(jointcontrol_id__in=ids).order_by("agency__code")
        for control_id, code in links.values_list("jointcontrol_id", "agency__code"):
            agencies[control_id].append(code)
        for site in (
            ControlSite.objects.filter(control_id__in=ids)
            .order_by("address", "id")
            .values("control_id", "id", "name", "address", "latitude", "longitude")
        ):
            sites[site["control_id"]].append(
                {
                    "id": str(site["id"]),
                    "name": site["name"],
                    "address": site["address"],
                    "latitude": _coordinate_text("latitude", site["latitude"]),
                    "longitude": _coordinate_text("longitude", site["longitude"]),
                }
            )
        for booking in (
            ControlOfficer.objects.filter(control_id__in=ids)
            .order_by("agency__code", "officer__username")
            .values("control_id", "officer_id", "officer__username", "agency__code", "is_lead", "booked_at")
        ):
            participants[booking["control_id"]].append(
                {
                    "officer": str(booking["officer_id"]),
                    "username": booking["officer__username"],
                    "agency": booking["agency__code"],
                    "is_lead": booking["is_lead"],
                    "booked_at": _datetime(booking["booked_at"]),
                }
            )
        cases = _linked(JointControl.cases.through, ids, "case_id", ("-case__received_on", "-case__number", "case_id"))
        organisations = _linked(
            JointControl.target_organisations.through, ids, "organisation_id", ("organisation__name", "organisation_id")
        )
        persons = _linked(JointControl.target_persons.through, ids, "person_id", ("person__name", "person_id"))
    out = []
    for row in rows:
        control_id = row["id"]
        out.append(
            {
                "id": str(control_id),
                "unit": row["unit__code"],
                "title": row["title"],
                "briefing": row["briefing"],
                "starts_at": _datetime(row["starts_at"]),
                "ends_at": _datetime(row["ends_at"]),
                "status": row["status"],
                "cancellation_reason": row["cancellation_reason"],
                "agencies": agencies[control_id],
                "sites": sites[control_id],
                "participants": participants[control_id],
                "cases": cases[control_id],
                "target_organisations": organisations[control_id],
                "target_persons": persons[control_id],
                "version": row["version"],
                "created_at": _datetime(row["created_at"]),
                "updated_at": _datetime(row["updated_at"]),
            }
        )
    return out
