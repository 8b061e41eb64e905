"""The write paths of issue 12 run a known number of queries: each reference row read once, the
response built from what was just written. Exact counts, each query named, so that an extra one
fails here with the list of what ran."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.conftest import NEW_CASE


def names(queries) -> list[str]:
    """A short name per statement: its verb and table (savepoints left out: they cost no planning)."""
    out = []
    for query in queries:
        sql = query["sql"].strip()
        if sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT")):
            continue
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
        out.append(f"{sql.split()[0]} {table[1] if table else '?'}")
    return out


def run(client, method, url, body=None, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(url, body, format="json", **headers)
    assert response.status_code in (200, 201), response.content
    return response, names(captured.captured_queries)


@pytest.mark.parametrize("what", ["create", "transition", "journal", "subject"])
def test_write_paths_run_their_known_queries(labour_api, api_case, what):
    url = api_case["Location"]
    if what == "create":
        _, ran = run(labour_api, "post", "/api/v1/cases/", NEW_CASE)
    elif what == "transition":
        _, ran = run(labour_api, "post", f"{url}transition/", {"to": "assessment"}, HTTP_IF_MATCH=api_case["ETag"])
    elif what == "journal":
        _, ran = run(labour_api, "post", f"{url}journal/", {"body": "Called the employer."})
    else:
        _, ran = run(labour_api, "post", f"{url}subjects/", {"role": "worker", "person": {"name": "Ana"}})
    assert ran == EXPECTED[what], "\n".join(ran)


# The key's last-used time and its apikey.use audit row are written once a minute per key
# (tracker/access_audit.py): the api_case fixture's request took this minute's, so none here.
EXPECTED = {
    # was 33 statements with savepoints (30 without): agencies looked up 7 times, the case read back 3 times
    "create": [
        "SELECT agencies_apikey",  # with its account, agency, roles and desks (authentication.principal)
        "SELECT agencies_regionalunit",
        "SELECT agencies_agency",
        "SELECT agencies_agency",
        "INSERT cases_casereferencecounter",
        "INSERT cases_case",
        "INSERT cases_case_agencies",
        "INSERT cases_journalentry",
        "INSERT tracker_auditentry",
        "INSERT tracker_event",
        "SELECT cases_case_agencies",
        "SELECT cases_caseassignment",
    ],
    # was 18: the case's agencies read three times, its unit and lead agency lazily
    "transition": [
        "SELECT agencies_apikey",  # with its account, agency, roles and desks (authentication.principal)
        "SELECT cases_case",
        "SELECT cases_case",
        "SELECT agencies_agency",
        "UPDATE cases_case",
        "INSERT cases_journalentry",
        "INSERT tracker_auditentry",
        "INSERT tracker_event",
        "SELECT cases_case_agencies",
        "SELECT cases_caseassignment",
    ],
    # was 15: the case's prefetches read and thrown away before the service's lock
    "journal": [
        "SELECT agencies_apikey",  # with its account, agency, roles and desks (authentication.principal)
        "SELECT cases_case",
        "SELECT cases_case",
        "SELECT agencies_agency",
        "SELECT ?",
        "INSERT cases_journalentry",
        "UPDATE cases_case",
        "INSERT tracker_auditentry",
        "INSERT tracker_event",
        "SELECT agencies_agency",
        "SELECT cases_attachment",
    ],
    # the constraint checks (SELECT 1) of the person and the link, then the link's own lock of the case
    "subject": [
        "SELECT agencies_apikey",  # with its account, agency, roles and desks (authentication.principal)
        "SELECT cases_case",
        "SELECT cases_case",
        "SELECT agencies_agency",
        "SELECT ?",
        "SELECT ?",
        "SELECT ?",
        "INSERT cases_person",
        "INSERT tracker_auditentry",
        "SELECT cases_case",
        "SELECT agencies_agency",
        "SELECT cases_person",
        "SELECT ?",
        "SELECT ?",
        "SELECT ?",
        "SELECT cases_casesubject",
        "INSERT cases_casesubject",
        "UPDATE cases_case",
        "INSERT cases_journalentry",
        "INSERT tracker_auditentry",
        "INSERT tracker_event",
    ],
}


@pytest.mark.parametrize("count", [3, 60])
def test_a_bulk_import_runs_the_same_queries_whatever_its_size(labour_api, api_case, count):
    """Was 14 statements a case (case_create one by one, then the response read case by case)."""
    response, ran = run(labour_api, "post", "/api/v1/cases/bulk/", {"cases": [NEW_CASE] * count})
    assert len(response.json()["cases"]) == count
    assert ran == [
        "SELECT agencies_apikey",  # with the account's roles and desks (tracker.api.authentication)
        "SELECT agencies_regionalunit",  # the units named, once for every item
        "SELECT agencies_agency",  # the active agencies, once for every item
        "SELECT agencies_agency",  # the unit's member agencies
        "INSERT cases_casereferencecounter",
        "INSERT cases_case",
        "INSERT cases_case_agencies",
        "INSERT cases_journalentry",
        "INSERT tracker_auditentry",
        "INSERT tracker_event",
        "SELECT cases_case",  # the response: the cases, their agencies, their assignments
        "SELECT cases_case_agencies",
        "SELECT cases_caseassignment",
    ], "\n".join(ran)
