"""A subscription lives only as long as its owner's key, the key's scopes and the owner's roles.
Every way they can end stops deliveries at once: nothing more is planned for it, and what was
queued before is cancelled, not sent, whether a batch or a drain comes to it, or a batch under
way when it ended."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from agencies import services as key_services
from agencies.models import ApiKey, UnitMembership, User
from cases import services as cases
from notifications import services, webhooks
from notifications.choices import DeliveryStatus
from notifications.models import DeliveryAttempt, WebhookDelivery
from tests.cases.test_cases_api import assert_problem
from tests.conftest import client_for
from tests.factories import case_kwargs
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import delivery_ids, last_event, subscribe, system, wait_is_over
from tracker.api.scopes import SCOPES
from tracker.models import Event


def revoke(user):
    key_services.api_key_revoke(actor=None, key=user.api_key)


def expire(user):
    ApiKey.objects.filter(user=user).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


def deactivate(user):
    User.objects.filter(pk=user.pk).update(is_active=False)


def remove_unit_role(user):
    UnitMembership.objects.filter(user=user).delete()


def remove_read_scope(user):
    ApiKey.objects.filter(user=user).update(scopes=["webhooks:write", "controls:read", "referrals:read"])


ENDINGS = {
    "key revoked": (revoke, "its API key was revoked"),
    "key expired": (expire, "its API key has expired"),
    "owner deactivated": (deactivate, "its owner is deactivated"),
    "unit role removed": (remove_unit_role, "its owner may no longer see this event"),
    "read scope removed": (remove_read_scope, "lacks the cases:read scope that case.created needs"),
}


def new_case(actor, unit, title="Case"):
    case = cases.case_create(actor=actor, unit=unit, **case_kwargs(title=title))
    services.dispatch(last_event("case.created").pk)
    return case


def assert_cancelled(ids, because):
    rows = list(WebhookDelivery.objects.filter(pk__in=ids))
    assert rows and {d.status for d in rows} == {DeliveryStatus.CANCELLED}
    assert all(because in d.cancel_reason and d.cancelled_at and d.next_attempt_at is None for d in rows)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_delivery_queued_before_the_key_or_role_ended_is_never_sent(ending, alice, osl, reference):
    end, because = ENDINGS[ending]
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        new_case(alice, osl)
        (queued,) = delivery_ids(sub)
        end(sub.owner)
        out = services.deliver([queued])  # the task that was queued for it runs after the end
        assert out.delivered == [] and out.failed == []
        assert_cancelled([queued], because)
        new_case(alice, osl)  # and nothing more is planned for it
        assert delivery_ids(sub) == [queued]
    assert receiver.requests == [] and not DeliveryAttempt.objects.exists()


@pytest.mark.parametrize("ending", ENDINGS)
def test_deliveries_waiting_out_a_backoff_are_cancelled_when_the_key_or_role_ends(ending, alice, osl, reference):
    end, because = ENDINGS[ending]
    with Receiver(statuses=[503]) as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        for n in range(3):
            new_case(alice, osl, title=f"Case {n}")
        ids = delivery_ids(sub)
        assert services.deliver(ids).waiting == ids[1:]  # the first failed: the subscription backs off
        end(sub.owner)
        wait_is_over(sub)
        services.drain(sub.pk)
        assert_cancelled(ids, because)
        assert len(receiver.requests) == 1  # the failed one, before the end; nothing after


def test_revoking_a_key_cancels_what_waits_for_its_webhooks_at_once(alice, osl, reference):
    sub, _ = subscribe(system(), "https://labour.example/hook", ["case.created"])
    for n in range(2):
        new_case(alice, osl, title=f"Case {n}")
    revoke(sub.owner)
    assert_cancelled(delivery_ids(sub), "its API key was revoked")


@pytest.mark.django_db(transaction=True)
def test_a_key_revoked_while_a_batch_is_under_way_stops_its_next_send(alice, osl, reference, monkeypatch):
    monkeypatch.setattr(services.delivery, "STANDING_TTL_SECONDS", 0.0)  # re-check the owner before every send
    owner = system()

    def revoke_from_elsewhere():  # an administrator, on another connection, mid-batch
        revoke(User.objects.get(pk=owner.pk))
        connection.close()

    with Receiver(on_first=revoke_from_elsewhere) as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url, ["case.created"])
        for n in range(3):
            new_case(alice, osl, title=f"Case {n}")
        ids = delivery_ids(sub)
        out = services.deliver(ids)
    assert out.delivered == ids[:1] and out.cancelled == ids[1:]
    assert len(receiver.requests) == 1
    assert_cancelled(ids[1:], "its API key was revoked")


# --- scopes: a delivery carries what a read would show, so it needs the read scope ------


def test_every_event_type_needs_a_read_scope_that_exists():
    for event_type in webhooks.EVENT_TYPES:
        scope = webhooks.read_scope(event_type)
        assert scope in SCOPES and scope.endswith(":read"), event_type


def test_a_key_cannot_subscribe_to_events_it_may_not_read(make_key):
    _, blind = make_key(scopes=["webhooks:write"], name="Webhooks only")
    api = client_for(blind)
    body = assert_problem(
        api.post("/api/v1/webhooks/", {"url": "https://x.example/h", "event_types": ["case.created"]}, format="json"),
        400,
        "/event_types",
    )
    assert "cases:read" in body["detail"]
    assert_problem(api.post("/api/v1/webhooks/", {"url": "https://x.example/h"}, format="json"), 400, "/event_types")

    _, token = make_key(scopes=["webhooks:read", "webhooks:write", "controls:read"], name="Controls system")
    api = client_for(token)
    hook = api.post(
        "/api/v1/webhooks/", {"url": "https://x.example/h", "event_types": ["control.planned"]}, format="json"
    )
    assert hook.status_code == 201
    mixed = {"url": "https://x.example/h", "event_types": ["control.planned", "case.created", "referral.sent"]}
    body = assert_problem(api.post("/api/v1/webhooks/", mixed, format="json"), 400, "/event_types")
    assert "cases:read for case.created" in body["detail"] and "referrals:read for referral.sent" in body["detail"]
    changed = api.patch(hook["Location"], {"event_types": ["case.updated"]}, format="json")
    assert_problem(changed, 400, "/event_types")
    assert api.get(hook["Location"]).json()["event_types"] == ["control.planned"]


def test_a_subscription_to_every_type_gets_only_what_its_key_may_read(carol, alice, osl, reference):
    from controls import services as controls

    owner = system(scopes=["webhooks:write", "controls:read"])
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(owner, receiver.url)  # every type
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
        start = timezone.now() + datetime.timedelta(days=3)
        controls.control_plan(
            actor=carol, unit=osl, title="Car washes", starts_at=start, ends_at=start + datetime.timedelta(hours=2),
            agencies=["LABOUR"],
        )  # fmt: skip
        services.dispatch(last_event("control.planned").pk)
        assert {d.event.type for d in sub.deliveries.select_related("event")} == {"control.planned"}
        services.deliver(delivery_ids(sub))
        assert [e["type"] for e in receiver.applied.values()] == ["control.planned"]
    assert Event.objects.filter(type="case.created").exists()
