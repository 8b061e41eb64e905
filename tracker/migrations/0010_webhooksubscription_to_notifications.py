# The other half of notifications 0003: WebhookSubscription leaves tracker's state. The table
# (still tracker_webhooksubscription) now belongs to notifications, so nothing is dropped.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0003_webhooksubscription_from_tracker'),
        ('tracker', '0009_merge_audit_chain_and_feed_order'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='WebhookSubscription')],
            database_operations=[],
        ),
    ]
