from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    label = "notifications"
    verbose_name = "Notifications and webhook delivery"

    def ready(self):
        # The kernel and agencies cannot import this app (they sit below it), so they call
        # hooks; the registry is ready only now, so the imports are here.
        from agencies.services import api_key_revoked
        from notifications import wakeup
        from notifications.services import delivery
        from tracker.audit import event_committed

        event_committed.register(wakeup.request)
        api_key_revoked.register(delivery.deliveries_cancel_for_revoked_key)
