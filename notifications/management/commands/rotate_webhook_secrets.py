from django.core.management.base import BaseCommand, CommandError

from notifications.webhooks import subscription_secrets_rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every webhook signing secret under WEBHOOK_ENCRYPTION_KEY (the old key listed in "
        "WEBHOOK_ENCRYPTION_OLD_KEYS until this has run). Fails when a secret no key opens."
    )

    def handle(self, *args, **options):
        rotated, unreadable = subscription_secrets_rotate()
        self.stdout.write(f"{rotated} webhook secrets re-encrypted under the current key.")
        if unreadable:
            raise CommandError(
                f"{unreadable} secrets could not be opened by any configured key: add the key they were "
                "encrypted with to WEBHOOK_ENCRYPTION_OLD_KEYS and run this again, or re-create those subscriptions."
            )
