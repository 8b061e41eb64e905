"""notifications 0003 / tracker 0010 move WebhookSubscription from tracker to notifications
without touching its table: the rows stay, and the content type (with its permissions)
follows the model to its new app label."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from agencies.reference_data import load_reference_data
from notifications.models import WebhookDelivery, WebhookSubscription
from tests.factories import officer

BEFORE = [
    ("tracker", "0009_merge_audit_chain_and_feed_order"),
    ("notifications", "0002_delivery_log_keeps_no_reply_and_cancelled"),
]
AFTER = [("tracker", "0010_webhooksubscription_to_notifications")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_subscriptions_and_their_content_type_move_to_notifications_unchanged():
    old = _migrate(BEFORE)
    try:
        load_reference_data()
        alice = officer("alice", "LABOUR")
        OldSubscription = old.get_model("tracker", "WebhookSubscription")
        sub = OldSubscription.objects.create(
            owner_id=alice.pk, url="https://receiver.example/hook", secret_encrypted="x"
        )
        ContentType.objects.filter(app_label="notifications", model="webhooksubscription").delete()
        ContentType.objects.clear_cache()
        old_type, _ = ContentType.objects.get_or_create(app_label="tracker", model="webhooksubscription")
        Permission.objects.get_or_create(
            content_type=old_type, codename="view_webhooksubscription", defaults={"name": "Can view"}
        )

        _migrate(AFTER)
        ContentType.objects.clear_cache()

        moved = WebhookSubscription.objects.get(pk=sub.pk)
        assert (moved.owner_id, moved.url) == (alice.pk, "https://receiver.example/hook")
        assert WebhookDelivery._meta.get_field("subscription").related_model is WebhookSubscription
        new_type = ContentType.objects.get_for_model(WebhookSubscription)
        assert new_type.pk == old_type.pk
        assert not ContentType.objects.filter(app_label="tracker", model="webhooksubscription").exists()
        assert Permission.objects.filter(content_type=new_type, codename="view_webhooksubscription").exists()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
