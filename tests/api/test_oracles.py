"""No existence or content oracles: whatever the caller may not see answers exactly as if it did not exist.

Foreign data lives in two places the Oslo Labour system may not see: a case of another unit
(Bergen) and an Oslo case that only the Tax Administration takes part in. For every endpoint
that takes a subject by number or a reference by id, the foreign value and a value that exists
nowhere give the same status, the same body (the value itself aside) and the same database
queries (so no timing to measure); nothing of the foreign record comes back.
"""

import datetime
import json
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import UnitMembership
from cases import services as case_services
from cases.models import Case, Organisation, Person
from controls import services as control_services
from tests.conftest import NEW_CASE
from tests.controls.test_controls_api import CONTROL
from tests.factories import case_kwargs, identity_number, officer, organisation_number
from tracker.exceptions import DomainValidationError

BIRTH = datetime.date(1988, 4, 12)
SECRET = {"name": "Mirela Secret", "nationality": "RO", "city": "Bergen", "org": "Skjult Bygg AS"}


def _record_subjects(actor, case, number, org_number):
    person = case_services.person_upsert(
        actor=actor, case=case, name=SECRET["name"], id_number=number, nationality=SECRET["nationality"]
    )
    org = case_services.organisation_upsert(
        actor=actor, case=case, organisation_number=org_number, name=SECRET["org"], city=SECRET["city"], country="PL"
    )
    person_link = case_services.case_add_subject(actor=actor, case=case, person=person, role="suspect")
    case_services.case_add_subject(actor=actor, case=case, organisation=org, role="employer")
    return {"person": person, "organisation": org, "subject": person_link}


@pytest.fixture
def foreign(dave, bob, osl, bgo):
    """What the Oslo Labour system may not see: a Bergen case, and an Oslo case of Tax alone."""
    bergen_case = case_services.case_create(
        actor=dave, unit=bgo, **case_kwargs(lead_agency="POLICE", agencies=["POLICE"])
    )
    tax_case = case_services.case_create(actor=bob, unit=osl, **case_kwargs(lead_agency="TAX", agencies=["TAX"]))
    return {
        "another unit": {
            "case": bergen_case,
            "officer": dave,
            "number": identity_number(BIRTH, 100),
            "org_number": organisation_number("91000000"),
            **_record_subjects(dave, bergen_case, identity_number(BIRTH, 100), organisation_number("91000000")),
        },
        "another agency": {
            "case": tax_case,
            "number": identity_number(BIRTH, 200),
            "org_number": organisation_number("92000000"),
            **_record_subjects(bob, tax_case, identity_number(BIRTH, 200), organisation_number("92000000")),
        },
    }


RANDOM_NUMBER = identity_number(BIRTH, 300)  # the same birth date: only the number differs
RANDOM_ORG_NUMBER = organisation_number("93000000")


def _call(client, method, url, body):
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, body, format="json")
    return response, [q["sql"] for q in queries.captured_queries]


def _shape(response, *values) -> str:
    """The body with the sent value and every id and time blanked: what may differ between the two calls."""
    text = response.content.decode()
    for value in values:
        text = text.replace(str(value), "<sent>")
    body = json.loads(text) if text else None

    def blank(node):
        if isinstance(node, dict):
            return {k: "<id>" if k in ("id", "case", "created_at", "updated_at") else blank(v) for k, v in node.items()}
        if isinstance(node, list):
            return [blank(v) for v in node]
        return node

    return json.dumps(blank(body), sort_keys=True)


def assert_alike(foreign_call, random_call, foreign_value, random_value):
    (f_response, f_queries), (r_response, r_queries) = foreign_call, random_call
    assert f_response.status_code == r_response.status_code, (f_response.content, r_response.content)
    assert _shape(f_response, foreign_value) == _shape(r_response, random_value)
    assert len(f_queries) == len(r_queries), "\n".join(f_queries + ["----"] + r_queries)


@pytest.mark.parametrize("where", ["another unit", "another agency"])
@pytest.mark.parametrize("kind", ["person", "organisation"])
def test_a_subject_known_only_elsewhere_is_new_data_from_the_caller(labour_api, api_case, foreign, where, kind):
    url = f"{api_case['Location']}subjects/"
    known = foreign[where]["number"] if kind == "person" else foreign[where]["org_number"]
    unknown = RANDOM_NUMBER if kind == "person" else RANDOM_ORG_NUMBER
    field = "id_number" if kind == "person" else "organisation_number"

    def add(number):
        return _call(
            labour_api, "post", url, {"role": "suspect", kind: {"name": "As the caller gives it", field: number}}
        )

    random_call, foreign_call = add(unknown), add(known)
    assert_alike(foreign_call, random_call, known, unknown)
    body = foreign_call[0].json()[kind]
    assert body["name"] == "As the caller gives it" and body["case"] == api_case.json()["id"]
    leaked = json.dumps(foreign_call[0].json())
    assert not any(secret in leaked for secret in SECRET.values())
    if kind == "person":
        assert body["nationality"] == "" and body["date_of_birth"] == BIRTH.isoformat()
    else:
        assert body["city"] == "" and body["country"] == "NO"
    # The other record is untouched, and the caller's register holds only the caller's own.
    other = foreign[where][kind]
    other.refresh_from_db()
    assert other.name in (SECRET["name"], SECRET["org"]) and other.case_id == foreign[where]["case"].pk
    register = labour_api.get(f"/api/v1/{kind}s/", {field: known}).json()["results"]
    assert [r["name"] for r in register] == ["As the caller gives it"]
    assert Organisation.objects.count() + Person.objects.count() == 6


@pytest.mark.parametrize("where", ["another unit", "another agency"])
@pytest.mark.parametrize(
    "url,param,number",
    [
        ("/api/v1/persons/", "id_number", "number"),
        ("/api/v1/organisations/", "organisation_number", "org_number"),
        ("/api/v1/cases/", "search", "org_number"),
    ],
)
def test_looking_a_number_up_finds_nothing_elsewhere(labour_api, api_case, foreign, where, url, param, number):
    known = foreign[where][number]
    unknown = RANDOM_NUMBER if number == "number" else RANDOM_ORG_NUMBER
    random_call = _call(labour_api, "get", url, {param: unknown})
    foreign_call = _call(labour_api, "get", url, {param: known})
    assert foreign_call[0].status_code == 200 and foreign_call[0].json()["results"] == []
    assert_alike(foreign_call, random_call, known, unknown)


@pytest.fixture
def oslo(labour_api, api_case, alice):
    """The caller's own case with a subject, a planned control and one under way."""
    case = api_case.json()
    labour_api.post(
        f"{api_case['Location']}subjects/", {"role": "employer", "organisation": {"name": "Own AS"}}, format="json"
    )
    planned = labour_api.post("/api/v1/controls/", CONTROL, format="json").json()
    april = {"starts_at": "2027-04-01T07:00:00+02:00", "ends_at": "2027-04-01T12:00:00+02:00"}
    running = labour_api.post("/api/v1/controls/", {**CONTROL, **april}, format="json")
    etag = running["ETag"]
    for step in ("confirmed", "in_progress"):
        etag = labour_api.post(f"{running['Location']}transition/", {"to": step}, format="json", HTTP_IF_MATCH=etag)[
            "ETag"
        ]
    return {"case": case["id"], "control": planned["id"], "running": running.json()["id"]}


def _referral(case, **extra):
    return {
        "case": case,
        "contact_point": "NCIS",
        "category": "organised_crime",
        "summary": "s",
        "legal_basis": "police_register_act",
        **extra,
    }


# (name, method, url, body built from the reference, which foreign object it names)
REFERENCES = [
    ("control target organisation", "post", "/api/v1/controls/",
     lambda ref, o: {**CONTROL, "target_organisations": [ref]}, "organisation"),
    ("control target person", "post", "/api/v1/controls/",
     lambda ref, o: {**CONTROL, "target_persons": [ref]}, "person"),
    ("case served by a control", "post", "/api/v1/controls/",
     lambda ref, o: {**CONTROL, "cases": [ref]}, "case"),
    ("booked officer", "post", "/api/v1/controls/{control}/participants/",
     lambda ref, o: {"officer": ref}, "officer"),
    ("finding's organisation", "post", "/api/v1/controls/{running}/findings/",
     lambda ref, o: {"sanction_kind": "order", "organisation": ref}, "organisation"),
    ("finding's person", "post", "/api/v1/controls/{running}/findings/",
     lambda ref, o: {"sanction_kind": "order", "person": ref}, "person"),
    ("case assignee", "post", "/api/v1/cases/{case}/assignees/",
     lambda ref, o: {"officer": ref}, "officer"),
    ("task assignee", "post", "/api/v1/cases/{case}/tasks/",
     lambda ref, o: {"title": "Call", "assignee": ref}, "officer"),
    ("referred case", "post", "/api/v1/referrals/",
     lambda ref, o: _referral(ref), "case"),
    ("referral subject", "post", "/api/v1/referrals/",
     lambda ref, o: _referral(o["case"], subjects=[ref]), "subject"),
    ("muted case", "patch", "/api/v1/notifications/preferences/",
     lambda ref, o: {"muted_cases": [ref]}, "case"),
]  # fmt: skip


# Officers of another agency in the caller's own unit are members the caller may name (and list).
CASES = [(where, *ref) for where in ("another unit", "another agency") for ref in REFERENCES]
CASES = [c for c in CASES if not (c[0] == "another agency" and c[-1] == "officer")]


@pytest.mark.parametrize("where,name,method,url,body,names", CASES, ids=[f"{c[1]} of {c[0]}" for c in CASES])
def test_a_foreign_reference_answers_as_one_that_does_not_exist(
    labour_api, oslo, foreign, where, name, method, url, body, names
):
    target = foreign[where][names]
    foreign_id, random_id = str(target.pk), str(uuid.uuid4())
    url = url.format(**oslo)
    random_call = _call(labour_api, method, url, body(random_id, oslo))
    foreign_call = _call(labour_api, method, url, body(foreign_id, oslo))
    assert random_call[0].status_code == 400, random_call[0].content
    assert_alike(foreign_call, random_call, foreign_id, random_id)


def test_a_booking_clash_names_a_control_only_to_those_who_may_see_it(labour_api, oslo, bgo):
    ingrid = officer("ingrid", "LABOUR")
    UnitMembership.objects.create(user=ingrid, unit=bgo, role="case_officer")  # she serves in both units
    bergen_planner = officer("bjorn", "LABOUR", unit="BGO")
    bergen = control_services.control_plan(
        actor=bergen_planner,
        unit=bgo,
        title="Bergen harbour",
        starts_at=datetime.datetime.fromisoformat(CONTROL["starts_at"]),
        ends_at=datetime.datetime.fromisoformat(CONTROL["ends_at"]),
        agencies=["LABOUR"],
    )
    control_services.control_book_officer(actor=bergen_planner, control=bergen, officer=ingrid)
    book = {"officer": str(ingrid.pk)}
    hidden = labour_api.post(f"/api/v1/controls/{oslo['control']}/participants/", book, format="json")
    assert hidden.status_code == 409
    assert "Bergen harbour" not in hidden.content.decode() and "another control" in hidden.json()["detail"]

    later = {"starts_at": "2027-05-01T07:00:00+02:00", "ends_at": "2027-05-01T12:00:00+02:00"}
    own = labour_api.post("/api/v1/controls/", {**CONTROL, **later, "title": "Own first"}, format="json").json()
    assert labour_api.post(f"/api/v1/controls/{own['id']}/participants/", book, format="json").status_code == 201
    other = labour_api.post("/api/v1/controls/", {**CONTROL, **later, "title": "Own second"}, format="json").json()
    seen = labour_api.post(f"/api/v1/controls/{other['id']}/participants/", book, format="json")
    assert seen.status_code == 409 and "Own first" in seen.json()["detail"]


def test_a_subject_recorded_on_another_case_cannot_be_linked(labour_api, api_case, foreign):
    # A person recorded on another case cannot be linked by a service caller either.
    other = foreign["another agency"]["person"]
    case = Case.objects.get(pk=api_case.json()["id"])
    with pytest.raises(DomainValidationError):
        case_services.case_add_subject(actor=case.created_by, case=case, person=other, role="witness")


def test_the_same_caller_gets_the_same_record_back_on_the_same_case(labour_api, api_case):
    url = f"{api_case['Location']}subjects/"
    number = identity_number(BIRTH, 400)
    first = labour_api.post(url, {"role": "suspect", "person": {"name": "A", "id_number": number}}, format="json")
    again = labour_api.post(url, {"role": "worker", "person": {"name": "B", "id_number": number}}, format="json")
    assert first.status_code == again.status_code == 201
    assert first.json()["person"]["id"] == again.json()["person"]["id"]
    other_case = labour_api.post("/api/v1/cases/", NEW_CASE, format="json")
    elsewhere = labour_api.post(
        f"{other_case['Location']}subjects/", {"role": "suspect", "person": {"name": "C", "id_number": number}},
        format="json",
    )  # fmt: skip
    assert elsewhere.json()["person"]["id"] != first.json()["person"]["id"]
    assert elsewhere.json()["person"]["name"] == "C"


def test_a_tip_merges_only_into_a_case_the_triager_sees(alice, osl, foreign):
    tip = case_services.tip_create(actor=alice, unit=osl, source="public", description="Cash wages at a car wash")
    answers = []
    for where in ("another unit", "another agency"):
        with pytest.raises(DomainValidationError) as refused:
            case_services.tip_merge(actor=alice, tip=tip, case=foreign[where]["case"])
        answers.append((type(refused.value), refused.value.errors))
    assert (
        answers[0]
        == answers[1]
        == (DomainValidationError, {"case": "Merge a tip into a case of its unit that you can see."})
    )
