"""Layer 3: end to end with a real Celery worker, real Redis, PostgreSQL and an HTTP receiver."""

import datetime
import re
import time

import pytest
from django.db import connection
from django.test import override_settings

from cases import services as cases
from notifications import services
from notifications.choices import DeliveryStatus
from notifications.models import WebhookDelivery, WebhookSubscription
from tests.factories import case_kwargs
from tests.notifications.conftest import BACKOFF_BASE_SECONDS, BACKOFF_MAX_SECONDS
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import subscribe, system

pytestmark = pytest.mark.django_db(transaction=True)


def create_cases(actor, unit, n):
    return [cases.case_create(actor=actor, unit=unit, **case_kwargs(title=f"Case {i}")) for i in range(n)]


def test_committed_changes_are_delivered_signed_by_the_worker(worker, alice, osl):
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        created = create_cases(alice, osl, 3)
        assert receiver.wait_for(lambda r: len(r.applied) == 3), worker.log_path.read_text()[-2000:]
        assert receiver.bad_signatures == 0
        assert {e["payload"]["reference"] for e in receiver.applied.values()} == {c.reference for c in created}
        # The batch is recorded as delivered once its transaction commits, just after the requests.
        assert receiver.wait_for(lambda r: sub.deliveries.filter(status=DeliveryStatus.DELIVERED).count() == 3)


def database_sessions() -> int:
    """Sessions ever opened on this database (PostgreSQL >= 14)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_a_burst_arrives_whole_and_once_through_batches_despite_a_failure_mid_batch(worker, alice, osl):
    (case,) = create_cases(alice, osl, 1)
    sessions_before = database_sessions()
    with Receiver(statuses=[200] * 20 + [500]) as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.updated"])
        for i in range(150):  # one transaction each, as 150 people saving at once would
            case = cases.case_update(actor=alice, case=case, title=f"Revision {i}")
        everything = lambda r: len(r.applied) == 150  # noqa: E731
        assert receiver.wait_for(everything, timeout=120), worker.log_path.read_text()[-3000:]
        assert receiver.wait_for(
            lambda r: sub.deliveries.filter(status=DeliveryStatus.DELIVERED).count() == 150, timeout=30
        )
        assert receiver.bad_signatures == 0 and len(receiver.requests) == 151  # each once, and the 500
    # Commits that find a dispatch task already waiting do not queue another.
    dispatch_tasks = re.findall(r"dispatch_event\[[-\w]+\] received", worker.log_path.read_text())
    assert 1 <= len(dispatch_tasks) < 150
    # Each worker child keeps its connection across tasks (Celery would otherwise open one
    # per task): a handful of new sessions for over a hundred tasks.
    assert database_sessions() - sessions_before < 20


OUTAGE_SECONDS = 30


def most_attempts_within(seconds: float) -> int:
    """The most attempts a subscription can make in ``seconds`` of outage: the failure that
    starts it, then one probe per backoff step, each step at least half its nominal length."""
    attempts, elapsed = 1, 0.0
    while True:
        elapsed += 0.5 * min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempts - 1))
        if elapsed > seconds:
            return attempts
        attempts += 1


def test_a_receiver_that_is_down_is_probed_once_per_backoff_step_then_gets_every_event_in_order(
    backoff_worker, alice, osl
):
    (case,) = create_cases(alice, osl, 1)
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.updated"])
        receiver.down = True
        titles, started = [], time.monotonic()
        while time.monotonic() - started < OUTAGE_SECONDS:  # a change a second, one transaction each
            titles.append(f"Revision {len(titles)}")
            case = cases.case_update(actor=alice, case=case, title=titles[-1])
            time.sleep(1)
        with receiver.lock:
            receiver.down = False
            hits = receiver.requests_while_down
        log = backoff_worker.log_path.read_text
        assert receiver.wait_for(lambda r: len(r.applied) == len(titles), timeout=60), log()[-3000:]
        # Each change committed alone used to hit the down receiver once: here only the probes
        # did, about one per backoff step (and one more batch at most, in flight as it failed).
        assert len(titles) >= 25 and 3 <= hits <= most_attempts_within(OUTAGE_SECONDS) + 1 < len(titles) / 2
        assert [e["payload"]["title"] for e in receiver.applied.values()] == titles  # in order
        assert receiver.bad_signatures == 0
        assert receiver.wait_for(lambda r: not WebhookSubscription.objects.get(pk=sub.pk).backoff_until)
        assert receiver.wait_for(
            lambda r: sub.deliveries.filter(status=DeliveryStatus.DELIVERED).count() == len(titles)
        )


def test_a_receiver_answering_500_gets_the_event_again_until_it_takes_it(worker, alice, osl):
    with Receiver(statuses=[500, 500]) as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        create_cases(alice, osl, 1)
        assert receiver.wait_for(lambda r: len(r.applied) == 1)
        delivery = WebhookDelivery.objects.get(subscription=sub)
        assert receiver.wait_for(lambda r: WebhookDelivery.objects.get(pk=delivery.pk).status == "delivered")
        assert [a.status_code for a in delivery.attempt_log.all()] == [500, 500, 200]


def test_a_delivery_is_dead_lettered_after_its_window_and_can_be_redelivered(worker, alice, osl):
    with Receiver(statuses=[500] * 1000) as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        create_cases(alice, osl, 1)
        delivery_dead = lambda r: WebhookDelivery.objects.filter(subscription=sub, status="dead").exists()  # noqa: E731
        assert receiver.wait_for(delivery_dead, timeout=60), worker.log_path.read_text()[-2000:]
        delivery = WebhookDelivery.objects.get(subscription=sub)
        assert delivery.attempts >= 3 and not receiver.applied
        receiver.statuses.clear()
        services.redeliver(actor=sub.owner, delivery=delivery)
        assert receiver.wait_for(lambda r: len(r.applied) == 1)


def test_a_worker_killed_mid_delivery_is_replaced_and_the_event_still_arrives_once(worker, alice, osl):
    with Receiver(hold_first=8) as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        create_cases(alice, osl, 1)
        assert receiver.first_arrived.wait(60), worker.log_path.read_text()[-2000:]
        worker.kill()  # in the middle of the HTTP request
        worker.start()
        assert receiver.wait_for(lambda r: len(r.applied) == 1, timeout=90), worker.log_path.read_text()[-3000:]
        assert receiver.wait_for(
            lambda r: WebhookDelivery.objects.get(subscription=sub).status == "delivered", timeout=30
        )
        # The receiver may have been sent it twice; deduping on webhook-id it applied it once.
        assert len(receiver.applied) == 1 and len(receiver.requests) >= 1


@override_settings(OUTBOX_SWEEP_AFTER=datetime.timedelta(0))
def test_changes_committed_while_redis_is_down_are_delivered_when_it_is_back(worker, alice, osl):
    from config import embedded

    if not embedded.uses_embedded_redis():
        pytest.skip("REDIS_URL points at a Redis this test cannot stop")
    redis_server = embedded._server(embedded.EmbeddedRedis)
    with Receiver() as receiver:
        sub, receiver.secret = subscribe(system(), receiver.url, ["case.created"])
        redis_server.stop()
        try:
            created = create_cases(alice, osl, 5)  # commits succeed; handing to the broker fails
        finally:
            redis_server.start()
        assert len(created) == 5
        assert services.events_sweep_undispatched() >= 5  # what beat's sweeper does every 30 s
        assert receiver.wait_for(lambda r: len(r.applied) == 5, timeout=90), worker.log_path.read_text()[-3000:]
        assert {e["payload"]["reference"] for e in receiver.applied.values()} == {c.reference for c in created}
