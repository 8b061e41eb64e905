"""The auditors' search of the audit trail: who may see which rows, the filters, the CSV
export (itself audited), on the web page and in the API."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from agencies.choices import UnitRole
from cases import services as case_services
from tests.conftest import client_for
from tests.factories import case_kwargs, officer
from tracker.models import AuditEntry

SEARCH = "/audit/"


@pytest.fixture
def bea(reference):
    """An auditor of another unit (Bergen)."""
    return officer("bea", "POLICE", unit="BGO", role=UnitRole.AUDITOR)


@pytest.fixture
def bergen_case(dave, bgo):
    return case_services.case_create(
        actor=dave, unit=bgo, **case_kwargs(title="Bergen scaffolding", lead_agency="POLICE", agencies=["POLICE"])
    )


def streamed_csv(response) -> list[dict]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


# --- who sees what ----------------------------------------------------------------------


def test_an_auditor_sees_the_rows_of_their_units_cases_and_members_only(client, erin, bea, labour_case, bergen_case):
    client.force_login(erin)
    page = client.get(SEARCH).content.decode()
    assert labour_case.reference in page and bergen_case.reference not in page

    client.force_login(bea)  # another unit's auditor sees none of ours
    page = client.get(SEARCH).content.decode()
    assert bergen_case.reference in page and labour_case.reference not in page


def test_a_members_actions_elsewhere_are_seen_by_their_units_auditor(client, erin, alice, bergen_case):
    client.force_login(alice)
    assert client.get(reverse("cases:detail", args=[bergen_case.pk])).status_code == 404
    client.force_login(erin)
    html = client.get(SEARCH, {"action": "access.refused"}).content.decode()
    assert alice.get_full_name() in html and "cases:detail" in html


def test_a_case_officer_gets_404_and_no_menu_item(client, alice, erin, labour_case):
    client.force_login(alice)
    assert client.get(SEARCH).status_code == 404
    assert client.get(reverse("audit_trail:export")).status_code == 404
    assert 'href="/audit/"' not in client.get("/").content.decode()
    client.force_login(erin)
    assert 'href="/audit/"' in client.get("/").content.decode()


def test_a_superuser_sees_every_unit(client, root, labour_case, bergen_case):
    client.force_login(root)
    page = client.get(SEARCH).content.decode()
    assert labour_case.reference in page and bergen_case.reference in page


# --- the filters ------------------------------------------------------------------------


def test_the_filters_narrow_by_case_person_subject_action_and_time(client, erin, alice, bob, labour_case, osl):
    other = case_services.case_create(
        actor=bob, unit=osl, **case_kwargs(title="Other", lead_agency="TAX", agencies=["TAX"])
    )
    case_services.person_upsert(actor=alice, case=labour_case, name="Ana Popescu")
    client.force_login(erin)

    def objects(**query):
        response = client.get(reverse("audit_trail:export"), query)
        assert response.status_code == 200
        return [(row["actor"], row["action"], row["object"]) for row in streamed_csv(response)]

    assert objects(case=labour_case.reference.lower()) == [
        ("alice", "person.create", "Ana Popescu"),
        ("alice", "case.create", str(labour_case)),
    ]
    assert [row[2] for row in objects(case=other.reference)] == [str(other)]
    assert {row[0] for row in objects(person="bob")} == {"bob"}
    assert objects(subject="popescu") == [("alice", "person.create", "Ana Popescu")]
    assert {row[1] for row in objects(action="case.")} >= {"case.create"}
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert objects(date_from=tomorrow.isoformat()) == []
    assert objects(date_to=timezone.localdate().isoformat())


def test_a_wrong_date_range_comes_back_with_a_message_by_the_field(client, erin):
    client.force_login(erin)
    response = client.get(SEARCH, {"date_from": "2026-05-02", "date_to": "2026-05-01", "person": "alice"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sluttdatoen er før startdatoen." in html and 'value="alice"' in html


def test_the_page_runs_the_same_queries_for_one_row_and_many(client, erin, alice, osl, django_assert_num_queries):
    client.force_login(erin)
    client.get(SEARCH)
    # session, user, the auditor's memberships; the page of rows (with actor and agency
    # joined); the menu's desk check and the header's unread count.
    with django_assert_num_queries(6):
        assert client.get(SEARCH).status_code == 200
    for n in range(60):
        case_services.case_create(actor=alice, unit=osl, **case_kwargs(title=f"Case {n}"))
    with django_assert_num_queries(6):
        page = client.get(SEARCH).content.decode()
    assert page.count("<tr>") == 1 + 50 and "?page=2" in page


# --- the CSV export ---------------------------------------------------------------------


def test_the_csv_export_is_streamed_and_itself_audited(client, erin, labour_case):
    client.force_login(erin)
    response = client.get(reverse("audit_trail:export"), {"case": labour_case.reference})
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = streamed_csv(response)
    assert {"case.create"} <= {row["action"] for row in rows}
    export = AuditEntry.objects.get(action="export.audit")
    assert export.actor == erin and export.after == {"via": "web", "filters": {"case": labour_case.reference}}


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(client, root, alice, labour_case):
    case_services.person_upsert(actor=alice, case=labour_case, name='=HYPERLINK("http://x.example")')
    client.force_login(root)
    (row,) = streamed_csv(client.get(reverse("audit_trail:export"), {"action": "person.create"}))
    assert row["object"] == '\'=HYPERLINK("http://x.example")'


# --- the API ----------------------------------------------------------------------------


@pytest.fixture
def auditor_api(erin):
    client = APIClient()
    client.force_login(erin)
    return client


def test_the_api_lists_what_the_page_shows_in_cursor_pages(auditor_api, erin, labour_case, bergen_case, client):
    client.force_login(erin)
    client.get(reverse("cases:detail", args=[labour_case.pk]))  # a second row: case.view
    response = auditor_api.get("/api/v1/audit/", {"page_size": 1})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1 and body["next"]
    everything = auditor_api.get("/api/v1/audit/", {"page_size": 200}).json()["results"]
    ids = {row["object_id"] for row in everything}
    assert str(labour_case.pk) in ids and str(bergen_case.pk) not in ids
    by_case = auditor_api.get("/api/v1/audit/", {"case": labour_case.reference}).json()["results"]
    assert by_case and {row["action"] for row in by_case} >= {"case.create"}


def test_the_api_exports_csv_two_ways_each_audited(auditor_api, labour_case):
    for url in ("/api/v1/audit/?format=csv&action=case.", "/api/v1/audit/export.csv/?action=case."):
        response = auditor_api.get(url)
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        assert [row["action"] for row in streamed_csv(response)] == ["case.create"]
    exports = AuditEntry.objects.filter(action="export.audit")
    assert [e.after for e in exports] == [{"via": "api", "filters": {"action": "case."}}] * 2


def test_a_bad_filter_is_a_problem_not_a_csv(auditor_api):
    response = auditor_api.get("/api/v1/audit/", {"format": "csv", "since": "yesterday"})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"


def test_a_key_needs_audit_read_and_reads_the_rows_of_the_cases_it_sees(make_key, labour_case, bergen_case, osl):
    _, without = make_key(scopes=["cases:read"])
    assert client_for(without).get("/api/v1/audit/").status_code == 403
    _, token = make_key(scopes=["audit:read"])
    ids = {row["object_id"] for row in client_for(token).get("/api/v1/audit/", {"page_size": 200}).json()["results"]}
    assert str(labour_case.pk) in ids and str(bergen_case.pk) not in ids
    _, nav = make_key(agency="NAV", scopes=["audit:read"])  # NAV takes no part in the Labour case
    rows = client_for(nav).get("/api/v1/audit/", {"page_size": 200}).json()["results"]
    assert str(labour_case.pk) not in {row["object_id"] for row in rows}


def test_a_person_who_audits_nothing_gets_an_empty_list(labour_case, alice):
    client = APIClient()
    client.force_login(alice)
    response = client.get("/api/v1/audit/")
    assert response.status_code == 200 and response.json()["results"] == []
