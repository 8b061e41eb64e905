# The webhook subscription model moves from the kernel (tracker) to notifications, with all
# other webhook code (issue 9). Its table keeps its name, so only Django's state changes:
# no row is copied and no constraint is rebuilt. tracker 0010 removes it from tracker's state.

import uuid

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def _relabel(apps, schema_editor, old, new):
    """Move the content type (and with it its permissions and admin log rows) to the new app
    label. A fresh database has none yet: post_migrate creates it under the new label."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    types = ContentType.objects.using(schema_editor.connection.alias)
    if not types.filter(app_label=new, model="webhooksubscription").exists():
        types.filter(app_label=old, model="webhooksubscription").update(app_label=new)


def forwards(apps, schema_editor):
    _relabel(apps, schema_editor, "tracker", "notifications")


def backwards(apps, schema_editor):
    _relabel(apps, schema_editor, "notifications", "tracker")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('notifications', '0002_delivery_log_keeps_no_reply_and_cancelled'),
        ('tracker', '0009_merge_audit_chain_and_feed_order'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='WebhookSubscription',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('updated_at', models.DateTimeField(auto_now=True, db_index=True)),
                        ('url', models.URLField(max_length=500)),
                        ('event_types', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(max_length=64), blank=True, default=list, help_text='Empty: all types', size=None)),
                        ('secret_encrypted', models.TextField(editable=False)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('is_active', models.BooleanField(default=True)),
                        ('disabled_reason', models.CharField(blank=True, max_length=200)),
                        ('backoff_until', models.DateTimeField(blank=True, null=True)),
                        ('failures', models.PositiveIntegerField(default=0, help_text='Failed attempts in a row: the backoff step.')),
                        ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='webhook_subscriptions', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'tracker_webhooksubscription',
                        'ordering': ['created_at'],
                    },
                ),
                migrations.AlterField(
                    model_name='webhookdelivery',
                    name='subscription',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='notifications.webhooksubscription'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
