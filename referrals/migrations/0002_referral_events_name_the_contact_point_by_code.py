"""Referral events written before the fix named their contact point by numeric id, where the
desk's recipient and visibility rules (and every other event) use its code. Rewrite them, so the
desk finds them in its feed."""

from django.db import migrations


def ids_to_codes(apps, schema_editor):
    Event = apps.get_model("tracker", "Event")
    NationalContactPoint = apps.get_model("agencies", "NationalContactPoint")
    codes = dict(NationalContactPoint.objects.values_list("pk", "code"))
    for event in Event.objects.filter(object_type="referrals.referral").only("pk", "payload").iterator():
        contact_point = event.payload.get("contact_point")
        if isinstance(contact_point, int) and contact_point in codes:
            event.payload["contact_point"] = codes[contact_point]
            Event.objects.filter(pk=event.pk).update(payload=event.payload)


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("agencies", "0002_apikey"),
        ("tracker", "0004_webhooksubscription_idempotencyrecord"),
    ]

    operations = [migrations.RunPython(ids_to_codes, migrations.RunPython.noop)]
