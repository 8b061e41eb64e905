"""identity:read (whole identity numbers in every response) is new and given to no existing key:
a system receives whole numbers only once an administrator grants it the scope on purpose. Any
key that somehow holds it already (set by hand in the database) loses it here."""

from django.db import migrations

SCOPE = "identity:read"


def grant_to_no_key(apps, schema_editor):
    ApiKey = apps.get_model("agencies", "ApiKey")
    for key in ApiKey.objects.filter(scopes__contains=[SCOPE]):
        key.scopes = [scope for scope in key.scopes if scope != SCOPE]
        key.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("agencies", "0005_merge_scopes_and_bokmal_names")]

    operations = [migrations.RunPython(grant_to_no_key, migrations.RunPython.noop)]
