"""The pages' access sweep, generated from the URL resolver, as the API's is.

Every page of the officers' app whose URL names an object (a case, a tip, a control, a
referral, a subject, a task, a transfer, a notification…) is requested by those who must not
reach Oslo's objects: an officer of another unit, an officer of another agency in the same
unit, and the desk officer of another contact point. Each gets 404 — on GET, and on POST for
pages that only take a POST — exactly what an unknown id gets. The lists, the home page,
the search and the notifications show them nothing of it. A new page is swept without
editing this file; one whose URL needs an object the fixture does not make fails, naming it.
"""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.models import Agency, NationalContactPoint, RegionalUnit
from cases import services as cases
from cases.choices import Visibility
from notifications.models import Notification
from tests.factories import UserFactory, officer
from tests.web.conftest import dispatch_all, make_work

NAMESPACES = ("cases", "controls", "referrals", "notifications", "web")
MARK = "Zq7Page"  # in the journal entry: no outsider's page may contain it
# (route, persona) pairs where the outsider may reach the object all the same, and why.
SHARED = {
    **{
        (name, "other_agency"): "a tip is the unit's intake, triaged by every agency of the unit"
        for name in ("cases:tip", "cases:tip_merge", "cases:tip_dismiss")
    },
}
# Values for URL parameters that are not object ids.
LITERALS = {"action": "acknowledge"}


def _routes(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", list(entry.pattern.converters)


OBJECT_ROUTES = sorted(
    (name, params)
    for name, params in _routes(get_resolver().url_patterns)
    if name.split(":")[0] in NAMESPACES and params and "token" not in params  # the calendar feed: by token
)


@pytest.fixture
def home(reference, alice, bob, carol, dave, osl, bgo):
    """Oslo's work (tests.web.conftest.make_work), a tip, a journal entry with an attachment, and
    a transfer of the case offered to Trondheim."""
    work = make_work(1, alice=alice, bob=bob, carol=carol, dave=dave, osl=osl, bgo=bgo)
    case = work.cases[0]
    pdf = SimpleUploadedFile("timesheet.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    entry = cases.journal_add(
        actor=alice, case=case, body=f"{MARK} visit", visibility=Visibility.AGENCY, attachments=[pdf]
    )
    tip = cases.tip_create(actor=alice, unit=osl, source="union", description=f"{MARK} car wash")
    transfer = cases.transfer_request(
        actor=alice, case=case, to_unit=RegionalUnit.objects.get(code="TRD"), reason="The firm moved"
    )
    dispatch_all()
    link = case.subjects.first()
    objects = {
        "case": case.pk,
        "tip": tip.pk,
        "control": work.upcoming[0].pk,  # alice is booked on it (officer_id)
        "referral": work.referrals[0].pk,
        "notification": Notification.objects.filter(recipient=alice).first().pk,
        "link_pk": link.pk,
        "attachment_pk": entry.attachments.get().pk,
        "task_pk": work.tasks[0].pk,
        "assignment_pk": case.assignments.first().pk,
        "transfer_pk": transfer.pk,
        "officer_id": alice.pk,
        "case_pk": case.pk,
        "person_pk": case.persons.get(id_number__isnull=False).pk,  # whose number can be shown
    }
    marks = {
        MARK, case.reference, case.title, work.organisations[0].organisation_number, work.persons[0].name,
        work.carried_out[0].title, work.upcoming[0].title, "Network of firms",
    }  # fmt: skip
    return objects, marks


@pytest.fixture
def outsiders(reference):
    """An officer of another unit, of another agency in Oslo, and another contact point's desk."""
    other_desk = NationalContactPoint.objects.create(
        code="LABOUR_CRIME", name="Another contact point", hosting_agency=Agency.objects.get(code="POLICE"),
        intake_email="desk@labour-crime.example",
    )  # fmt: skip
    dora = UserFactory(username="dora")
    other_desk.desk_officers.add(dora)
    return {"other_unit": officer("bernt", "POLICE", unit="BGO"), "other_agency": officer("nina", "NAV"),
            "other_desk": dora}  # fmt: skip


def url_for(name: str, params: list[str], objects: dict, unknown: bool = False) -> str:
    kwargs = {}
    for param in params:
        if param in LITERALS:
            kwargs[param] = LITERALS[param]
            continue
        key = param if param != "pk" else _object_of(name)
        if key not in objects:
            pytest.fail(f"{name}: the sweep makes no object for the URL parameter '{param}'; add one to home()")
        kwargs[param] = uuid.uuid4() if unknown else objects[key]
    return reverse(name, kwargs=kwargs)


def _object_of(name: str) -> str:
    namespace, view = name.split(":")
    if namespace == "cases":
        return "tip" if view.startswith("tip") else "case"
    return {"controls": "control", "referrals": "referral", "notifications": "notification"}[namespace]


def _ask(client, url):
    response = client.get(url)
    if response.status_code == 405:  # a page that only takes a POST: try the POST, with nothing
        response = client.post(url, {})
    return response


@pytest.mark.parametrize("persona", ["other_unit", "other_agency", "other_desk"])
def test_no_page_about_an_object_gives_an_outsider_anything(client, home, outsiders, persona):
    objects, marks = home
    client.force_login(outsiders[persona])
    problems = []
    for name, params in OBJECT_ROUTES:
        if (name, persona) in SHARED:
            continue
        url = url_for(name, params, objects)
        response = _ask(client, url)
        as_unknown = _ask(client, url_for(name, params, objects, unknown=True))
        if response.status_code != 404 or as_unknown.status_code != 404:
            problems.append(f"{name} {url}: {response.status_code} (unknown id: {as_unknown.status_code})")
        elif leaked := {m for m in marks if m in response.content.decode()}:
            problems.append(f"{name} {url}: its 404 names {sorted(leaked)}")
    assert not problems, "\n".join(problems)


def test_the_owner_reaches_every_page_of_the_sweep(client, home, alice):
    """The sweep's ids are real: the officer who made the objects reaches each page (a refusal
    by role or state is fine; not-found is not), so the outsiders' 404s mean something."""
    objects, _ = home
    client.force_login(alice)
    not_found = []
    for name, params in OBJECT_ROUTES:
        if name.startswith("referrals:desk"):  # the desk's own pages: alice is no desk officer
            continue
        if name == "cases:transfer_decide":  # the receiving unit's page
            continue
        response = _ask(client, url_for(name, params, objects))
        if response.status_code == 404 or response.status_code >= 500:
            not_found.append(f"{name}: {response.status_code}")
    assert not not_found, not_found


LISTS = ["/", "/cases/", "/cases/tips/", "/cases/transfers/", "/controls/", "/referrals/", "/notifications/",
         "/statistics/"]  # fmt: skip


@pytest.mark.parametrize("persona", ["other_unit", "other_agency", "other_desk"])
def test_no_list_search_or_dashboard_shows_an_outsider_anything(client, home, outsiders, persona):
    objects, marks = home
    client.force_login(outsiders[persona])
    problems = []
    searches = {f"/search/?q={q}": q for q in [*sorted(marks), "bjorvika", "ostby"]}
    for url in [*LISTS, *searches, "/referrals/desk/"]:
        if url == "/cases/tips/" and persona == "other_agency":
            continue  # SHARED: the unit's intake
        response = client.get(url)
        if response.status_code not in (200, 404):
            problems.append(f"{url}: {response.status_code}")
        elif leaked := {m for m in marks if m in response.content.decode()} - {searches.get(url)}:  # not the query
            problems.append(f"{url}: shows {sorted(leaked)}")
    assert not problems, "\n".join(problems)
