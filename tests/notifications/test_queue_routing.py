"""Workers on separate queues, as on several hosts: a receiver that hangs holds up only the
webhooks workers, never the in-app notifications (CELERY_TASK_ROUTES in config/settings/base.py)."""

import re
import time

import pytest

from cases import services as cases
from notifications.models import Notification
from tests.factories import case_kwargs
from tests.notifications.conftest import Worker
from tests.notifications.receiver import Receiver
from tests.notifications.test_services import subscribe, system

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.live]

HOLD_SECONDS = 15  # each receiver stalls its first request this long


@pytest.fixture
def split_workers(transactional_db, tmp_path):
    from config.celery_app import app
    from notifications import wakeup

    app.control.purge()
    wakeup.clear()
    workers = {
        # A timeout and a visibility timeout longer than the stall: the request just hangs.
        "webhooks": Worker(
            tmp_path / "webhooks.log",
            queues=("webhooks",),
            WEBHOOK_TIMEOUT_SECONDS="60",
            CELERY_VISIBILITY_TIMEOUT="120",
        ),
        "dispatch": Worker(tmp_path / "dispatch.log", queues=("dispatch",)),
    }
    try:
        yield {name: worker.start() for name, worker in workers.items()}
    finally:
        for worker in workers.values():
            worker.stop()


def test_receivers_that_hang_do_not_delay_the_in_app_notifications(split_workers, alice, bob, osl):
    logs = {name: worker.log_path.read_text for name, worker in split_workers.items()}
    with Receiver(hold_first=HOLD_SECONDS) as first, Receiver(hold_first=HOLD_SECONDS) as second:
        for name, receiver in (("A", first), ("B", second)):
            _, receiver.secret = subscribe(system(name=name), receiver.url, ["case.created"])
        cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"], title="First"))
        # Both children of the webhooks worker are now stuck in a request.
        for receiver in (first, second):
            assert receiver.first_arrived.wait(30), logs["webhooks"]()[-2000:]

        started = time.monotonic()
        case = cases.case_create(actor=alice, unit=osl, **case_kwargs(agencies=["LABOUR", "TAX"], title="Second"))
        told = lambda r: Notification.objects.filter(recipient=bob, event__object_id=str(case.pk)).exists()  # noqa: E731
        assert first.wait_for(told, timeout=HOLD_SECONDS), logs["dispatch"]()[-2000:]
        waited = time.monotonic() - started
        assert waited < HOLD_SECONDS / 2 and not first.applied and not second.applied  # still hanging

        # Once the receivers answer, both events reach both, each once.
        for receiver in (first, second):
            assert receiver.wait_for(lambda r: len(r.applied) == 2, timeout=60), logs["webhooks"]()[-3000:]
            assert receiver.bad_signatures == 0
    # Each worker ran only its own queue's tasks (the logs name each task received: "name[id] received").
    received = {name: set(re.findall(r"Task ([\w.]+)\[[-\w]+\] received", log())) for name, log in logs.items()}
    assert received["dispatch"] == {"notifications.dispatch_event"}
    assert "notifications.deliver_webhooks" in received["webhooks"]
    assert received["webhooks"] <= {"notifications.deliver_webhooks", "notifications.resume_deliveries"}
