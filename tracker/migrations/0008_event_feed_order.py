# The change feed reads the outbox in (txid, id) order from a cursor; without this index every
# page was a sequential scan of the outbox. Built CONCURRENTLY: the outbox is written all day.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tracker", "0007_audit_ip"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="event",
            index=models.Index(fields=["txid", "id"], name="event_feed_order"),
        ),
    ]
