"""The masking walk: every API route a reader may GET, every e-mail and every webhook body, on
the sweep's home world (a person with an identity number on a case, in a referral, notified,
delivered), must carry no whole identity number to anyone who has not revealed it or holds
identity:read. Generated from the URL resolver like the access sweep: a new route is walked
without editing this file, so a new place cannot leak unnoticed."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from agencies.models import User
from notifications import emails
from notifications.choices import EmailFrequency
from notifications.models import Notification, NotificationPreference
from notifications.services import webhook_body
from tests.api.test_scoping_sweep import ROUTES, _operations, build_world, filters_for, url_for
from tracker.models import Event

GET_ROUTES = [r for r in ROUTES if "GET" in r.methods() and not r.is_public]
READERS = ("person", "key without identity:read")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        built.operations = _operations()
        built.number = next(mark for mark in built.marks if len(mark) == 11 and mark.isdigit())
        yield built
        transaction.set_rollback(True)


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace")


def _reader(world, who):
    return world.alice if who == "person" else world.without["identity:read"]


@pytest.mark.parametrize("who", READERS)
@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda r: r.name)
def test_no_api_response_carries_a_whole_identity_number(world, route, who, db):
    url = url_for(world, route)
    for query in ({}, filters_for(world, route)):
        response = _reader(world, who).get(url, query)
        assert response.status_code < 500, response.content
        assert world.number not in _text(response), (route.pattern, who, query)


def test_the_walk_reaches_the_person_and_a_key_with_identity_read_gets_it_whole(world, db):
    """The walk is not vacuous: the persons routes are walked, and they do carry the number to the scope."""
    assert {"api:person-detail", "api:person-list", "api:case-subjects"} <= {r.name for r in GET_ROUTES}
    person = world.url_values["pk"]["person"]
    assert world.home.get(f"/api/v1/persons/{person}/").json()["id_number"] == world.number
    assert world.alice.get(f"/api/v1/persons/{person}/").json()["id_number"] == world.number[:6] + " *****"


def test_no_email_or_webhook_body_carries_a_whole_identity_number(world, db):
    mail.outbox = []
    # Everyone notified wants each notification by e-mail at once, nothing muted.
    recipients = set(Notification.objects.values_list("recipient", flat=True))
    User.objects.filter(pk__in=recipients, email="").update(email="someone@labour.example")
    for user_id in recipients:
        preference, _ = NotificationPreference.objects.update_or_create(
            user_id=user_id, defaults={"email": EmailFrequency.IMMEDIATE}
        )
        preference.muted_cases.clear()
    for pk in Notification.objects.values_list("pk", flat=True):
        emails.send_immediate(pk)
    assert mail.outbox, "the home world notifies alice: she must be e-mailed"
    for message in mail.outbox:
        assert world.number not in f"{message.subject}\n{message.body}"
    for event in Event.objects.filter(pk__in=world.home_events):
        assert world.number not in webhook_body(event)
