"""Who takes part in a case decides who reads it: only the lead agency's officers and the unit's
coordinators change it, the change is journaled, and no request commits and then fails."""

import pytest
from rest_framework.test import APIClient

from cases.choices import JournalKind
from cases.models import Case, JournalEntry
from controls.models import JointControl
from tests.cases.test_cases_api import assert_problem
from tests.conftest import NEW_CASE, client_for
from tests.controls.test_controls_api import CONTROL
from tracker.api.base import TrackerViewSetMixin
from tracker.models import AuditEntry, Event

# The case: led by Labour, with Tax taking part (NEW_CASE). Expected answer to a change of participants.
PERSONAS = {
    "alice (Labour officer, lead agency)": 200,
    "bob (Tax officer, taking part)": 403,
    "carol (police coordinator of the unit)": 200,
    "erin (NAV auditor of the unit)": 403,
    "dave (police officer, Bergen)": 404,
    "desk (contact point)": 404,
    "root (platform superuser)": 200,
    "Labour system (lead agency)": 200,
    "Tax system (taking part)": 403,
    "NAV system (not taking part)": 404,
    "Bergen police system": 404,
}


@pytest.fixture
def as_persona(request, make_key, alice, bob, carol, erin, dave, desk, root):
    people = {"alice": alice, "bob": bob, "carol": carol, "erin": erin, "dave": dave, "desk": desk, "root": root}
    systems = {
        "Labour system": ("LABOUR", "OSL"),
        "Tax system": ("TAX", "OSL"),
        "NAV system": ("NAV", "OSL"),
        "Bergen police system": ("POLICE", "BGO"),
    }

    def client(persona: str):
        name = persona.split(" (")[0]
        if name in people:
            api = APIClient()
            api.force_login(people[name])
            return api
        agency, unit = systems[name]
        return client_for(make_key(agency=agency, units=(unit,), name=name)[1])

    return client


def _counts():
    # Changes only: a refusal is itself audited (access.refused), as is a read.
    changes = AuditEntry.objects.exclude(action__in=["access.refused", "case.view", "apikey.use"])
    return changes.count(), Event.objects.count(), JournalEntry.objects.count()


@pytest.mark.parametrize("persona,expected", PERSONAS.items())
def test_only_the_lead_agency_and_coordinators_change_who_takes_part(
    labour_api, api_case, as_persona, persona, expected
):
    client = as_persona(persona)
    before = _counts()
    response = client.patch(
        api_case["Location"], {"agencies": ["LABOUR", "NAV"]}, format="json", HTTP_IF_MATCH=api_case["ETag"]
    )
    case = Case.objects.get()
    if expected != 200:
        assert_problem(response, expected)
        assert sorted(a.code for a in case.agencies.all()) == ["LABOUR", "TAX"] and case.version == 1
        assert _counts() == before
        return
    assert response.status_code == 200, response.content
    assert response.json()["agencies"] == ["LABOUR", "NAV"]
    journal = case.journal.filter(kind=JournalKind.SYSTEM).last()
    assert journal.visibility == "unit" and "No longer taking part: TAX." in journal.body and "NAV" in journal.body
    audit = AuditEntry.objects.filter(action="case.update").get()
    assert audit.before["agencies"] == ["LABOUR", "TAX"] and audit.after["agencies"] == ["LABOUR", "NAV"]


@pytest.mark.parametrize("persona,expected", PERSONAS.items())
def test_only_the_lead_agency_and_coordinators_change_the_lead_agency(
    labour_api, api_case, as_persona, persona, expected
):
    response = as_persona(persona).patch(
        api_case["Location"], {"lead_agency": "TAX"}, format="json", HTTP_IF_MATCH=api_case["ETag"]
    )
    case = Case.objects.get()
    if expected != 200:
        assert_problem(response, expected)
        assert case.lead_agency.code == "LABOUR"
        return
    assert response.status_code == 200, response.content
    assert response.json()["lead_agency"] == "TAX" and response.json()["agencies"] == ["LABOUR", "TAX"]
    assert "Lead agency changed from LABOUR to TAX." in case.journal.last().body


def test_a_participant_still_edits_the_rest_and_may_resend_the_same_participants(bob, api_case):
    # The lead always takes part, so ["TAX"] alone would mean the same participants.
    api = APIClient()
    api.force_login(bob)
    renamed = api.patch(api_case["Location"], {"title": "Renamed by Tax"}, format="json", HTTP_IF_MATCH='"1"')
    assert renamed.status_code == 200, renamed.content
    same = {**{k: NEW_CASE[k] for k in ("title", "sector", "offences", "priority", "source")}}
    put = api.put(
        api_case["Location"],
        {**same, "summary": "", "agencies": ["TAX", "LABOUR"], "received_on": renamed.json()["received_on"]},
        format="json",
        HTTP_IF_MATCH=renamed["ETag"],
    )
    assert put.status_code == 200, put.content
    assert_problem(
        api.put(
            api_case["Location"],
            {**same, "summary": "", "agencies": ["TAX", "LABOUR", "NAV"], "received_on": renamed.json()["received_on"]},
            format="json",
            HTTP_IF_MATCH=put["ETag"],
        ),
        403,
    )


def test_an_agency_taken_off_a_case_loses_it_and_its_officers_are_taken_off(labour_api, api_case, bob, carol):
    bob_api = APIClient()
    bob_api.force_login(bob)
    assert bob_api.get(api_case["Location"]).status_code == 200
    assigned = bob_api.post(f"{api_case['Location']}assignees/", {"officer": str(bob.pk)}, format="json")
    assert assigned.status_code == 201, assigned.content
    removed = labour_api.patch(api_case["Location"], {"agencies": ["LABOUR"]}, format="json", HTTP_IF_MATCH='"2"')
    assert removed.status_code == 200, removed.content
    assert removed.json()["assignees"] == []
    assert_problem(bob_api.get(api_case["Location"]), 404)
    assert AuditEntry.objects.filter(action="case.unassign").exists()


# --- commit, then 500 -------------------------------------------------------------------


def test_a_change_that_would_hide_the_case_from_its_author_is_refused_before_anything_is_written(labour_api, api_case):
    before = _counts()
    body = {"lead_agency": "TAX", "agencies": ["TAX"]}
    refused = assert_problem(
        labour_api.patch(api_case["Location"], body, format="json", HTTP_IF_MATCH=api_case["ETag"]), 400, "/agencies"
    )
    assert "must stay a participant" in refused["detail"]
    case = Case.objects.get()
    assert case.lead_agency.code == "LABOUR" and case.version == 1
    assert _counts() == before


def test_a_coordinator_may_leave_their_own_agency_out_for_they_see_the_whole_unit(api_case, carol):
    api = APIClient()
    api.force_login(carol)
    response = api.patch(api_case["Location"], {"agencies": ["LABOUR"]}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["agencies"] == ["LABOUR"]
    planned = api.post("/api/v1/controls/", {**CONTROL, "agencies": ["TAX"]}, format="json")
    assert planned.status_code == 201 and api.get(planned["Location"]).status_code == 200


def test_a_control_that_leaves_out_the_planners_agency_is_refused_before_anything_is_written(labour_api):
    before = _counts()
    response = labour_api.post("/api/v1/controls/", {**CONTROL, "agencies": ["TAX", "NAV"]}, format="json")
    assert "must take part" in assert_problem(response, 400, "/agencies")["detail"]
    assert not JointControl.objects.exists() and _counts() == before


def test_a_failure_after_the_service_has_written_rolls_everything_back(
    labour_api, monkeypatch, django_capture_on_commit_callbacks
):
    # Whatever fails while the answer is built, the change, its audit row, its events and
    # their notifications go with it.
    def fail(self, obj, code=200):
        raise RuntimeError("lost the answer")

    monkeypatch.setattr(TrackerViewSetMixin, "respond", fail)
    labour_api.raise_request_exception = False
    before = _counts()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
        planned = labour_api.post("/api/v1/controls/", CONTROL, format="json")
    assert response.status_code == planned.status_code == 500
    assert not Case.objects.exists() and not JointControl.objects.exists()
    assert _counts() == before and callbacks == []
