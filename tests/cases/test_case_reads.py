"""The case list and detail built from rows (cases.api.reads) say exactly what CaseSerializer
says, which stays the schema's description of them."""

import json

from rest_framework.renderers import JSONRenderer

from cases import services
from cases.api import reads
from cases.api.serializers import CaseSerializer
from cases.choices import CaseOutcome, CaseStatus
from cases.models import Case
from tests.factories import case_kwargs, officer


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
