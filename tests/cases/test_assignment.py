"""Putting officers on a case: who may, whom, what it tells, and how the API shows it."""

import pytest
from rest_framework.test import APIClient

from cases import services
from cases.models import CaseAssignment, JournalEntry
from notifications import services as notifications
from notifications.models import Notification
from tests.conftest import client_for
from tests.factories import case_kwargs, officer
from tracker.exceptions import Conflict, DomainValidationError, NotPermitted
from tracker.models import AuditEntry, Event


def client(user) -> APIClient:
    api = APIClient()
    api.force_login(user)
    return api


def test_a_coordinator_puts_an_officer_on_a_case_who_is_told(labour_case, carol, alice):
    version = labour_case.version
    assignment = services.case_assign(actor=carol, case=labour_case, officer=alice)
    assert assignment.agency.code == "LABOUR" and assignment.assigned_by == carol
    labour_case.refresh_from_db()
    assert labour_case.version == version + 1
    assert JournalEntry.objects.filter(case=labour_case, body__contains="put on the case").exists()
    assert AuditEntry.objects.filter(action="case.assign", object_id=str(assignment.pk)).exists()
    event = Event.objects.get(type="case.assigned")
    assert event.payload["assignee"] == str(alice.pk) and event.payload["reference"] == labour_case.reference
    notifications.dispatch(event.pk)
    assert list(Notification.objects.filter(verb="case.assigned").values_list("recipient__username", flat=True)) == [
        "alice"
    ]


def test_an_agency_decides_whom_it_puts_on_a_case(labour_case, alice, bob):
    lars = officer("lars", "LABOUR")
    services.case_assign(actor=alice, case=labour_case, officer=lars)  # her own agency
    with pytest.raises(NotPermitted):
        services.case_assign(actor=bob, case=labour_case, officer=alice)  # Tax choosing for Labour
    services.case_assign(actor=bob, case=labour_case, officer=bob)


def test_only_someone_who_can_work_the_case_is_put_on_it_and_only_once(alice, carol, osl):
    case = services.case_create(actor=alice, unit=osl, **case_kwargs())  # Labour only
    nina = officer("nina", "NAV")
    with pytest.raises(DomainValidationError) as refused:
        services.case_assign(actor=carol, case=case, officer=nina)
    assert "officer" in refused.value.errors
    services.case_assign(actor=carol, case=case, officer=alice)
    with pytest.raises(Conflict):
        services.case_assign(actor=carol, case=case, officer=alice)
    assert CaseAssignment.objects.filter(case=case).count() == 1


def test_taking_an_officer_off_a_case_tells_them(labour_case, carol, alice):
    assignment = services.case_assign(actor=carol, case=labour_case, officer=alice)
    services.case_unassign(actor=carol, assignment=assignment)
    assert not CaseAssignment.objects.exists()
    event = Event.objects.get(type="case.unassigned")
    assert event.payload["assignee"] == str(alice.pk)
    assert AuditEntry.objects.get(action="case.unassign").before["officer"] == str(alice.pk)


def test_the_api_assigns_lists_filters_and_unassigns(labour_case, carol, alice, dave):
    api = client(carol)
    url = f"/api/v1/cases/{labour_case.pk}/assignees/"
    created = api.post(url, {"officer": str(alice.pk)}, format="json")
    assert created.status_code == 201 and created.json()["agency"] == "LABOUR"
    case = api.get(f"/api/v1/cases/{labour_case.pk}/").json()
    assert [a["officer"] for a in case["assignees"]] == [str(alice.pk)]
    mine = client(alice).get("/api/v1/cases/", {"assignee": "me"}).json()["results"]
    assert [c["id"] for c in mine] == [str(labour_case.pk)]
    assert api.get("/api/v1/cases/", {"assignee": "me"}).json()["results"] == []
    by_id = api.get("/api/v1/cases/", {"assignee": str(alice.pk)}).json()["results"]
    assert len(by_id) == 1

    bad = api.get("/api/v1/cases/", {"assignee": "someone"})
    assert bad.status_code == 400 and bad["content-type"] == "application/problem+json"
    again = api.post(url, {"officer": str(alice.pk)}, format="json")
    assert again.status_code == 409
    assert api.post(url, {"officer": "not-an-id"}, format="json").status_code == 400
    assert api.post(url, {"officer": str(alice.pk), "role": "lead"}, format="json").status_code == 400
    elsewhere = api.post(url, {"officer": str(dave.pk)}, format="json")  # Bergen
    assert elsewhere.status_code == 400 and elsewhere.json()["errors"][0]["pointer"] == "/officer"
    assert client(dave).post(url, {"officer": str(dave.pk)}, format="json").status_code == 404

    assert CaseAssignment.objects.filter(case=labour_case).count() == 1  # the refusals saved nothing
    assert api.delete(f"{url}{alice.pk}/").status_code == 204
    assert api.delete(f"{url}{alice.pk}/").status_code == 404
    assert api.delete(f"{url}not-a-uuid/").status_code == 404
    assert client(alice).get("/api/v1/cases/", {"assignee": "me"}).json()["results"] == []


def test_systems_can_subscribe_to_assignments(make_key):  # noqa: F811
    hook = {"url": "https://labour.example/hooks", "event_types": ["case.assigned", "case.unassigned"]}
    _, token = make_key(scopes=["webhooks:write", "cases:read"])
    answer = client_for(token).post("/api/v1/webhooks/", hook, format="json")
    assert answer.status_code == 201, answer.json()
    _, blind = make_key(scopes=["webhooks:write"], name="No read scope")  # assignments carry case data
    assert client_for(blind).post("/api/v1/webhooks/", hook, format="json").status_code == 400
