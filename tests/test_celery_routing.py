"""Every task goes to a declared queue, chosen on purpose (config/settings/base.py)."""

import fnmatch

import pytest
from celery.exceptions import QueueNotFound
from django.conf import settings

from config.celery_app import app


def app_tasks() -> list[str]:
    app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return sorted(name for name in app.tasks if not name.startswith("celery."))


def test_every_task_of_the_app_is_routed_by_name_to_a_declared_queue():
    names = app_tasks()
    assert "notifications.dispatch_event" in names and "cases.apply_retention" in names  # discovery worked
    for name in names:
        # Named in CELERY_TASK_ROUTES (exactly or by pattern): not left to the default by accident.
        assert any(fnmatch.fnmatchcase(name, pattern) for pattern in settings.CELERY_TASK_ROUTES), (
            f"{name} has no queue: add it to CELERY_TASK_ROUTES"
        )
        assert app.amqp.router.route({}, name)["queue"].name in settings.TASK_QUEUE_NAMES


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("notifications.dispatch_event", "dispatch"),
        ("notifications.sweep_outbox", "dispatch"),
        ("notifications.deliver_webhooks", "webhooks"),
        ("notifications.resume_deliveries", "webhooks"),
        ("notifications.retry_due_deliveries", "webhooks"),
        ("notifications.email_notifications", "email"),
        ("notifications.daily_digest", "email"),
        ("reports.any_future_report", "reports"),
        ("tracker.audit_seal", "celery"),
    ],
)
def test_in_app_notifications_webhooks_and_e_mail_each_have_their_own_queue(task, queue):
    assert app.amqp.router.route({}, task)["queue"].name == queue


def test_every_scheduled_task_exists_and_has_a_queue():
    names = set(app_tasks())
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in names
        assert app.amqp.router.route({}, entry["task"])["queue"].name in settings.TASK_QUEUE_NAMES


def test_a_route_to_a_queue_nobody_declared_fails_at_send_instead_of_waiting_for_ever():
    with pytest.raises(QueueNotFound):
        app.amqp.router.route({"queue": "webhook"}, "notifications.deliver_webhooks")


def test_make_run_s_single_worker_consumes_every_queue():
    from demo.management.commands.run_all import child_commands

    worker = child_commands("127.0.0.1:8000")["worker"]
    assert worker[worker.index("-Q") + 1].split(",") == list(settings.TASK_QUEUE_NAMES)
