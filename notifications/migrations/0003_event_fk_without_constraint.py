# The outbox (tracker_event) becomes a table partitioned by month (tracker migration 0010). A
# foreign key to a partitioned table must name a unique key that holds the partition key,
# (id, occurred_at), which these rows do not carry: the database-level constraint goes, the
# relation stays in Django (joins, on_delete=CASCADE through the ORM). Retention deletes a
# dropped month's notifications and deliveries first (tracker/partitions.py).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_delivery_log_keeps_no_reply_and_cancelled'),
        ('tracker', '0009_merge_audit_chain_and_feed_order'),
    ]

    operations = [
        migrations.AlterField(
            model_name='notification',
            name='event',
            field=models.ForeignKey(db_constraint=False, on_delete=models.deletion.CASCADE, related_name='notifications', to='tracker.event'),
        ),
        migrations.AlterField(
            model_name='webhookdelivery',
            name='event',
            field=models.ForeignKey(db_constraint=False, on_delete=models.deletion.CASCADE, related_name='deliveries', to='tracker.event'),
        ),
    ]
