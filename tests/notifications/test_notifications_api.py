import redis
from django.conf import settings

from cases import services as cases
from tests.api.conftest import client_for
from tests.factories import case_kwargs
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import last_event, subscribe
from tracker.notifications import services
from tracker.notifications.models import DeliveryStatus, Notification, WebhookDelivery


def test_a_service_hands_its_event_to_the_broker_on_commit(alice, osl, django_capture_on_commit_callbacks):
    """Layer 2: nothing is queued before commit; one dispatch message after."""
    from config.celery_app import app

    app.control.purge()
    queue = redis.Redis.from_url(settings.REDIS_URL)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
    assert queue.llen("celery") == 0
    for callback in callbacks:
        callback()
    assert queue.llen("celery") == 1
    app.control.purge()


def test_people_read_their_notifications_through_the_api(alice, bob, osl):
    from rest_framework.test import APIClient

    cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    services.dispatch(last_event("case.created").pk)
    api = APIClient()
    api.force_login(bob)
    unread = api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert len(unread) == 1 and unread[0]["verb"] == "case.created"
    assert api.post(f"/api/v1/notifications/{unread[0]['id']}/read/").json()["read_at"]
    assert api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked_read": 0}
    alice_api = APIClient()
    alice_api.force_login(alice)
    assert alice_api.post(f"/api/v1/notifications/{unread[0]['id']}/read/").status_code == 404
    pref = api.patch("/api/v1/notifications/preferences/", {"email": "digest"}, format="json").json()
    assert pref["email"] == "digest"
    assert (
        api.patch(
            "/api/v1/notifications/preferences/",
            {"muted_cases": ["00000000-0000-0000-0000-000000000000"]},
            format="json",
        ).status_code
        == 400
    )
    assert Notification.objects.filter(recipient=bob).count() == 1


def test_a_system_reads_its_delivery_log_and_redelivers(make_key, alice, osl):
    key, token = make_key()
    api = client_for(token)
    with Receiver(statuses=[500]) as receiver:
        sub, receiver.secret = subscribe(key.user, receiver.url, ["case.created"])
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
        services.dispatch(last_event("case.created").pk)
        delivery = WebhookDelivery.objects.get(subscription=sub)
        services.deliver(delivery.pk)
        log = api.get(f"/api/v1/webhooks/{sub.pk}/deliveries/").json()["results"]
        assert log[0]["attempt_log"][0]["status_code"] == 500 and log[0]["status"] == "pending"
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)
        again = api.post(f"/api/v1/webhooks/{sub.pk}/deliveries/{delivery.pk}/redeliver/")
        assert again.status_code == 202 and again.json()["status"] == "pending"
        services.deliver(delivery.pk)
        assert len(receiver.applied) == 1
    _, other = make_key(agency="POLICE", units=("BGO",), name="Other")
    assert client_for(other).get(f"/api/v1/webhooks/{sub.pk}/deliveries/").status_code == 404
