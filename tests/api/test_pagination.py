"""Cursor walks, for every list endpoint and every ordering it documents (read from the schema).

Rows are given only two distinct values of each field the list is ordered by (two dates, two
priorities…), so that most of each page is a tie: a walk must still yield every row once, in
the database's order with the primary key as tie-breaker, forwards and backwards, and rows
created while a walk is under way must not make it repeat or skip any row that was there.
"""

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.db import models
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from agencies.models import Agency, NationalContactPoint, RegionalUnit, SanctionKind, User
from cases import services as case_services
from cases.models import Case, CaseSubject, CaseTransfer, JournalEntry, Organisation, Person, Task, Tip
from controls.models import ControlOfficer, Finding, JointControl
from notifications.models import Notification, WebhookDelivery, WebhookSubscription
from referrals.models import Referral
from tests.factories import case_kwargs, officer
from tracker.api.base import CURSOR_SALT
from tracker.models import AuditEntry, Event

ROWS = 10
PAGE = 3
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
counter = itertools.count()


@dataclass
class World:
    root: User
    alice: User
    carol: User
    osl: RegionalUnit
    case: Case
    control: JointControl
    subscription: WebhookSubscription


def _event(w: World) -> Event:
    return Event.objects.create(type="case.updated", unit=w.osl, agencies=["LABOUR"], object_type="cases.case",
                                object_id=str(w.case.pk))  # fmt: skip


def _subject(w: World, **target) -> CaseSubject:
    return CaseSubject.objects.create(case=w.case, role="suspect", **target)


# Per list: the rows it shows the platform superuser, the field that identifies a row in the
# response and in the database, and how to add one row.
@dataclass
class Spec:
    rows: Any  # World -> QuerySet
    make: Any  # World -> None
    key: str = "id"
    db_key: str = "pk"
    # Append-only rows (the audit trail) cannot be tied by an UPDATE: ``make`` writes them tied.
    append_only: bool = False


LABOUR = lambda: Agency.objects.get(code="LABOUR")  # noqa: E731


def _audit_row(w: World) -> None:
    """An audit row at one of the two tied times, by SQL: the ORM stamps ``at`` itself, and the
    table refuses the UPDATE that ties the other lists' rows."""
    from django.db import connection

    at = TIES[models.DateTimeField][next(counter) % 2]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracker_auditentry (at, request_id, client_request_id, action, object_type, object_id,"
            " object_repr) VALUES (%s, '', '', 'case.view', 'cases.case', %s, 'Walk')",
            [at, str(w.case.pk)],
        )


SPECS = {
    "/api/v1/agencies/": Spec(
        rows=lambda w: Agency.objects.filter(is_active=True),
        key="code",
        db_key="code",
        make=lambda w: Agency.objects.create(code=f"WALK{next(counter)}", name="Walk agency", kind="police"),
    ),
    "/api/v1/units/": Spec(
        rows=lambda w: RegionalUnit.objects.filter(is_active=True),
        key="code",
        db_key="code",
        make=lambda w: RegionalUnit.objects.create(code=f"W{next(counter)}", name="Walk unit"),
    ),
    "/api/v1/contact-points/": Spec(
        rows=lambda w: NationalContactPoint.objects.filter(is_active=True),
        key="code",
        db_key="code",
        make=lambda w: NationalContactPoint.objects.create(
            code=f"WALK{next(counter)}", name="Walk desk", hosting_agency=LABOUR(), intake_email="desk@x.example"
        ),
    ),
    "/api/v1/units/{code}/members/": Spec(
        rows=lambda w: User.objects.filter(memberships__unit=w.osl, is_active=True).distinct(),
        make=lambda w: officer(f"walker{next(counter)}", "TAX"),
    ),
    "/api/v1/cases/": Spec(
        rows=lambda w: Case.objects.all(),
        make=lambda w: case_services.case_create(actor=w.alice, unit=w.osl, **case_kwargs(title="Walked")),
    ),
    "/api/v1/organisations/": Spec(
        rows=lambda w: Organisation.objects.filter(case_links__isnull=False).distinct(),
        make=lambda w: _subject(
            w, organisation=Organisation.objects.create(case=w.case, name=f"Walk AS {next(counter)}")
        ),
    ),
    "/api/v1/persons/": Spec(
        rows=lambda w: Person.objects.filter(case_links__isnull=False).distinct(),
        make=lambda w: _subject(w, person=Person.objects.create(case=w.case, name=f"Walker {next(counter)}")),
    ),
    "/api/v1/cases/{id}/subjects/": Spec(
        rows=lambda w: w.case.subjects.all(),
        make=lambda w: _subject(w, person=Person.objects.create(case=w.case, name=f"Subject {next(counter)}")),
    ),
    "/api/v1/cases/{id}/journal/": Spec(
        rows=lambda w: JournalEntry.objects.filter(case=w.case),
        make=lambda w: JournalEntry.objects.create(case=w.case, author=w.alice, agency=LABOUR(), body="Walk"),
    ),
    "/api/v1/cases/{id}/tasks/": Spec(
        rows=lambda w: w.case.tasks.all(),
        make=lambda w: Task.objects.create(case=w.case, title="Walk", created_by=w.alice),
    ),
    "/api/v1/controls/": Spec(
        rows=lambda w: JointControl.objects.all(),
        make=lambda w: JointControl.objects.create(
            unit=w.osl,
            title="Walk",
            starts_at=timezone.now(),
            ends_at=timezone.now() + datetime.timedelta(hours=2),
            created_by=w.carol,
        ),
    ),  # fmt: skip
    "/api/v1/controls/{id}/participants/": Spec(
        rows=lambda w: ControlOfficer.objects.filter(control=w.control),
        key="officer",
        db_key="officer_id",
        make=lambda w: ControlOfficer.objects.create(
            control=w.control,
            officer=(o := officer(f"booked{next(counter)}", "LABOUR")),
            agency=o.agency,
            booked_by=w.carol,
        ),
    ),  # fmt: skip
    "/api/v1/controls/{id}/findings/": Spec(
        rows=lambda w: Finding.objects.filter(control=w.control),
        make=lambda w: Finding.objects.create(
            control=w.control,
            agency=LABOUR(),
            sanction_kind=SanctionKind.objects.filter(agency=LABOUR()).first(),
            recorded_by=w.alice,
        ),
    ),  # fmt: skip
    "/api/v1/referrals/": Spec(
        rows=lambda w: Referral.objects.all(),
        make=lambda w: Referral.objects.create(
            case=w.case,
            contact_point=NationalContactPoint.objects.get(code="NCIS"),
            category="organised_crime",
            summary="Walk",
            legal_basis="police_register_act",
            created_by=w.alice,
        ),
    ),  # fmt: skip
    "/api/v1/tips/": Spec(
        rows=lambda w: Tip.objects.all(),
        make=lambda w: Tip.objects.create(unit=w.osl, source="public", received_at=timezone.now(), description="Walk"),
    ),
    "/api/v1/transfers/": Spec(
        rows=lambda w: CaseTransfer.objects.all(),
        # Decided: a case has one pending transfer at most.
        make=lambda w: CaseTransfer.objects.create(
            case=w.case,
            from_unit=w.osl,
            to_unit=RegionalUnit.objects.get(code="BGO"),
            reason="Walk",
            requested_by=w.alice,
            status="refused",
        ),
    ),  # fmt: skip
    "/api/v1/webhooks/": Spec(
        rows=lambda w: WebhookSubscription.objects.filter(owner=w.root),
        make=lambda w: WebhookSubscription.objects.create(
            owner=w.root, url="https://walk.example/h", secret_encrypted="-"
        ),
    ),
    "/api/v1/webhooks/{subscription_pk}/deliveries/": Spec(
        rows=lambda w: WebhookDelivery.objects.filter(subscription=w.subscription),
        make=lambda w: WebhookDelivery.objects.create(subscription=w.subscription, event=_event(w)),
    ),
    "/api/v1/audit/": Spec(rows=lambda w: AuditEntry.objects.all(), make=_audit_row, append_only=True),
    "/api/v1/notifications/": Spec(
        rows=lambda w: Notification.objects.filter(recipient=w.root),
        make=lambda w: Notification.objects.create(recipient=w.root, event=_event(w), verb="updated", title="Walk"),
    ),
}


def documented_lists() -> dict[str, list[str | None]]:
    """Every GET whose response is a cursor page, with the orderings its `ordering` parameter
    documents (None: the list's own order)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    lists = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or not any(p["name"] == "cursor" for p in get.get("parameters", [])):
            continue
        ordering = next((p for p in get["parameters"] if p["name"] == "ordering"), None)
        lists[path] = [None, *(ordering["schema"]["items"]["enum"] if ordering else [])]
    return lists


LISTS = documented_lists()
CASES = [(path, ordering) for path, orderings in LISTS.items() for ordering in orderings]


def test_every_paginated_list_in_the_schema_is_walked_here():
    assert set(LISTS) == set(SPECS)
    assert LISTS["/api/v1/cases/"][1:] == [
        "received_on", "-received_on", "created_at", "-created_at", "updated_at", "-updated_at",
        "reference", "-reference", "priority", "-priority",
    ]  # fmt: skip


@pytest.fixture
def world(reference, alice, carol, osl, root, labour_case) -> World:
    control = JointControl.objects.create(
        unit=osl, title="Walked control", created_by=carol,
        starts_at=timezone.now(), ends_at=timezone.now() + datetime.timedelta(hours=3),
    )  # fmt: skip
    subscription = WebhookSubscription.objects.create(owner=root, url="https://walk.example/", secret_encrypted="-")
    return World(root, alice, carol, osl, labour_case, control, subscription)


def url_for(path: str, w: World) -> str:
    """``path`` with its parameters filled: the world's objects, a well-formed unknown id for others."""
    resource = path.split("/")[3]
    own = {"cases": w.case.pk, "controls": w.control.pk, "webhooks": w.subscription.pk}
    values = defaultdict(lambda: UNKNOWN_ID, code=w.osl.code, subscription_pk=w.subscription.pk)
    values["id"] = own.get(resource, UNKNOWN_ID)
    return path.format_map(values)


def cursor_of(link: str) -> dict:
    return signing.loads(parse_qs(urlsplit(link).query)["cursor"][0], salt=CURSOR_SALT)


TIES = {
    # Recent, a day apart: a control's window (ends_at stays) must still be under a week long.
    models.DateTimeField: [timezone.now().replace(microsecond=0) - datetime.timedelta(days=d) for d in (2, 1)],
    models.DateField: [datetime.date(2026, 3, day) for day in (1, 2)],
}


def tie_values(field) -> list | None:
    """Two values many rows will share, or None for a field whose values are unique."""
    if field.primary_key or field.unique:
        return None
    if field.choices:
        return [value for value, _ in field.choices][:2]
    return next((values for kind, values in TIES.items() if isinstance(field, kind)), None)


def make_ties(rows, terms: list[str]) -> None:
    """Give the rows only two values of each ordering field, alternating by primary key."""
    model = rows.model
    pks = list(rows.order_by("pk").values_list("pk", flat=True))
    for term in terms:
        name = term.lstrip("-")
        values = None if name == "pk" else tie_values(model._meta.get_field(name))
        for index, value in enumerate(values or []):
            model.objects.filter(pk__in=pks[index::2]).update(**{name: value})


def walk(client, url: str, key: str, params=None, *, between_pages=lambda: None, direction="next") -> list[str]:
    """Follow the links from the page at ``url``: the rows' keys in the order served."""
    keys, response = [], client.get(url, params or {})
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows = body["results"] if direction == "next" else reversed(body["results"])
        keys.extend(str(row[key]) for row in rows)
        if body[direction] is None:
            return keys
        between_pages()
        response = client.get(body[direction])


def last_page_link(client, url, params) -> str:
    body = client.get(url, params).json()
    while body["next"]:
        link, body = body["next"], client.get(body["next"]).json()
    return link


def tied_list(world, path, ordering):
    """The list at ``path`` with ROWS more rows, tied on each field it is ordered by (learnt
    from its own cursor); what a walk needs: the spec, a client, the URL, its parameters and
    the ordering terms."""
    spec = SPECS[path]
    for _ in range(ROWS):
        spec.make(world)
    client = APIClient()
    client.force_authenticate(world.root)
    url, params = url_for(path, world), {"page_size": PAGE, **({"ordering": ordering} if ordering else {})}
    terms = cursor_of(client.get(url, params).json()["next"])["ordering"]
    assert terms[-1].lstrip("-") == "pk" and (ordering is None or terms[0] == ordering)
    assert terms[-1].startswith("-") == terms[0].startswith("-")  # the tie-breaker follows the first field
    if not spec.append_only:
        make_ties(spec.rows(world), terms)
    return spec, client, url, params, terms


@pytest.mark.parametrize(("path", "ordering"), CASES, ids=[f"{p} {o or '(default)'}" for p, o in CASES])
def test_a_walk_yields_every_row_once_in_order_despite_ties(world, path, ordering):
    spec, client, url, params, terms = tied_list(world, path, ordering)
    rows = spec.rows(world)
    forward = walk(client, url, spec.key, params)
    expected = [str(k) for k in rows.order_by(*terms).values_list(spec.db_key, flat=True)]
    assert len(set(forward)) == len(forward)
    assert forward == expected

    # Backwards from the last page, through the `previous` links: the same rows, reversed.
    last = last_page_link(client, url, params)
    backward = walk(client, last, spec.key, direction="previous")
    assert backward == list(reversed(expected))


@pytest.mark.parametrize(("path", "ordering"), CASES, ids=[f"{p} {o or '(default)'}" for p, o in CASES])
def test_rows_created_during_a_walk_make_it_neither_repeat_nor_skip(world, path, ordering):
    spec, client, url, params, terms = tied_list(world, path, ordering)
    rows = spec.rows(world)
    before = {str(k) for k in rows.values_list(spec.db_key, flat=True)}
    model = rows.model

    def insert_into_the_ties():
        # Two new rows per page, with the tie values the existing rows have: they sort among them.
        for index in range(2):
            if spec.append_only:  # written tied
                spec.make(world)
                continue
            existing = set(model.objects.values_list("pk", flat=True))
            spec.make(world)
            (new,) = set(model.objects.values_list("pk", flat=True)) - existing
            for term in terms:
                name = term.lstrip("-")
                values = None if name == "pk" else tie_values(model._meta.get_field(name))
                if values:
                    model.objects.filter(pk=new).update(**{name: values[index]})

    walked = walk(client, url, spec.key, params, between_pages=insert_into_the_ties)
    assert len(set(walked)) == len(walked), "a row came twice"
    assert before <= set(walked), f"skipped: {before - set(walked)}"
