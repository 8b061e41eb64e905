"""The query-count record itself: it names queries, and a changed count fails with their diff."""

import pytest

from tests.query_counts import QueryCounts, name_query


def test_a_query_is_named_by_what_it_does_and_its_tables():
    assert name_query('SELECT "a"."id" FROM "cases_case" INNER JOIN "agencies_agency" ON (1) WHERE 1') == (
        "SELECT cases_case JOIN agencies_agency"
    )
    assert name_query('SELECT COUNT(*) AS "__count" FROM "cases_case"') == "COUNT cases_case"
    assert name_query('UPDATE "agencies_apikey" SET "last_used_at" = NOW()') == "UPDATE agencies_apikey"
    assert name_query('SAVEPOINT "s1_x1"') == "SAVEPOINT"


def test_a_count_other_than_the_recorded_one_fails_with_the_queries_named():
    record = QueryCounts(update=False)
    record.recorded = {"page": ["SELECT cases_case"]}
    record.check("page", ["SELECT cases_case"])
    with pytest.raises(pytest.fail.Exception, match=r"1 queries recorded, 2 run[\s\S]*\+SELECT cases_task"):
        record.measured.clear()
        record.check("page", ["SELECT cases_case", "SELECT cases_task"])
    with pytest.raises(pytest.fail.Exception, match="no query count recorded"):
        record.check("another page", [])


def test_a_count_that_grows_with_the_rows_fails_even_while_recording():
    record = QueryCounts(update=True)
    record.check("page", ["SELECT cases_case"])
    with pytest.raises(pytest.fail.Exception, match=r"1 queries before, 2 now"):
        record.check("page", ["SELECT cases_case", "SELECT cases_task"])
