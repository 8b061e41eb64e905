"""Keys issued before the scopes were split keep what they used: reading webhook subscriptions
came with webhooks:write, and unit members were read to assign officers (cases:write) or to
book them on controls (controls:write). No key is given the notification scopes: a key's
account is never notified, and reading notifications without a scope was the defect."""

from django.db import migrations

GRANTS = {"webhooks:read": {"webhooks:write"}, "units:read": {"cases:write", "controls:write"}}


def grant_split_scopes(apps, schema_editor):
    ApiKey = apps.get_model("agencies", "ApiKey")
    for key in ApiKey.objects.all():
        held = set(key.scopes)
        added = {scope for scope, used_with in GRANTS.items() if used_with & held} - held
        if added:
            key.scopes = sorted(held | added)
            key.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_apikey")]

    operations = [migrations.RunPython(grant_split_scopes, migrations.RunPython.noop)]
