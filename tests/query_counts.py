"""Exact query counts, recorded with each query named, in tests/query_counts.json.

A test runs a request inside ``with query_counts("label"):``. The queries it ran are named (the
verb and the tables, e.g. ``SELECT cases_case JOIN agencies_agency``) and compared with the list
recorded for that label: a changed count fails with a diff of the named queries. A label measured
twice in one run (one row, then many) must name the same queries both times, so a count that
grows with the rows fails even while recording.

``pytest --update-query-counts`` records what ran instead of comparing; review the file's diff
before committing it.
"""

from __future__ import annotations

import difflib
import json
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

RECORD = Path(__file__).with_name("query_counts.json")
UPDATE_FLAG = "--update-query-counts"

_TABLE = re.compile(r'\b(?:FROM|JOIN|INTO|UPDATE)\s+"(\w+)"')


def name_query(sql: str) -> str:
    """A short, stable name for one query: what it does and to which tables."""
    verb = sql.split(None, 1)[0].upper()
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK"):
        return verb
    if verb == "SELECT" and re.match(r'SELECT\s+(COUNT\(|\(1\) AS "a"|1 AS "a")', sql):
        verb = "COUNT" if "COUNT(" in sql.split("FROM", 1)[0] else "EXISTS"
    tables = list(dict.fromkeys(_TABLE.findall(sql)))
    if not tables:
        return verb
    name = f"{verb} {tables[0]}"
    return f"{name} JOIN {', '.join(tables[1:])}" if len(tables) > 1 else name


def _diff(expected: list[str], actual: list[str], was: str, now: str) -> str:
    return "\n".join(difflib.unified_diff(expected, actual, was, now, lineterm=""))


class QueryCounts:
    def __init__(self, *, update: bool) -> None:
        self.update = update
        self.recorded: dict[str, list[str]] = json.loads(RECORD.read_text()) if RECORD.exists() else {}
        self.measured: dict[str, list[str]] = {}

    @contextmanager
    def __call__(self, label: str):
        with CaptureQueriesContext(connection) as captured:
            yield captured
        self.check(label, [name_query(query["sql"]) for query in captured.captured_queries])

    def check(self, label: str, names: list[str]) -> None:
        if label in self.measured and self.measured[label] != names:
            pytest.fail(
                f"{label}: {len(self.measured[label])} queries before, {len(names)} now (more rows?)\n"
                + _diff(self.measured[label], names, "before", "now"),
                pytrace=False,
            )
        self.measured[label] = names
        if self.update:
            return
        if label not in self.recorded:
            pytest.fail(f"{label}: no query count recorded; run pytest {UPDATE_FLAG}", pytrace=False)
        if self.recorded[label] != names:
            pytest.fail(
                f"{label}: {len(self.recorded[label])} queries recorded, {len(names)} run "
                f"(pytest {UPDATE_FLAG} records them)\n" + _diff(self.recorded[label], names, RECORD.name, "run"),
                pytrace=False,
            )

    def save(self) -> None:
        if self.update and self.measured:
            merged = dict(sorted({**self.recorded, **self.measured}.items()))
            RECORD.write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")


def pytest_addoption(parser) -> None:
    parser.addoption(UPDATE_FLAG, action="store_true", help="record the query counts in tests/query_counts.json")


@pytest.fixture(scope="session")
def _query_count_record(request):
    record = QueryCounts(update=request.config.getoption(UPDATE_FLAG))
    yield record
    record.save()


@pytest.fixture
def query_counts(_query_count_record) -> QueryCounts:
    """``with query_counts("label"):`` around the request whose queries are recorded."""
    return _query_count_record
