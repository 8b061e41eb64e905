"""A small Oslo world for the control pages: a case with an organisation and a person on it,
and a joint control serving it. Used by the page tests and the browser journey."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cases import services as case_services
from cases.choices import SubjectRole
from controls import services
from tests.factories import case_kwargs

ORG_NUMBER = "974760673"


def day_after_tomorrow(hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=2)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def oslo_case(
    alice,
    osl,
    *,
    title="Bjørke Bygg: workers paid below the tariff",
    agencies=("LABOUR", "TAX"),
    org=(ORG_NUMBER, "Bjørke Bygg AS"),
    person="Ola Østby",
):
    """A case (led by the first agency) with an organisation and a worker on it."""
    kwargs = case_kwargs(lead_agency=agencies[0], agencies=list(agencies), title=title)
    case = case_services.case_create(actor=alice, unit=osl, **kwargs)
    org = case_services.organisation_upsert(
        actor=alice,
        case=case,
        organisation_number=org[0],
        name=org[1],
        address="Storgata 1",
        postcode="0155",
        city="Oslo",
    )
    person = case_services.person_upsert(actor=alice, case=case, name=person, date_of_birth=datetime.date(1990, 5, 17))
    case_services.case_add_subject(actor=alice, case=case, role=SubjectRole.SUSPECT, organisation=org)
    case_services.case_add_subject(actor=alice, case=case, role=SubjectRole.WORKER, person=person)
    return case, org, person


def plan(actor, unit, *, title="Night control, Grønland", start=None, hours=4, agencies=("LABOUR", "TAX"), **kw):
    start = start or day_after_tomorrow(18)
    kw.setdefault("sites", [{"address": "Grønlandsleiret 1", "name": "Kebab house"}])
    return services.control_plan(
        actor=actor,
        unit=unit,
        title=title,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=hours),
        agencies=list(agencies),
        **kw,
    )
