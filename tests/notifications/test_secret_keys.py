"""Webhook signing secrets at rest: WEBHOOK_ENCRYPTION_KEY is read, secrets stored under
SECRET_KEY before it was still open, and a key is changed by rotating, losing no subscription."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from standardwebhooks.webhooks import Webhook

from notifications.models import WebhookSubscription
from notifications.services.delivery import signer_for
from tests.factories import WebhookSubscriptionFactory
from tracker import secrets
from tracker.models import AuditEntry

OLD, NEW = "o" * 50, "n" * 50


def stored(subscription) -> str:
    return WebhookSubscription.objects.get(pk=subscription.pk).secret_encrypted


def test_the_setting_is_read_from_the_environment():
    from config.settings import base

    assert hasattr(base, "WEBHOOK_ENCRYPTION_KEY") and hasattr(base, "WEBHOOK_ENCRYPTION_OLD_KEYS")


def test_a_key_set_after_secrets_were_stored_under_secret_key_still_opens_them(settings, db):
    settings.WEBHOOK_ENCRYPTION_KEY = ""
    before = WebhookSubscriptionFactory()
    settings.WEBHOOK_ENCRYPTION_KEY = NEW
    after = WebhookSubscriptionFactory()
    assert secrets.decrypt(stored(before)) == before.secret
    assert secrets.decrypt(stored(after)) == after.secret
    settings.WEBHOOK_ENCRYPTION_KEY, settings.SECRET_KEY = "", "s" * 50  # the new key gone: no key opens it
    with pytest.raises(secrets.InvalidToken):
        secrets.decrypt(stored(after))


def test_rotation_moves_every_secret_to_the_new_key_and_signing_goes_on(settings, db):
    settings.WEBHOOK_ENCRYPTION_KEY = OLD
    subscriptions = [WebhookSubscriptionFactory() for _ in range(3)]
    settings.WEBHOOK_ENCRYPTION_KEY, settings.WEBHOOK_ENCRYPTION_OLD_KEYS = NEW, [OLD]
    call_command("rotate_webhook_secrets")
    settings.WEBHOOK_ENCRYPTION_OLD_KEYS = []  # the old key retired
    for subscription in subscriptions:
        row = WebhookSubscription.objects.get(pk=subscription.pk)
        assert secrets.decrypt(row.secret_encrypted) == subscription.secret
        now = datetime.datetime.now(datetime.UTC)
        headers = {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer_for(row).sign("msg_1", now, '{"a":1}'),
        }
        # The receiver's copy of the secret (given once, at creation) still verifies what we send.
        assert Webhook(subscription.secret).verify('{"a":1}', headers) == {"a": 1}
    entry = AuditEntry.objects.get(action="webhook.secrets_rotate")
    assert entry.after == {"rotated": 3, "unreadable": 0}


def test_a_secret_no_key_opens_stops_the_rotation_loudly_and_stays_as_it_was(settings, db):
    settings.WEBHOOK_ENCRYPTION_KEY = OLD
    lost = WebhookSubscriptionFactory()
    settings.WEBHOOK_ENCRYPTION_KEY, settings.WEBHOOK_ENCRYPTION_OLD_KEYS = NEW, []
    kept = WebhookSubscriptionFactory()
    before = stored(lost)
    with pytest.raises(CommandError, match="1 secrets could not be opened"):
        call_command("rotate_webhook_secrets")
    assert stored(lost) == before
    assert secrets.decrypt(stored(kept)) == kept.secret
