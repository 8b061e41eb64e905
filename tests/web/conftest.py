"""Work for the home page, statistics and search to show: Oslo's, made through the services by
the personas, and a Bergen case that nobody in Oslo may see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.utils import timezone
from stdnum.no import orgnr

from agencies.models import NationalContactPoint, SanctionKind
from cases import services as cases
from cases.choices import CaseStatus
from controls import services as controls
from controls.choices import ControlStatus
from notifications import services as notifications
from referrals import services as referrals
from tests.factories import case_kwargs, identity_number
from tracker.models import Event

FINE = Decimal("25000.00")  # LABOUR's infringement fine at each carried-out control
REASSESSMENT = Decimal("120000.50")  # TAX's reassessment at each


def organisation_number(seed: int) -> str:
    """A valid (fictional) organisation number: at most one check digit fits each base."""
    base = 91_000_000 + seed * 7
    while True:
        number = next((f"{base}{d}" for d in "0123456789" if orgnr.is_valid(f"{base}{d}")), None)
        if number:
            return number
        base += 1


def dispatch_all() -> None:
    """Fan every waiting event out to people, as the worker would."""
    while (event := Event.objects.filter(dispatched_at__isnull=True).order_by("pk").first()) is not None:
        notifications.dispatch(event.pk)


@dataclass
class Work:
    cases: list = field(default_factory=list)
    closed: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    carried_out: list = field(default_factory=list)
    referrals: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    bergen_case: object = None


def make_work(n: int, *, alice, bob, carol, dave, osl, bgo) -> Work:
    """``n`` of everything in Oslo, each case with its organisation and person, a task due
    today for alice, a control ahead she is booked on, a control carried out with two findings,
    a referral sent to NCIS; one case in ``n`` closed. Then every event is dispatched."""
    work = Work()
    now = timezone.now()
    fine = SanctionKind.objects.get(agency__code="LABOUR", code="infringement-fine")
    reassessment = SanctionKind.objects.get(agency__code="TAX", code="reassessment")
    ncis = NationalContactPoint.objects.get(code="NCIS")
    for i in range(n):
        case = cases.case_create(
            actor=alice,
            unit=osl,
            **case_kwargs(title=f"Renhold i Bjørvika {i}", agencies=["LABOUR", "TAX", "POLICE"], sector="81.21"),
        )
        cases.case_assign(actor=alice, case=case, officer=alice)
        org = cases.organisation_upsert(
            actor=alice, case=case, organisation_number=organisation_number(i), name=f"Bjørke Bygg {i}"
        )
        person = cases.person_upsert(
            actor=alice, case=case, name=f"Kari Østby {i}", id_number=identity_number(individual=100 + 3 * i)
        )
        cases.case_add_subject(actor=alice, case=case, role="employer", organisation=org)
        cases.case_add_subject(actor=alice, case=case, role="worker", person=person)
        work.tasks.append(
            cases.task_create(
                actor=alice, case=case, title=f"Call the employer {i}", assignee=alice, due_on=timezone.localdate()
            )  # fmt: skip
        )
        ahead = controls.control_plan(
            actor=carol,
            unit=osl,
            title=f"Car washes in Groruddalen {i}",
            starts_at=now + datetime.timedelta(days=i + 1),
            ends_at=now + datetime.timedelta(days=i + 1, hours=4),
            agencies=["LABOUR", "TAX", "POLICE"],
            cases=[case],
        )
        controls.control_book_officer(actor=alice, control=ahead, officer=alice)
        done = controls.control_plan(
            actor=carol,
            unit=osl,
            title=f"Cleaning contractors {i}",
            starts_at=now - datetime.timedelta(hours=3),
            ends_at=now - datetime.timedelta(hours=1),
            agencies=["LABOUR", "TAX", "POLICE"],
            cases=[case],
            target_organisations=[org],
            target_persons=[person],
        )
        for step in (ControlStatus.CONFIRMED, ControlStatus.IN_PROGRESS):
            done = controls.control_transition(actor=carol, control=done, to=step)
        controls.finding_record(actor=alice, control=done, sanction_kind=fine, amount_nok=FINE, persons_count=2)
        controls.finding_record(actor=bob, control=done, sanction_kind=reassessment, amount_nok=REASSESSMENT)
        done = controls.control_transition(actor=carol, control=done, to=ControlStatus.COMPLETED)
        referral = referrals.referral_create(
            actor=alice, case=case, contact_point=ncis, category="organised_crime", summary="Network of firms",
            legal_basis="akrim_regulation_3",
        )  # fmt: skip
        work.referrals.append(referrals.referral_send(actor=alice, referral=referral))
        work.cases.append(case)
        work.organisations.append(org)
        work.persons.append(person)
        work.upcoming.append(ahead)
        work.carried_out.append(done)
    closed = cases.case_create(actor=alice, unit=osl, **case_kwargs(title="Closed cleaning case"))
    closed = cases.case_transition(actor=alice, case=closed, to=CaseStatus.CLOSED, outcome="no_basis")
    work.closed.append(closed)
    bergen = cases.case_create(
        actor=dave, unit=bgo, **case_kwargs(title="Østby fiskeforedling", lead_agency="POLICE", agencies=["POLICE"])
    )
    bergen_person = cases.person_upsert(
        actor=dave, case=bergen, name="Ola Østby", id_number=identity_number(individual=400)
    )
    bergen_org = cases.organisation_upsert(
        actor=dave, case=bergen, organisation_number=organisation_number(500), name="Bjørke Fisk"
    )
    cases.case_add_subject(actor=dave, case=bergen, role="worker", person=bergen_person)
    cases.case_add_subject(actor=dave, case=bergen, role="employer", organisation=bergen_org)
    work.bergen_case = bergen
    dispatch_all()
    return work


@pytest.fixture
def work_of(alice, bob, carol, dave, osl, bgo):
    """``work_of(n)``: Oslo's work n times over, and Bergen's one case."""
    return lambda n: make_work(n, alice=alice, bob=bob, carol=carol, dave=dave, osl=osl, bgo=bgo)


@pytest.fixture
def page_client(client):
    """The test client, signed in as the given persona."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
