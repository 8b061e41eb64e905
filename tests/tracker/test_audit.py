import pytest
from django.db import DatabaseError, transaction

from tracker.models import AuditEntry


def test_the_audit_trail_refuses_updates_and_deletes(labour_case):
    entry = AuditEntry.objects.filter(object_id=str(labour_case.pk)).first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "case.create"


def test_the_request_id_is_recorded(client, root, reference):
    from agencies.models import Agency

    client.force_login(root)
    police = Agency.objects.get(code="POLICE")
    client.post(
        f"/admin/agencies/agency/{police.pk}/change/",
        {
            "code": "POLICE",
            "name": "Police (renamed)",
            "kind": "police",
            "is_active": "on",
            "sanction_kinds-TOTAL_FORMS": "0",
            "sanction_kinds-INITIAL_FORMS": "0",
        },
        HTTP_X_REQUEST_ID="req-123",
    )
    entry = AuditEntry.objects.filter(object_type="agencies.agency", action="admin.change").get()
    assert entry.request_id == "req-123"
    assert entry.before["name"] != entry.after["name"] == "Police (renamed)"
