"""The case list and detail, and a case's subjects, built from rows (cases.api.reads) say exactly
what CaseSerializer and CaseSubjectSerializer say, which stay the schema's description of them."""

import datetime
import json
from types import SimpleNamespace

import pytest
from rest_framework.renderers import JSONRenderer

from cases import services
from cases.api import reads
from cases.api.serializers import CaseSerializer, CaseSubjectSerializer
from cases.choices import CaseOutcome, CaseStatus, IloIndicator, SubjectRole
from cases.models import Case, CaseSubject
from cases.reveal import IDENTITY_SCOPE
from tests.conftest import client_for
from tests.factories import case_kwargs, identity_number, officer, organisation_number


def rendered(data) -> list:
    return json.loads(JSONRenderer().render(data))


def test_rows_render_as_the_serializer_does_for_cases_of_every_shape(alice, bob, carol, osl):
    tax2 = officer("tax2", "TAX")
    plain = services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR"]))
    shared = services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX", "POLICE"]))
    services.case_assign(actor=carol, case=shared, officer=alice)
    services.case_assign(actor=carol, case=shared, officer=bob)
    services.case_assign(actor=bob, case=shared, officer=tax2)
    closed = services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"], summary="Ærlig ø"))
    services.case_transition(actor=alice, case=closed, to=CaseStatus.CLOSED, outcome=CaseOutcome.SANCTIONED)
    queryset = Case.objects.filter(pk__in=[plain.pk, shared.pk, closed.pk]).order_by("created_at")

    expected = rendered(CaseSerializer(queryset.prefetch_related("agencies", "assignments__agency"), many=True).data)
    assert rendered(reads.represent(reads.case_rows(queryset))) == expected
    assert rendered(reads.represent([reads.row_of(case) for case in queryset])) == expected
    assert [len(c["assignees"]) for c in expected] == [0, 3, 0]
    assert expected[2]["closed_at"] and expected[2]["outcome"] == "sanctioned"


def test_the_api_lists_and_shows_cases_as_the_serializer_does(labour_api, api_case):
    from tests.conftest import NEW_CASE

    labour_api.post("/api/v1/cases/", {**NEW_CASE, "agencies": ["LABOUR"]}, format="json")
    listed = labour_api.get("/api/v1/cases/").json()["results"]
    cases = Case.objects.filter(pk__in=[c["id"] for c in listed]).prefetch_related("agencies", "assignments__agency")
    by_id = {str(c.pk): c for c in cases}
    assert listed == [rendered(CaseSerializer(by_id[c["id"]]).data) for c in listed]
    detail = labour_api.get(f"/api/v1/cases/{listed[0]['id']}/")
    assert detail.json() == listed[0] and detail["ETag"] == f'"{listed[0]["version"]}"'


def _subjects_of_every_shape(alice, osl) -> list:
    """Organisations with and without a number or address, persons with an identity number,
    a D-number or none, with and without a birth date or nationality, on two cases."""
    first = services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR"]))
    second = services.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    employer = services.organisation_upsert(
        actor=alice, case=first, organisation_number=organisation_number("91234567"), name="Bygg & Vask AS",
        sector="41.20", address="Storgata 1", postcode="0155", city="Oslo",
    )  # fmt: skip
    foreign = services.organisation_upsert(actor=alice, case=second, organisation_number=None, name="Sp. z o.o.",
                                           country="PL")  # fmt: skip
    ana = services.person_upsert(actor=alice, case=first, name="Ana Ærø", id_number=identity_number(),
                                 date_of_birth=datetime.date(1986, 10, 15), nationality="PL")  # fmt: skip
    dnr = services.person_upsert(actor=alice, case=second, name="Ion", id_number=identity_number(d_number=True))
    nameless = services.person_upsert(actor=alice, case=second, name="Unknown worker")
    links = [
        services.case_add_subject(actor=alice, case=first, role=SubjectRole.EMPLOYER, organisation=employer,
                                  note="Main contractor"),
        services.case_add_subject(actor=alice, case=first, role=SubjectRole.POTENTIAL_VICTIM, person=ana,
                                  ilo_indicators=[IloIndicator.DECEPTION, IloIndicator.ISOLATION]),
        services.case_add_subject(actor=alice, case=second, role=SubjectRole.SUSPECT, organisation=foreign),
        services.case_add_subject(actor=alice, case=second, role=SubjectRole.WORKER, person=dnr),
        services.case_add_subject(actor=alice, case=second, role=SubjectRole.WITNESS, person=nameless),
    ]  # fmt: skip
    return links


@pytest.mark.parametrize("in_full", [False, True], ids=["masked", "identity scope"])
def test_subject_rows_render_as_the_serializer_does_for_subjects_of_every_shape(alice, osl, in_full):
    links = _subjects_of_every_shape(alice, osl)
    queryset = CaseSubject.objects.filter(pk__in=[link.pk for link in links]).order_by("created_at")
    scopes = [IDENTITY_SCOPE] if in_full else []
    serializer_request = SimpleNamespace(auth=SimpleNamespace(scopes=scopes))
    rows_request, instances_request = (SimpleNamespace(auth=SimpleNamespace(scopes=scopes)) for _ in range(2))

    subjects = queryset.select_related("organisation", "person")
    expected = rendered(CaseSubjectSerializer(subjects, many=True, context={"request": serializer_request}).data)
    assert rendered(reads.represent_subjects(reads.subject_rows(queryset), rows_request)) == expected
    assert (
        rendered(reads.represent_subjects([reads.subject_row_of(s) for s in subjects], instances_request)) == expected
    )

    numbers = [s["person"]["id_number"] for s in expected if s["person"]]
    assert numbers[2] is None and all(numbers[:2]) and expected[1]["ilo_indicators"] == ["deception", "isolation"]
    assert ("*" in numbers[0]) != in_full  # masked without the scope, whole with it
    # The persons whose whole number went out, for the response's disclosure audit row.
    disclosed = getattr(serializer_request, "identity_disclosed", set())
    assert getattr(rows_request, "identity_disclosed", set()) == disclosed
    assert getattr(instances_request, "identity_disclosed", set()) == disclosed
    assert len(disclosed) == (2 if in_full else 0)


def test_the_api_lists_a_case_s_subjects_as_the_serializer_does(alice, osl, labour_api, make_key):
    links = _subjects_of_every_shape(alice, osl)
    _, token = make_key(scopes=["cases:read"], name="Masked system")
    for client, in_full in ((labour_api, True), (client_for(token), False)):
        for case_id in {link.case_id for link in links}:
            page, url = [], f"/api/v1/cases/{case_id}/subjects/?page_size=2"  # the second case's take two pages
            while url:
                response = client.get(url)
                assert response.status_code == 200, response.content
                page, url = page + response.json()["results"], response.json()["next"]
            subjects = CaseSubject.objects.filter(case_id=case_id).select_related("organisation", "person")
            request = SimpleNamespace(auth=SimpleNamespace(scopes=[IDENTITY_SCOPE] if in_full else []))
            expected = CaseSubjectSerializer(subjects.order_by("created_at"), many=True, context={"request": request})
            assert page == rendered(expected.data)
            assert len(page) == len(subjects) and any(s["person"] for s in page)
