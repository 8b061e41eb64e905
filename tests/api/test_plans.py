"""The lists' cursor conditions are ones an index can start at.

At national scale (docs/benchmarks.md) the change feed read the whole outbox for every page and
the 20,000th page of cases read the 620,000 rows before it: `a > x OR (a = x AND b > y)` is no
index range. Written as row comparisons, they start the index at the cursor. A test database is
too small for the planner to prefer an index on its own, so sequential scans are switched off
here: what is asserted is that the cursor is an *index condition*, not a filter on a full walk."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tracker.api.feed_reads import feed_rows
from tracker.events import feed

# The outbox is partitioned by month: each month's copy of event_feed_order is named after its partition.
FEED_INDEX_AT_CURSOR = (
    r"(event_feed_order|tracker_event_\w+_txid_id_idx) .*\n\s+Index Cond: \(.*ROW\(txid, id\) > ROW\("
)


def plans(queries, table: str) -> list[str]:
    out = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in queries:
            if f'FROM "{table}"' in query["sql"] and "ORDER BY" in query["sql"]:
                cursor.execute("EXPLAIN " + query["sql"])
                out.append("\n".join(row[0] for row in cursor.fetchall()))
    return out


def test_a_feed_page_starts_the_txid_id_index_at_its_cursor(root, labour_case):
    with CaptureQueriesContext(connection) as captured:
        feed(root, after="1-1", limit=10)
    (plan,) = plans(captured.captured_queries, "tracker_event")
    # Alone, or beside the horizon's condition (an Index Scan or a BitmapOr of two).
    assert re.search(FEED_INDEX_AT_CURSOR, plan), plan


def test_the_feed_page_the_api_reads_as_rows_starts_the_same_index_at_its_cursor(root, labour_case):
    with CaptureQueriesContext(connection) as captured:
        feed_rows(root, after="1-1", limit=10)
    (plan,) = plans(captured.captured_queries, "tracker_event")
    assert re.search(FEED_INDEX_AT_CURSOR, plan), plan


def test_a_later_page_of_cases_asks_for_the_rows_beyond_its_cursor_as_a_row_comparison(labour_api, api_case):
    """Which index serves it depends on the data (the unit's, at this size); the form is what
    lets PostgreSQL start `cases_case_created_at` at the cursor on the national dataset
    (0.2 ms against 699 ms for the 20,000th page, docs/benchmarks.md)."""
    from tests.conftest import NEW_CASE

    labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
    first = labour_api.get("/api/v1/cases/", {"page_size": 1}).json()
    with CaptureQueriesContext(connection) as captured:
        assert labour_api.get(first["next"]).json()["results"]
    (sql,) = [q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"] and "ORDER BY" in q["sql"]]
    assert '("cases_case"."created_at", "cases_case"."id") < (' in sql, sql
    # created_at (or its place in the select list) then the id, both descending: one direction
    assert re.search(r'ORDER BY ("cases_case"\."created_at"|\d+) DESC, "cases_case"\."id" DESC LIMIT 2$', sql), sql
