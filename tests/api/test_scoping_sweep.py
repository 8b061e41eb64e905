"""The access sweep, generated from the URL resolver.

Every API route (lists, objects, nested objects, actions; every method it answers, HEAD and
OPTIONS included) is called by everyone who must not
reach the home unit's objects: keys of another unit and of another agency, people of
another unit, of another agency and of another contact point's desk (the API takes
sessions), and expired, revoked, unknown, absent and wrong-scope keys. A new route is swept
without editing this file; a route whose URL needs an object the home fixture does not make
fails, naming the route.

- An object out of reach is 404, indistinguishable from an id that does not exist.
- Bad credentials are 401 and a key without the route's scope 403, before any lookup.
- Lists, searches and filters set to the home objects' values show none of them; nothing
  the home unit owns changes; no outsider is notified of or sent a home event.

The home world is built once for the module, in a transaction rolled back at its end; each
test runs in a savepoint of it.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models, transaction
from django.urls import get_resolver, resolve, reverse
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from agencies import services as agency_services
from agencies.models import Agency, ApiKey, NationalContactPoint, RegionalUnit, User
from agencies.reference_data import load_reference_data
from cases.models import (
    Attachment,
    Case,
    CaseAssignment,
    CaseSubject,
    CaseTransfer,
    JournalEntry,
    Organisation,
    Person,
    Task,
    Tip,
)
from controls.models import ControlOfficer, Finding, JointControl
from notifications import services as notification_services
from notifications import webhooks
from notifications.choices import DeliveryStatus
from notifications.models import Notification, NotificationPreference, WebhookDelivery, WebhookSubscription
from referrals.models import Referral
from tests.conftest import NEW_CASE, client_for
from tests.controls.test_controls_api import CONTROL
from tests.factories import UserFactory, identity_number, officer
from tracker.api.routes import Route, api_routes
from tracker.api.scopes import SCOPES, required_scope
from tracker.models import Event

MARK = "Zq7Home"  # in every home object's text: no outsider's answer may contain it
ORGANISATION_NUMBER = "988077917"

ROUTES: list[Route] = [r for r in api_routes(get_resolver().url_patterns) if r.pattern.startswith("api/")]

BAD_CREDENTIALS = ("anonymous", "unknown_key", "expired_key", "revoked_key")
OUTSIDERS = ("other_unit_key", "other_agency_key", "other_unit_person", "other_agency_person", "other_desk_person")
PERSONAS = (*BAD_CREDENTIALS, "wrong_scope_key", *OUTSIDERS)

# Outsiders who may reach a route's home object all the same, and why.
SHARED = {
    ("api:unit-members", "other_agency_key"): "NAV serves in Oslo too: the unit's members are its colleagues",
    ("api:unit-members", "other_agency_person"): "NAV serves in Oslo too: the unit's members are its colleagues",
    **{
        (f"api:tip-{route}", persona): "a tip is the unit's intake, triaged by every agency of the unit"
        for route in ("detail", "promote", "merge", "dismiss")
        for persona in ("other_agency_key", "other_agency_person")
    },
}
# Query parameters that page or order a list rather than select from it.
NOT_FILTERS = {"cursor", "page_size", "ordering", "after", "limit", "format"}


def route_id(route: Route) -> str:
    return route.name.removeprefix("api:") + (".format" if "format" in route.kwargs else "")


@dataclass
class World:
    home: APIClient  # Labour's system in Oslo, every scope: it made the home objects
    alice: APIClient  # a Labour officer in Oslo: the notifications are hers
    clients: dict[str, APIClient]  # persona → client
    without: dict[str, APIClient]  # scope → a home-unit key with every scope but that one
    users: dict[str, User]  # persona → account
    url_values: dict  # URL parameter → value ("pk" and "code": per basename)
    query_values: dict  # list filter → the home objects' value ("status": per basename)
    marks: set[str]  # strings that give a home object away
    home_rows: dict[type[models.Model], list]  # what must not change
    home_events: list[int]
    operations: dict = field(default_factory=dict)  # (URL name, method) → OpenAPI operation

    def fingerprint(self) -> list:
        """Every home row as text, in one query: what must not change."""
        parts, params = [], []
        for model, pks in self.home_rows.items():
            table, pk = model._meta.db_table, model._meta.pk.column
            parts.append(f"SELECT %s, t::text FROM {table} t WHERE t.{pk}::text = ANY(%s)")
            params += [model._meta.label, [str(pk) for pk in pks]]
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2", params)
            return cursor.fetchall()


def _created(response) -> dict:
    assert response.status_code == 201, response.content
    return response.json()


def _key(name, agency, units, scopes=tuple(SCOPES)):
    key, token = agency_services.api_key_create(
        actor=None, name=name, agency=Agency.objects.get(code=agency),
        units=list(RegionalUnit.objects.filter(code__in=units)), scopes=list(scopes),
    )  # fmt: skip
    client = client_for(token)
    client.key = key
    return client


def _session(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _subscribe(client, name) -> int:
    return client.post("/api/v1/webhooks/", {"url": f"https://{name}.example/hook"}, format="json").status_code


def build_world() -> World:
    load_reference_data()
    started = timezone.now()
    alice, nina, dave = officer("alice", "LABOUR"), officer("nina", "NAV"), officer("dave", "POLICE", unit="BGO")
    other_desk = NationalContactPoint.objects.create(
        code="LABOUR_CRIME", name="Another contact point", hosting_agency=Agency.objects.get(code="POLICE"),
        intake_email="desk@labour-crime.example",
    )  # fmt: skip
    dora = UserFactory(username="dora")
    other_desk.desk_officers.add(dora)

    clients = {
        "anonymous": APIClient(),
        "unknown_key": client_for("trk_0badc0de_" + "x" * 43),
        "expired_key": _key("Expired", "LABOUR", ["OSL"]),
        "revoked_key": _key("Revoked", "LABOUR", ["OSL"]),
        "other_unit_key": _key("Bergen police", "POLICE", ["BGO"]),
        "other_agency_key": _key("NAV Oslo", "NAV", ["OSL"]),
        "other_unit_person": _session(dave),
        "other_agency_person": _session(nina),
        "other_desk_person": _session(dora),
    }
    without = {scope: _key(f"Without {scope}", "LABOUR", ["OSL"], set(SCOPES) - {scope}) for scope in SCOPES}
    # Subscribed before anything happens, as a receiver would be.
    for persona in ("other_unit_key", "other_agency_key", "expired_key", "revoked_key"):
        assert _subscribe(clients[persona], persona.replace("_", "-")) == 201
    for scope in ("cases:read", "controls:read", "referrals:read"):
        # Refusing the subscription of a key that may not read what it carries is fine too.
        assert _subscribe(without[scope], scope.replace(":", "-")) in (201, 400, 403)
    ApiKey.objects.filter(pk=clients["expired_key"].key.pk).update(expires_at=started - datetime.timedelta(days=1))
    agency_services.api_key_revoke(actor=None, key=clients["revoked_key"].key)
    first_event = Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    home = _key("Home system", "LABOUR", ["OSL"])
    hook = _created(
        home.post("/api/v1/webhooks/", {"url": "https://labour.example/zq7", "description": MARK}, format="json")
    )
    case = _created(home.post("/api/v1/cases/", {**NEW_CASE, "title": f"{MARK} car wash"}, format="json"))
    at = f"/api/v1/cases/{case['id']}"
    worker = _created(
        home.post(
            f"{at}/subjects/",
            {"role": "worker", "person": {"name": f"{MARK} Ana Popescu", "id_number": identity_number()}},
            format="json",
        )
    )
    employer = _created(
        home.post(
            f"{at}/subjects/",
            {"role": "employer", "organisation": {"organisation_number": ORGANISATION_NUMBER, "name": f"{MARK} AS"}},
            format="json",
        )
    )
    pdf = SimpleUploadedFile("timesheet.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    entry = _created(home.post(f"{at}/journal/", {"body": f"{MARK} visit", "attachments": [pdf]}, format="multipart"))
    task = _created(home.post(f"{at}/tasks/", {"title": f"{MARK} call", "assignee": str(alice.pk)}, format="json"))
    _created(home.post(f"{at}/assignees/", {"officer": str(alice.pk)}, format="json"))

    planned = home.post(
        "/api/v1/controls/", {**CONTROL, "title": f"{MARK} control", "cases": [case["id"]]}, format="json"
    )
    control = _created(planned)
    _created(home.post(f"{planned['Location']}participants/", {"officer": str(alice.pk)}, format="json"))
    etag = planned["ETag"]
    for step in ("confirmed", "in_progress"):
        moved = home.post(f"{planned['Location']}transition/", {"to": step}, format="json", HTTP_IF_MATCH=etag)
        assert moved.status_code == 200, moved.content
        etag = moved["ETag"]
    finding = _created(
        home.post(
            f"{planned['Location']}findings/",
            {"sanction_kind": "infringement-fine", "amount_nok": "75000", "persons_count": 4},
            format="json",
        )
    )
    drafted = home.post(
        "/api/v1/referrals/",
        {"case": case["id"], "contact_point": "NCIS", "category": "organised_crime", "summary": f"{MARK} summary",
         "legal_basis": "police_register_act", "subjects": [worker["id"]]},
        format="json",
    )  # fmt: skip
    referral = _created(drafted)
    sent = home.post(f"{drafted['Location']}send/", format="json", HTTP_IF_MATCH=drafted["ETag"])
    assert sent.status_code == 200, sent.content
    # A tip of the unit's intake, merged into the case; and the case offered to Trondheim.
    tip = _created(
        home.post("/api/v1/tips/", {"unit": "OSL", "source": "union", "description": "Car wash"}, format="json")
    )
    merged = home.post(f"/api/v1/tips/{tip['id']}/merge/", {"case": case["id"]}, format="json")
    assert merged.status_code == 200, merged.content
    transfer = _created(
        home.post(
            "/api/v1/transfers/", {"case": case["id"], "to_unit": "TRD", "reason": f"{MARK} moved"}, format="json"
        )
    )
    alice_client = _session(alice)
    muted = alice_client.patch("/api/v1/notifications/preferences/", {"muted_cases": [case["id"]]}, format="json")
    assert muted.status_code == 200, muted.content

    # Fan the events out as the worker would: notifications and webhook deliveries.
    for pk in Event.objects.filter(dispatched_at__isnull=True).order_by("pk").values_list("pk", flat=True):
        notification_services.dispatch(pk)
    home_events = list(Event.objects.filter(pk__gt=first_event).values_list("pk", flat=True))
    notification = Notification.objects.filter(recipient=alice, event_id__in=home_events).first()
    delivery = WebhookDelivery.objects.filter(subscription_id=hook["id"]).first()
    assert notification is not None and delivery is not None, "the home fixture must notify alice and its hook"

    db_case = Case.objects.get(pk=case["id"])
    home_rows = {
        Case: [db_case.pk],
        CaseSubject: [worker["id"], employer["id"]],
        Person: [worker["person"]["id"]],
        Organisation: [employer["organisation"]["id"]],
        JournalEntry: [entry["id"]],
        Attachment: list(Attachment.objects.filter(entry_id=entry["id"]).values_list("pk", flat=True)),
        Task: [task["id"]],
        CaseAssignment: list(CaseAssignment.objects.filter(case=db_case).values_list("pk", flat=True)),
        JointControl: [control["id"]],
        ControlOfficer: list(ControlOfficer.objects.filter(control_id=control["id"]).values_list("pk", flat=True)),
        Finding: [finding["id"]],
        Referral: [referral["id"]],
        Tip: [tip["id"]],
        CaseTransfer: [transfer["id"]],
        WebhookSubscription: [hook["id"]],
        WebhookDelivery: list(WebhookDelivery.objects.filter(subscription_id=hook["id"]).values_list("pk", flat=True)),
        Notification: list(Notification.objects.filter(recipient=alice).values_list("pk", flat=True)),
        NotificationPreference: list(NotificationPreference.objects.filter(user=alice).values_list("pk", flat=True)),
    }
    assert all(home_rows.values()), home_rows
    marks = {MARK, db_case.reference, ORGANISATION_NUMBER, worker["person"]["id_number"]}
    # A tip belongs to the unit's intake, which every agency of the unit triages: its id is no secret
    # there, the case it went into is (the tip names it only to those who see the case).
    marks |= {str(pk) for model, pks in home_rows.items() if model is not Tip for pk in pks if _is_uuid(pk)}
    marks |= {str(u) for u in Event.objects.filter(pk__in=home_events).values_list("uuid", flat=True)}

    users = {persona: c.key.user for persona, c in clients.items() if hasattr(c, "key")}
    users |= {"other_unit_person": dave, "other_agency_person": nina, "other_desk_person": dora}
    users |= {f"without {scope}": c.key.user for scope, c in without.items()}
    return World(
        home=home,
        alice=alice_client,
        clients=clients,
        without=without,
        users=users,
        url_values={
            "pk": {
                "case": case["id"],
                "organisation": employer["organisation"]["id"],
                "person": worker["person"]["id"],
                "control": control["id"],
                "referral": referral["id"],
                "tip": tip["id"],
                "transfer": transfer["id"],
                "webhook": hook["id"],
                "webhook-delivery": str(delivery.pk),
                "notification": str(notification.pk),
            },
            "code": {"agency": "LABOUR", "unit": "OSL", "contact-point": "NCIS"},
            "subject_id": worker["id"],
            "officer_id": str(alice.pk),
            "task_id": task["id"],
            "attachment_id": entry["attachments"][0]["id"],
            "subscription_pk": hook["id"],
            "format": "json",
        },  # fmt: skip
        query_values={
            "search": MARK,
            "unit": "OSL",
            "agency": "LABOUR",
            "lead_agency": "LABOUR",
            "assignee": str(alice.pk),
            "offence": "wages",
            "priority": db_case.priority,
            "sector": db_case.sector,
            "source": {"case": db_case.source, "tip": "union"},
            "from_unit": "OSL",
            "to_unit": "TRD",
            "received_after": db_case.received_on.isoformat(),
            "received_before": db_case.received_on.isoformat(),
            "updated_after": (started - datetime.timedelta(hours=1)).isoformat(),
            "starts_after": CONTROL["starts_at"],
            "starts_before": CONTROL["ends_at"],
            "case": case["id"],
            "contact_point": "NCIS",
            "organisation_number": ORGANISATION_NUMBER,
            "id_number": worker["person"]["id_number"],
            "unread": "true",
            # The audit trail: the row of the home key recording the worker on the home case.
            "person": home.key.user.username,
            "subject": worker["person"]["id"],
            "action": "person.create",
            "since": (started - datetime.timedelta(hours=1)).isoformat(),
            "until": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
            "status": {
                "case": db_case.status,
                "control": "in_progress",
                "referral": "sent",
                "tip": "merged",
                "transfer": "pending",
            },
        },  # fmt: skip
        marks=marks,
        home_rows=home_rows,
        home_events=home_events,
    )


def _operations() -> dict:
    """The OpenAPI operation of each (URL name, method), to know each list's filters."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {}
    for path, methods in schema["paths"].items():
        match = resolve(path.replace("{", "").replace("}", "x1"))  # any value fits every parameter's pattern
        for method, operation in methods.items():
            operations[(match.view_name, method.upper())] = operation
    return operations


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.operations = _operations()
        yield built
        transaction.set_rollback(True)


def test_an_admin_creates_a_key_shown_once(client, root, reference):
    client.force_login(root)
    customs = Agency.objects.get(code="CUSTOMS")
    osl = RegionalUnit.objects.get(code="OSL")
    response = client.post(
        "/admin/agencies/apikey/add/",
        {
            "name": "Customs system",
            "agency": customs.pk,
            "units": [osl.pk],
            "scopes": ["cases:read"],
            "expires_at_0": "2030-01-01",
            "expires_at_1": "00:00:00",
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"] if "trk_" in str(m)]
    assert len(shown) == 1
    token = shown[0].rsplit(" ", 1)[-1]
    assert client_for(token).get("/api/v1/cases/").status_code == 200
    key = ApiKey.objects.get(name="Customs system")
    assert token not in key.digest and key.user.agency == customs
    listing = client.get("/admin/agencies/apikey/")
    assert token not in listing.content.decode()


def test_expired_idempotency_records_are_purged(labour_api):
    from tracker.api.idempotency import RETENTION
    from tracker.models import IdempotencyRecord
    from tracker.tasks import purge_idempotency_records

    labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    labour_api.post("/api/v1/cases/", NEW_CASE, format="json", HTTP_IDEMPOTENCY_KEY="fresh")
    IdempotencyRecord.objects.filter(key="old").update(created_at=timezone.now() - RETENTION * 2)
    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]


# --- building requests ----------------------------------------------------------------


def _basename(route: Route) -> str:
    return getattr(route.callback, "initkwargs", {}).get("basename") or route.name


def _is_object_route(route: Route) -> bool:
    return any(name != "format" for name in route.kwargs)


def url_for(world: World, route: Route, *, unknown: bool = False) -> str:
    """The route's URL for the home objects, or (``unknown``) for ids and codes nobody has."""
    kwargs = {}
    for name in route.kwargs:
        value = world.url_values.get(name)
        if isinstance(value, dict):
            value = value.get(_basename(route))
        if value is None:
            pytest.fail(
                f"{route.pattern}: the sweep's home fixture makes no object for the URL parameter '{name}' of "
                f"'{_basename(route)}'; add one to build_world()"
            )
        if unknown and name != "format":
            value = str(uuid.uuid4()) if _is_uuid(value) else "NO_SUCH_CODE"
        kwargs[name] = value
    return reverse(route.name, kwargs=kwargs)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def filters_for(world: World, route: Route) -> dict:
    """Every filter the route's GET documents, set to select the home objects."""
    operation = world.operations.get((route.name, "GET"), {})
    query = {}
    for parameter in operation.get("parameters", []):
        name = parameter["name"]
        if parameter["in"] != "query" or name in NOT_FILTERS:
            continue
        value = world.query_values.get(name)
        if isinstance(value, dict):
            value = value.get(_basename(route))
        if value is None:
            pytest.fail(f"{route.pattern}: the sweep has no home value for the filter '{name}'; add one")
        query[name] = value
    return query


def call(client: APIClient, method: str, url: str, query: dict | None = None):
    if method in ("GET", "HEAD", "OPTIONS"):
        return getattr(client, method.lower())(url, query or {})
    body = None if method == "DELETE" else {}
    return getattr(client, method.lower())(url, body, format="json", HTTP_IF_MATCH='"1"')


def client_of(world: World, persona: str, route: Route, method: str) -> APIClient:
    if persona != "wrong_scope_key":
        return world.clients[persona]
    scope = None if route.is_public else required_scope(route.view(method), method)
    return world.without[scope or "cases:read"]


def gives_away(world: World, response) -> set[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content  # CSV is streamed
    text = body.decode(errors="replace")
    return {mark for mark in world.marks if mark in text}


# --- the sweep --------------------------------------------------------------------------


def expectation(route: Route, method: str, persona: str) -> str:
    if persona in BAD_CREDENTIALS:
        return "200" if route.is_public and persona == "anonymous" else "401"
    if route.is_public:
        return "200"
    scope = required_scope(route.view(method), method)
    if persona == "wrong_scope_key":
        return "403" if scope else "200"
    if scope is None:
        return "200"  # reference data: codes and names every system needs
    if not _is_object_route(route) or (route.name, persona) in SHARED:
        return "own"  # only the caller's own things
    return "unknown" if method == "OPTIONS" else "404"


def check(world: World, route: Route, method: str, persona: str) -> list[str]:
    client = client_of(world, persona, route, method)
    url = url_for(world, route)
    response = call(client, method, url)
    where = f"{method} {url} as {persona}"
    expected = expectation(route, method, persona)
    problems = []
    if expected == "own":
        # A role may refuse a write (existence is not at stake); it may not fail to find or fail.
        refused = (401, 404) if method not in ("GET", "HEAD", "OPTIONS") else (401, 403, 404)
        if response.status_code >= 500 or response.status_code in refused:
            problems.append(f"{where}: {response.status_code}, expected an answer about the caller's own things")
    elif expected == "unknown":
        pass  # compared below with the answer for an unknown id
    elif str(response.status_code) != expected:
        problems.append(f"{where}: {response.status_code}, expected {expected}: {response.content[:300]!r}")
    if expected in ("401", "403", "404") and method != "HEAD" and response.status_code >= 400:
        if response["Content-Type"] != "application/problem+json":
            problems.append(f"{where}: {response['Content-Type']}, expected application/problem+json")
    if expected in ("403", "404", "unknown") and _is_object_route(route):
        # Whether the object exists must make no difference to the answer.
        other = call(client, method, url_for(world, route, unknown=True))
        if (other.status_code, other.content) != (response.status_code, response.content):
            problems.append(f"{where}: {response.status_code} {response.content[:200]!r}, but for an unknown id "
                            f"{other.status_code} {other.content[:200]!r}")  # fmt: skip
    if expected == "403" and method != "HEAD" and response.status_code == 403:
        needed = required_scope(route.view(method), method)
        if needed not in response.json()["detail"]:
            problems.append(f"{where}: the 403 does not name the scope '{needed}'")
    if persona not in BAD_CREDENTIALS and (leaked := gives_away(world, response)):
        problems.append(f"{where}: the answer gives away home objects: {sorted(leaked)}")
    if method == "GET" and expected == "own" and not _is_object_route(route):
        query = filters_for(world, route)
        filtered = call(client, method, url, query)
        if filtered.status_code != 200 or gives_away(world, filtered):
            problems.append(f"{where} filtered by {query}: {filtered.status_code} {filtered.content[:300]!r}")
    return problems


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_no_route_gives_an_outsider_anything_of_the_home_unit(world, db, route, persona):
    writes = any(m not in ("GET", "HEAD", "OPTIONS") for m in route.methods())
    before = world.fingerprint() if writes and persona not in BAD_CREDENTIALS else None
    problems = [problem for method in route.methods() for problem in check(world, route, method, persona)]
    assert not problems, "\n".join(problems)
    if before is not None:
        assert world.fingerprint() == before, f"{route.pattern} as {persona} changed the home unit's objects"


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_the_home_unit_reaches_every_route_with_the_sweep_s_objects(world, db, route):
    """The sweep's ids are real: those who own the objects reach them on every route and
    method, and its filters select them (a 404 for outsiders would otherwise prove nothing)."""
    client = world.alice if _basename(route) == "notification" else world.home
    url = url_for(world, route)
    for method in route.methods():
        with transaction.atomic():  # writes are tried, then undone: the world is shared
            response = call(client, method, url)
            transaction.set_rollback(True)
        if method in ("GET", "HEAD", "OPTIONS"):
            assert response.status_code == 200, (method, url, response.content[:300])
        else:  # refusals by role (a sender cannot accept its own referral) are fine; not-found is not
            assert response.status_code not in (401, 404) and response.status_code < 500, (method, url, response)
    public = route.is_public or required_scope(route.view("GET"), "GET") is None
    if "GET" in route.methods() and not _is_object_route(route) and not public:
        query = filters_for(world, route)
        listed = client.get(url, query)
        assert listed.status_code == 200 and gives_away(world, listed), (url, query, listed.content[:300])


NOTIFIED = ("other_unit_person", "other_agency_person", "other_desk_person")
SUBSCRIBED = ("other_unit_key", "other_agency_key")
# Keys whose subscriptions must stop (issue 8, classes 1 and 5, delivery side).
ENDED_OR_NARROW = (
    "expired_key", "revoked_key", "without cases:read", "without controls:read", "without referrals:read",
)  # fmt: skip


@pytest.mark.parametrize("persona", [*NOTIFIED, *SUBSCRIBED, *ENDED_OR_NARROW])
def test_no_outsider_is_notified_of_or_sent_a_home_event(world, db, persona):
    user = world.users[persona]
    assert not Notification.objects.filter(recipient=user, event_id__in=world.home_events).exists()
    events = Event.objects.filter(pk__in=world.home_events)
    if persona.startswith("without "):  # a narrow key: only the events it may not read
        lacking = persona.removeprefix("without ")
        events = [e.pk for e in events if read_scope_of(e.type) == lacking]
        assert events, f"the home fixture makes no event that needs {lacking}"
    sent = WebhookDelivery.objects.filter(
        subscription__owner=user,
        event_id__in=events,
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.DELIVERED],
    )
    assert not sent.exists(), f"{persona} is sent {sent.count()} home events"
    if persona in SUBSCRIBED:  # and its own deliveries list shows none
        hook = WebhookSubscription.objects.get(owner=user)
        listed = world.clients[persona].get(f"/api/v1/webhooks/{hook.pk}/deliveries/")
        assert listed.status_code == 200 and not gives_away(world, listed)


def read_scope_of(event_type: str) -> str:
    """The scope a key needs to read what an event carries: the deliveries' own rule."""
    scope = webhooks.read_scope(event_type)
    if scope is None:
        pytest.fail(f"No read scope is known for '{event_type}' events (notifications.webhooks.read_scope)")
    return scope


def test_the_sweep_takes_every_route_of_the_api_router():
    from config.api_router import nested_routes, router

    registered = {f"api:{url.name}" for url in [*router.urls, *nested_routes]} | {
        "api:events",
        "api:schema",
        "api:docs",
    }
    assert {route.name for route in ROUTES} == registered


def test_a_route_the_home_fixture_cannot_fill_fails_the_sweep_naming_it(world, db):
    case_route = next(r for r in ROUTES if r.name == "api:case-detail")
    new = Route(
        pattern="api/v1/^cases/(?P<pk>[^/.]+)/exhibits/(?P<exhibit_id>[^/]+)/$",
        name="api:case-exhibit", callback=case_route.callback, kwargs=("pk", "exhibit_id"),
    )  # fmt: skip
    with pytest.raises(pytest.fail.Exception, match=r"exhibits/.*'exhibit_id'"):
        url_for(world, new)


def test_the_fingerprint_sees_any_change_to_a_home_object(world, db):
    before = world.fingerprint()
    Case.objects.filter(pk__in=world.home_rows[Case]).update(priority="low")
    assert world.fingerprint() != before
