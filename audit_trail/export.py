"""The audit trail as CSV, streamed row by row: an export of a million rows never sits in memory."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from tracker.audit import record_access

CHUNK = 2000
COLUMNS = ("at", "actor", "actor_name", "agency", "action", "object_type", "object_id", "object", "ip", "request_id",
           "before", "after")  # fmt: skip
# A cell a spreadsheet would run as a formula (CSV injection) is kept as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value):
        return value


def _cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _row(entry) -> list[str]:
    actor = entry.actor
    return [
        _cell(value)
        for value in (
            entry.at.isoformat(),
            actor.username if actor else "",
            actor.get_full_name() if actor else "",
            entry.actor_agency.code if entry.actor_agency else "",
            entry.action,
            entry.object_type,
            entry.object_id,
            entry.object_repr,
            entry.ip,
            entry.request_id,
            _json(entry.before),
            _json(entry.after),
        )
    ]


def csv_lines(entries, header: Iterable[str]) -> Iterator[str]:
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(list(header))  # the BOM: spreadsheets then read æ, ø and å right
    for entry in entries.iterator(chunk_size=CHUNK):
        yield writer.writerow(_row(entry))


def csv_response(request, entries, *, header: Iterable[str] = COLUMNS, filters: dict, via: str):
    """Record ``export.audit`` (who exported which rows: the filters), then stream ``entries``."""
    record_access(
        actor=request.user, action="export.audit", object_type="audit", detail={"via": via, "filters": filters}
    )
    response = StreamingHttpResponse(csv_lines(entries, header), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "no-store"
    return response
