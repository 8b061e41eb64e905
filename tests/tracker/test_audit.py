import re

import pytest
from django.db import DatabaseError, connection, transaction

from tracker.models import AuditEntry


def test_the_audit_trail_refuses_updates_and_deletes(labour_case):
    entry = AuditEntry.objects.filter(object_id=str(labour_case.pk)).first()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "case.create"


def test_the_server_request_id_and_the_clients_are_recorded_apart(client, root, reference):
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
    assert entry.client_request_id == "req-123"
    assert re.fullmatch(r"[0-9a-f]{32}", entry.request_id)
    assert entry.before["name"] != entry.after["name"] == "Police (renamed)"
    assert entry.ip == "127.0.0.1"  # the test client's REMOTE_ADDR


def test_an_access_is_recorded_outside_any_transaction_and_without_an_event(labour_case, root):
    from tracker import audit
    from tracker.models import Event

    events = Event.objects.count()
    entry = audit.record_access(actor=root, action="case.view", obj=labour_case, detail={"via": "web"})
    entry.refresh_from_db()
    assert (entry.object_type, entry.object_id) == ("cases.case", str(labour_case.pk))
    assert entry.actor == root and entry.after == {"via": "web"} and entry.ip is None
    assert Event.objects.count() == events


@pytest.mark.parametrize("table", ["tracker_auditentry", "tracker_event"])
def test_the_audit_trail_and_the_outbox_refuse_truncate(labour_case, table):
    # The test settings opt in to TRUNCATE for teardown; a session that has not opted in is refused.
    before = AuditEntry.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL tracker.allow_truncate = 'off'")
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own writes are still pending
        cursor.execute(f"TRUNCATE {table} CASCADE")
    assert AuditEntry.objects.count() == before > 0


def test_only_the_test_settings_allow_truncate(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    for module in ("config.settings.local", "config.settings.production"):
        probe = f"import {module} as s; print(s.DATABASES['default'].get('OPTIONS', {{}}).get('options', ''))"
        result = subprocess.run(
            [sys.executable, "-c", probe],
            cwd=root,
            env={"DATABASE_URL": "postgres://x@localhost/x", "REDIS_URL": "redis://localhost:6379/0",
                 "SECRET_KEY": "k3Y-" + "x7Qp9zR2mW4vT8bN1cL6dF0gH5jS3aE" * 2, "DEBUG": "false",
                 "AUDIT_SIGNING_KEY_FILE": "/run/secrets/k", "AUDIT_CHECKPOINT_FILE": "/srv/audit/c.jsonl",
                 "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "allow_truncate" not in result.stdout, module
