import base64
import datetime
import json

import redis
from django.conf import settings
from django.utils import timezone

from cases import services as cases
from notifications import services, wakeup
from notifications.choices import DeliveryStatus, EmailFrequency
from notifications.models import Notification, NotificationPreference, WebhookDelivery
from tests.conftest import client_for
from tests.factories import case_kwargs, officer
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import delivery_ids, last_event, subscribe, system, wait_is_over


def test_a_service_hands_its_event_to_the_broker_on_commit(alice, osl, django_capture_on_commit_callbacks):
    """Layer 2: nothing is queued before commit; one dispatch message after."""
    from config.celery_app import app

    app.control.purge()
    wakeup.clear()
    queue = redis.Redis.from_url(settings.REDIS_URL)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
    assert queue.llen("dispatch") == 0
    for callback in callbacks:
        callback()
    assert queue.llen("dispatch") == 1  # the dispatch queue (CELERY_TASK_ROUTES)
    app.control.purge()


def queued_tasks() -> list[tuple[str, list]]:
    """The tasks waiting in the broker, oldest first in each queue: (name, positional arguments)."""
    broker = redis.Redis.from_url(settings.REDIS_URL)
    queues = settings.TASK_QUEUE_NAMES  # each a Redis list (CELERY_TASK_ROUTES)
    messages = [json.loads(raw) for queue in queues for raw in reversed(broker.lrange(queue, 0, -1))]
    return [(m["headers"]["task"], json.loads(base64.b64decode(m["body"]))[0]) for m in messages]


def test_commits_in_a_burst_share_one_waiting_dispatch_task(alice, osl, django_capture_on_commit_callbacks):
    from config.celery_app import app

    app.control.purge()
    wakeup.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            cases.case_create(actor=alice, unit=osl, **case_kwargs())
    assert [name for name, _ in queued_tasks()] == ["notifications.dispatch_event"]
    wakeup.clear()  # what the task does before it claims: a later commit queues another
    with django_capture_on_commit_callbacks(execute=True):
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
    assert len(queued_tasks()) == 2
    app.control.purge()
    wakeup.clear()


def test_dispatch_queues_one_delivery_task_per_subscription_and_e_mail_only_for_who_wants_it_now(
    alice, bob, osl, django_capture_on_commit_callbacks
):
    from config.celery_app import app

    bob.email = "bob@tax.example"
    bob.save()
    lars = officer("lars", "LABOUR")
    lars.email = "lars@labour.example"
    lars.save()
    NotificationPreference.objects.create(user=lars, email=EmailFrequency.DIGEST)
    officer("nils", "LABOUR")  # no address
    first, _ = subscribe(system(name="A"), "https://a.example/hook", ["case.created"])
    second, _ = subscribe(system(name="B"), "https://b.example/hook", ["case.created"])
    for _ in range(3):
        cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"]))
    app.control.purge()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.dispatch(last_event("case.created").pk) >= 3
    queued = queued_tasks()
    deliveries = sorted(args[0] for name, args in queued if name == "notifications.deliver_webhooks")
    assert deliveries == sorted([delivery_ids(first), delivery_ids(second)]) and len(deliveries[0]) == 3
    (emails,) = [args[0] for name, args in queued if name == "notifications.email_notifications"]
    assert sorted(emails) == sorted(str(n.pk) for n in Notification.objects.filter(recipient=bob))
    assert len(emails) == 3
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
        services.deliver([delivery.pk])
        log = api.get(f"/api/v1/webhooks/{sub.pk}/deliveries/").json()["results"]
        (attempt,) = log[0]["attempt_log"]
        assert attempt["status_code"] == 500 and attempt["response_bytes"] == 2 and log[0]["status"] == "pending"
        assert "response_excerpt" not in attempt  # status and length, never the reply
        assert api.get(f"/api/v1/webhooks/{sub.pk}/").json()["backoff_until"]
        WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DEAD)
        again = api.post(f"/api/v1/webhooks/{sub.pk}/deliveries/{delivery.pk}/redeliver/")
        assert again.status_code == 202 and again.json()["status"] == "pending"
        wait_is_over(sub)
        services.drain(sub.pk)
        assert len(receiver.applied) == 1
    _, other = make_key(agency="POLICE", units=("BGO",), name="Other")
    assert client_for(other).get(f"/api/v1/webhooks/{sub.pk}/deliveries/").status_code == 404


def test_overdue_deliveries_are_queued_again_in_batches_per_subscription(alice, osl, settings):
    from config.celery_app import app

    settings.OUTBOX_SWEEP_AFTER = datetime.timedelta(0)
    first, _ = subscribe(system(name="A"), "https://a.example/hook", ["case.created"])
    second, _ = subscribe(system(name="B"), "https://b.example/hook", ["case.created"])
    for _ in range(2):
        cases.case_create(actor=alice, unit=osl, **case_kwargs())
    services.dispatch(last_event("case.created").pk)
    app.control.purge()  # as if the delivery tasks were lost
    assert services.deliveries_enqueue_due() == 4
    queued = sorted(sorted(args[0]) for name, args in queued_tasks() if name == "notifications.deliver_webhooks")
    assert queued == sorted([sorted(delivery_ids(first)), sorted(delivery_ids(second))])
    app.control.purge()


def test_a_backoff_whose_drain_was_lost_is_drained_by_the_sweeper(alice, osl, settings):
    from config.celery_app import app
    from notifications.models import WebhookSubscription

    settings.OUTBOX_SWEEP_AFTER = datetime.timedelta(0)
    sub, _ = subscribe(system(), "https://a.example/hook", ["case.created"])
    cases.case_create(actor=alice, unit=osl, **case_kwargs())
    services.dispatch(last_event("case.created").pk)
    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    WebhookSubscription.objects.filter(pk=sub.pk).update(backoff_until=long_ago, failures=2)
    app.control.purge()  # as if its drain task were lost
    assert services.deliveries_enqueue_due() == 1  # not its delivery: the drain sends that, in order
    assert queued_tasks() == [("notifications.resume_deliveries", [str(sub.pk)])]
    app.control.purge()
