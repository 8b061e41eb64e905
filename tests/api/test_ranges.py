"""Every date and country code the API accepts is range-checked: a 400 naming the field, nothing written."""

import datetime

import pytest
from django.utils import timezone

from cases import services as case_services
from cases.models import Case, Person, Task, Tip
from controls.models import Finding, JointControl
from tests.cases.test_cases_api import assert_problem
from tests.conftest import NEW_CASE
from tests.controls.test_controls_api import CONTROL
from tests.factories import identity_number
from tracker.exceptions import DomainValidationError
from tracker.models import AuditEntry, Event

TODAY = timezone.localdate()
TOMORROW = (TODAY + datetime.timedelta(days=1)).isoformat()
SIX_YEARS_ON = TODAY.replace(year=TODAY.year + 6, day=1).isoformat()
BAD_DAYS = ["0001-01-01", "9999-12-31", "1899-12-31"]
BAD_TIMES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-05:00", "1999-12-31T12:00:00Z"]


def _counts():
    return (AuditEntry.objects.count(), Event.objects.count())


@pytest.mark.parametrize("day", [*BAD_DAYS, "1999-12-31", TOMORROW])
def test_a_case_received_out_of_range_is_refused_everywhere_a_case_is_written(labour_api, api_case, day):
    before = _counts()
    assert_problem(
        labour_api.post("/api/v1/cases/", {**NEW_CASE, "received_on": day}, format="json"), 400, "/received_on"
    )
    assert_problem(
        labour_api.post("/api/v1/cases/bulk/", {"cases": [{**NEW_CASE, "received_on": day}]}, format="json"),
        400,
        "/cases/0/received_on",
    )
    url = api_case["Location"]
    assert_problem(
        labour_api.patch(url, {"received_on": day}, format="json", HTTP_IF_MATCH=api_case["ETag"]), 400, "/received_on"
    )
    assert Case.objects.count() == 1 and Case.objects.get().received_on == TODAY
    assert _counts() == before


def test_the_earliest_and_latest_dates_received_are_accepted(labour_api):
    for day, reference in (("2000-01-01", "OSL-2000-00001"), (TODAY.isoformat(), f"OSL-{TODAY.year}-00001")):
        created = labour_api.post("/api/v1/cases/", {**NEW_CASE, "received_on": day}, format="json")
        assert created.status_code == 201, created.content
        assert created.json()["reference"] == reference


@pytest.mark.parametrize("day", [*BAD_DAYS, TOMORROW])
def test_a_date_of_birth_in_the_future_or_before_1900_is_refused(labour_api, api_case, day):
    response = labour_api.post(
        f"{api_case['Location']}subjects/",
        {"role": "worker", "person": {"name": "Ana Popescu", "date_of_birth": day}},
        format="json",
    )
    assert_problem(response, 400, "/person/date_of_birth")
    assert not Person.objects.exists()


@pytest.mark.parametrize("code", ["ZZ", "XX", "EU", "UK", "12", "N", "NOR"])
def test_unknown_country_codes_are_refused_for_persons_and_organisations(labour_api, api_case, code):
    url = f"{api_case['Location']}subjects/"
    person = {"role": "worker", "person": {"name": "Ana Popescu", "nationality": code}}
    assert_problem(labour_api.post(url, person, format="json"), 400, "/person/nationality")
    org = {"role": "employer", "organisation": {"name": "Fjord Bilpleie AS", "country": code}}
    assert_problem(labour_api.post(url, org, format="json"), 400, "/organisation/country")


@pytest.mark.parametrize("sent,stored", [("pl", "PL"), ("RO", "RO"), ("XK", "XK"), ("", "")])
def test_known_country_codes_are_stored_in_capitals(labour_api, api_case, sent, stored):
    response = labour_api.post(
        f"{api_case['Location']}subjects/",
        {"role": "worker", "person": {"name": "Ana Popescu", "nationality": sent}},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["person"]["nationality"] == stored


def test_the_services_refuse_what_the_serializers_refuse(alice, labour_case):
    for kwargs in ({"date_of_birth": datetime.date(1, 1, 1)}, {"nationality": "ZZ"}):
        with pytest.raises(DomainValidationError) as refused:
            case_services.person_upsert(actor=alice, case=labour_case, name="X", **kwargs)
        assert set(refused.value.errors) == set(kwargs)
    with pytest.raises(DomainValidationError) as refused:
        case_services.organisation_upsert(
            actor=alice, case=labour_case, organisation_number=None, name="X", country="ZZ"
        )
    assert set(refused.value.errors) == {"country"}
    with pytest.raises(DomainValidationError) as refused:
        case_services.task_create(actor=alice, case=labour_case, title="T", due_on=datetime.date(9999, 12, 31))
    assert set(refused.value.errors) == {"due_on"}
    with pytest.raises(DomainValidationError) as refused:
        case_services.tip_create(
            actor=alice,
            unit=labour_case.unit,
            source="public",
            description="d",
            received_at=datetime.datetime(1, 1, 1, 12, tzinfo=datetime.UTC),
        )
    assert set(refused.value.errors) == {"received_at"}
    assert not Task.objects.exists() and not Tip.objects.exists() and not Person.objects.exists()


def test_an_identity_number_of_someone_born_before_1900_is_refused(alice, labour_case):
    number = identity_number(birth=datetime.date(1880, 5, 17), individual=500)
    with pytest.raises(DomainValidationError) as refused:
        case_services.person_upsert(actor=alice, case=labour_case, name="Old", id_number=number)
    assert set(refused.value.errors) == {"id_number"}


@pytest.mark.parametrize("day", [*BAD_DAYS, SIX_YEARS_ON])
def test_a_task_due_out_of_range_is_refused(labour_api, api_case, day):
    assert_problem(
        labour_api.post(f"{api_case['Location']}tasks/", {"title": "Call", "due_on": day}, format="json"),
        400,
        "/due_on",
    )
    assert not Task.objects.exists()


@pytest.mark.parametrize("field", ["starts_at", "ends_at"])
@pytest.mark.parametrize("value", BAD_TIMES)
def test_a_control_window_out_of_range_is_refused_when_planned_and_when_changed(labour_api, field, value):
    assert_problem(labour_api.post("/api/v1/controls/", {**CONTROL, field: value}, format="json"), 400, f"/{field}")
    assert not JointControl.objects.exists()
    planned = labour_api.post("/api/v1/controls/", CONTROL, format="json")
    assert_problem(
        labour_api.patch(planned["Location"], {field: value}, format="json", HTTP_IF_MATCH=planned["ETag"]),
        400,
        f"/{field}",
    )
    assert JointControl.objects.get().version == 1


def test_a_control_lasts_at_most_a_week(labour_api):
    long = {**CONTROL, "ends_at": "2027-03-09T07:00:00+01:00"}
    assert_problem(labour_api.post("/api/v1/controls/", long, format="json"), 400, "/ends_at")
    week = {**CONTROL, "ends_at": "2027-03-08T07:00:00+01:00"}
    assert labour_api.post("/api/v1/controls/", week, format="json").status_code == 201


def test_a_findings_count_of_persons_is_bounded(labour_api):
    control = labour_api.post("/api/v1/controls/", CONTROL, format="json")
    etag = control["ETag"]
    for step in ("confirmed", "in_progress"):
        etag = labour_api.post(f"{control['Location']}transition/", {"to": step}, format="json", HTTP_IF_MATCH=etag)[
            "ETag"
        ]
    for count in (2**31, 100_001, -1):
        response = labour_api.post(
            f"{control['Location']}findings/", {"sanction_kind": "order", "persons_count": count}, format="json"
        )
        assert_problem(response, 400, "/persons_count")
    assert not Finding.objects.exists()


@pytest.mark.parametrize(
    "url,param",
    [
        ("/api/v1/cases/", "received_after"),
        ("/api/v1/cases/", "received_before"),
        ("/api/v1/cases/", "updated_after"),
        ("/api/v1/controls/", "starts_after"),
        ("/api/v1/controls/", "starts_before"),
        ("/api/v1/controls/", "updated_after"),
        ("/api/v1/referrals/", "updated_after"),
    ],
)
@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z"])
def test_filters_refuse_dates_out_of_range(labour_api, url, param, value):
    if param.startswith("received") and "T" in value:
        value = value[:10]
    assert_problem(labour_api.get(url, {param: value}), 400, f"/{param}")


def test_filters_take_dates_in_range(labour_api, api_case):
    found = labour_api.get("/api/v1/cases/", {"received_after": "2000-01-01", "updated_after": "2000-01-01T00:00:00Z"})
    assert found.status_code == 200 and len(found.json()["results"]) == 1
