"""The masking walk of the pages: every page of the site (generated from the URL resolver) and
the admin, read by an officer, a coordinator, a contact point's desk officer and a superuser,
on work where a person with an identity number is a subject, a control's target, in a referral
and in the search. No page carries the whole number; a new page is walked without editing this
file, and one whose URL needs an object this file does not make fails, naming it."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agencies.choices import UnitRole
from agencies.models import NationalContactPoint, RegionalUnit
from agencies.reference_data import load_reference_data
from cases import services as cases
from cases.models import Attachment, CaseAssignment, CaseSubject, Task
from controls import services as controls
from notifications.models import Notification
from referrals import services as referrals
from tests.factories import UserFactory, identity_number, officer
from tests.web.conftest import make_work

NUMBER = identity_number(individual=100)  # the first person make_work records
READERS = ("alice", "carol", "desk", "root")


def web_routes(patterns, prefix="", namespace=""):
    """(URL name, parameters) of every page outside the API and the admin."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if str(entry.pattern).startswith(("api/", "admin/")):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from web_routes(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", tuple(entry.pattern.regex.groupindex)


ROUTES = sorted(set(web_routes(get_resolver().url_patterns)))


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        load_reference_data()
        people = {
            "alice": officer("alice", "LABOUR"),
            "bob": officer("bob", "TAX"),
            "carol": officer("carol", "POLICE", role=UnitRole.COORDINATOR),
            "dave": officer("dave", "POLICE", unit="BGO"),
            "desk": UserFactory(username="desk"),
            "root": UserFactory(username="root", agency=None, is_superuser=True, is_staff=True),
        }
        ncis = NationalContactPoint.objects.get(code="NCIS")
        ncis.desk_officers.add(people["desk"])
        osl, bgo = RegionalUnit.objects.get(code="OSL"), RegionalUnit.objects.get(code="BGO")
        work = make_work(1, **{k: people[k] for k in ("alice", "bob", "carol", "dave")}, osl=osl, bgo=bgo)
        case, person, alice = work.cases[0], work.persons[0], people["alice"]
        assert person.id_number == NUMBER
        link = CaseSubject.objects.get(case=case, person=person)
        referral = referrals.referral_create(
            actor=alice, case=case, contact_point=ncis, category="organised_crime", summary="Workers moved",
            legal_basis="akrim_regulation_3", subjects=[link],
        )  # fmt: skip
        referrals.referral_send(actor=alice, referral=referral)
        upload = SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
        cases.journal_add(actor=alice, case=case, body="Met the worker", attachments=[upload])
        tip = cases.tip_create(actor=alice, unit=osl, source="public", description="Night shifts at a car wash")
        transfer = cases.transfer_request(actor=alice, case=work.closed[0], to_unit=bgo, reason="Moved")
        feed_token = controls.calendar_feed_create(actor=alice)[1]
        values = {
            "cases": {
                "pk": case.pk, "link_pk": link.pk, "person_pk": person.pk,
                "task_pk": Task.objects.filter(case=case)[0].pk,
                "attachment_pk": Attachment.objects.filter(entry__case=case)[0].pk,
                "assignment_pk": CaseAssignment.objects.filter(case=case)[0].pk, "transfer_pk": transfer.pk,
            },
            "cases:tip": {"pk": tip.pk}, "cases:tip_merge": {"pk": tip.pk}, "cases:tip_dismiss": {"pk": tip.pk},
            "controls": {"pk": work.carried_out[0].pk, "officer_id": alice.pk, "token": feed_token},
            "referrals": {"pk": referral.pk, "action": "acknowledge"},
            "notifications": {"pk": Notification.objects.filter(recipient=alice)[0].pk, "case_pk": case.pk},
        }  # fmt: skip
        yield {"people": people, "values": values, "person": person, "case": case}
        transaction.set_rollback(True)


def url_of(world, name: str, params: tuple) -> str:
    namespace = name.split(":")[0]
    chosen = world["values"].get(name) or world["values"].get(namespace, {})
    missing = [p for p in params if p not in chosen]
    if missing:
        pytest.fail(f"{name}: the walk makes no object for {missing}; add one to the world fixture")
    return reverse(name, kwargs={p: chosen[p] for p in params})


def page_text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # What the reader typed comes back to them: in the search box, in "N hits for «…»" and in
    # links that keep the query. Only the number coming from the data would be a leak.
    echoes = rf'value="{NUMBER}"|(q|id_number)(=|%3D){NUMBER}|«{NUMBER}»'
    return re.sub(echoes, "", body.decode(errors="replace"))


@pytest.mark.parametrize("reader", READERS)
def test_no_page_carries_a_whole_identity_number(world, reader, db):
    client = Client()
    client.force_login(world["people"][reader])
    for name, params in ROUTES:
        url = url_of(world, name, params)
        for query in ({}, {"q": NUMBER, "id_number": NUMBER}):
            response = client.get(url, query)
            assert response.status_code < 500, (name, response.status_code)
            assert NUMBER not in page_text(response), (name, reader, query)


def test_the_walk_sees_the_person_where_the_number_could_leak(world, db):
    """Not vacuous: the case page, the search by the whole number and the desk show the person."""
    client = Client()
    client.force_login(world["people"]["alice"])
    case_page = client.get(reverse("cases:detail", args=[world["case"].pk])).content.decode()
    assert world["person"].name in case_page and NUMBER[:6] + " *****" in case_page
    assert world["person"].name in page_text(client.get(reverse("web:search"), {"q": NUMBER}))
    assert ("cases:reveal_number", ("pk", "person_pk")) in ROUTES


def test_no_admin_page_carries_a_whole_identity_number(world, db):
    client = Client()
    client.force_login(world["people"]["root"])
    person, case = world["person"], world["case"]
    urls = [reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist") for m in admin.site._registry]
    urls += [
        reverse("admin:cases_person_change", args=[person.pk]),
        reverse("admin:cases_case_change", args=[case.pk]),
        reverse("admin:cases_casesubject_change", args=[CaseSubject.objects.get(person=person).pk]),
    ]
    for url in urls:
        for query in ({}, {"q": NUMBER}):
            response = client.get(url, query)
            assert response.status_code < 500, url
            assert NUMBER not in page_text(response), url
