"""The audit hash chain: sealing, signed checkpoints and verify_audit's tamper detection.

Transactional tests: the sealer only chains rows of finished transactions, and a test's own
transaction would never finish. To tamper, the test switches the append-only triggers off as the
database owner could."""

import base64
import json
import threading
import time
from io import StringIO

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from tests.processes import database_url, run_concurrently
from tracker import audit
from tracker.audit_chain import rows as chain_rows
from tracker.audit_chain.checkpoints import JsonlFileStore, ensure_signing_key, make_checkpoint
from tracker.audit_chain.sealer import seal
from tracker.audit_chain.verify import verify
from tracker.models import AuditEntry, AuditSeal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def chain_files(settings, tmp_path):
    settings.AUDIT_SIGNING_KEY_FILE = str(ensure_signing_key(tmp_path / "audit-signing-key.pem"))
    settings.AUDIT_PUBLIC_KEY_FILE = ""
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "audit-checkpoints.jsonl")
    return tmp_path


def write_rows(count: int) -> list[int]:
    """Audit rows, each committed in its own transaction (autocommit)."""
    return [
        audit.record_access(actor=None, action="test.row", object_type="x", object_id=str(i), detail={"i": i}).pk
        for i in range(count)
    ]


def tamper(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE tracker_auditentry DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE tracker_auditseal DISABLE TRIGGER USER")
        try:
            cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE tracker_auditentry ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE tracker_auditseal ENABLE TRIGGER USER")


def first_break() -> tuple[int, str, str]:
    """Run verify_audit as an operator would: it must fail and name the first broken row."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", stdout=out, stderr=err)
    assert failed.value.returncode == 1
    problem = verify().problems[0]
    assert f"BROKEN at row {problem.entry_id}: {problem.kind}" in err.getvalue()
    return problem.entry_id, problem.kind, problem.message


@pytest.fixture
def sealed_chain():
    """30 rows, sealed, with a signed checkpoint after the 10th, 20th and 30th."""
    ids = []
    for _ in range(3):
        ids += write_rows(10)
        make_checkpoint()
    return ids


def test_every_column_of_an_audit_row_is_chained():
    # A new column goes into CHAINED_COLUMNS and SELECT_SQL (canonical() zips them strictly),
    # nullable: NULLs are not hashed, so the rows sealed before it still verify.
    assert {f.column for f in AuditEntry._meta.concrete_fields} == set(chain_rows.CHAINED_COLUMNS)


def test_a_clean_chain_verifies_and_rows_not_yet_sealed_wait(sealed_chain):
    write_rows(3)  # after the last seal: waiting, not broken
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "The audit chain is intact." in out.getvalue()
    assert "33 rows, 30 sealed, 3 waiting for the sealer, 3 checkpoints" in out.getvalue()
    assert seal() == 3 and verify().ok
    assert verify().warnings == [
        "3 sealed rows are newer than the last valid checkpoint: a rebuild of those would go unnoticed until"
        " the next one (manage.py audit_checkpoint makes one now)"
    ]


def test_each_row_is_sealed_once_in_txid_order_with_consecutive_positions(sealed_chain):
    seals = list(AuditSeal.objects.order_by("position").values_list("position", "entry_id"))
    assert seals == list(enumerate(sealed_chain, 1))
    assert seal() == 0


def test_an_edited_row_is_caught(sealed_chain):
    victim = sealed_chain[14]
    tamper("UPDATE tracker_auditentry SET object_repr = 'nothing to see' WHERE id = %s", [victim])
    entry_id, kind, message = first_break()
    assert (entry_id, kind) == (victim, "altered")
    assert "position 15" in message


def test_a_deleted_row_is_caught(sealed_chain):
    victim = sealed_chain[14]
    tamper("DELETE FROM tracker_auditentry WHERE id = %s", [victim])
    assert first_break()[:2] == (victim, "removed")


def test_an_inserted_row_is_caught(sealed_chain):
    # Placed inside the sealed chain: the txid of the 15th row (a later txid would only be new).
    tamper(
        "INSERT INTO tracker_auditentry (at, request_id, client_request_id, action, object_type, object_id,"
        " object_repr, txid) SELECT at, '', '', 'case.view', 'cases.case', '1', 'forged', txid"
        " FROM tracker_auditentry WHERE id = %s",
        [sealed_chain[14]],
    )
    forged = AuditEntry.objects.get(object_repr="forged").pk
    assert first_break()[:2] == (forged, "inserted")


def test_reordered_rows_are_caught(sealed_chain):
    first, second = sealed_chain[14], sealed_chain[15]
    columns = [c for c in chain_rows.CHAINED_COLUMNS if c not in ("id", "txid")]
    tamper(
        f"UPDATE tracker_auditentry a SET ({', '.join(columns)}) = "
        f"(SELECT {', '.join('b.' + c for c in columns)} FROM tracker_auditentry b"
        "  WHERE b.id = CASE a.id WHEN %s THEN %s ELSE %s END) WHERE a.id IN (%s, %s)",
        [first, second, first, first, second],
    )
    entry_id, kind, message = first_break()
    assert (entry_id, kind) == (first, "reordered")
    assert f"now in row {second}" in message
    assert [(p.entry_id, p.kind) for p in verify().problems] == [(first, "reordered"), (second, "reordered")]


def test_a_chain_rebuilt_with_consistent_seals_is_caught_by_the_checkpoints(sealed_chain):
    victim = sealed_chain[14]
    tamper("UPDATE tracker_auditentry SET object_repr = 'rewritten' WHERE id = %s", [victim])
    tamper("DELETE FROM tracker_auditseal")
    assert seal() == 30  # the forger re-seals: every seal matches its row again
    entry_id, kind, message = first_break()
    assert (entry_id, kind) == (sealed_chain[19], "rebuilt")
    assert (
        "checkpoint 2" in message
        and f"after row {sealed_chain[9]} (checkpoint 1) and up to row {sealed_chain[19]}" in message
    )


def test_a_chain_cut_short_after_a_checkpoint_is_caught(sealed_chain):
    last = sealed_chain[-5:]
    tamper("DELETE FROM tracker_auditseal WHERE entry_id = ANY(%s)", [last])
    tamper("DELETE FROM tracker_auditentry WHERE id = ANY(%s)", [last])
    entry_id, kind, message = first_break()
    assert (entry_id, kind) == (sealed_chain[-1], "removed") and "checkpoint 3" in message


def test_an_edited_or_foreign_checkpoint_is_refused(sealed_chain, chain_files):
    path = chain_files / "audit-checkpoints.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[1])
    record["head"] = "00" * 32
    lines[1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    problems = verify().problems
    assert [(p.kind, p.entry_id) for p in problems] == [("checkpoint", None)]
    assert "checkpoint 2's signature does not verify" in problems[0].message


def test_the_checkpoint_is_signed_with_the_key_outside_the_database(chain_files):
    from cryptography.hazmat.primitives import serialization

    ids = write_rows(4)
    out = StringIO()
    call_command("audit_checkpoint", stdout=out)
    (record,) = JsonlFileStore().read()
    assert (record["count"], record["entry_id"]) == (4, ids[-1]) and "Checkpoint: 4 rows" in out.getvalue()
    key = serialization.load_pem_private_key((chain_files / "audit-signing-key.pem").read_bytes(), password=None)
    from tracker.audit_chain.checkpoints import signed_bytes

    key.public_key().verify(base64.b64decode(record["signature"]), signed_bytes(record))  # raises if not
    # A verifier holds only the public key.
    public = chain_files / "public.pem"
    public.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    settings.AUDIT_PUBLIC_KEY_FILE = str(public)
    settings.AUDIT_SIGNING_KEY_FILE = str(chain_files / "absent.pem")
    assert verify().ok


def test_after_a_key_change_the_old_checkpoints_verify_with_the_old_public_key(chain_files):
    from cryptography.hazmat.primitives import serialization

    def public_pem(path):
        key = serialization.load_pem_private_key(path.read_bytes(), password=None).public_key()
        return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    old = chain_files / "audit-signing-key.pem"
    write_rows(2)
    make_checkpoint()
    settings.AUDIT_SIGNING_KEY_FILE = str(ensure_signing_key(chain_files / "new.pem"))
    write_rows(2)
    make_checkpoint()
    problems = verify().problems  # the new key alone does not know the old checkpoint's
    assert [(p.kind, p.message) for p in problems] == [
        ("checkpoint", f"checkpoint 1 names key {JsonlFileStore().read()[0]['key_id']!r}, not one of ours")
    ]
    (chain_files / "public.pem").write_bytes(public_pem(old) + public_pem(chain_files / "new.pem"))
    settings.AUDIT_PUBLIC_KEY_FILE = str(chain_files / "public.pem")
    report = verify()
    assert report.ok and report.checkpoints == 2 and not report.warnings


def test_a_new_key_is_made_on_demand_and_never_overwritten(chain_files):
    path = chain_files / "new.pem"
    out = StringIO()
    call_command("audit_checkpoint", new_key=str(path), stdout=out)
    assert "BEGIN PUBLIC KEY" in out.getvalue() and path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("audit_checkpoint", new_key=str(path))


def test_a_row_of_a_running_transaction_holds_back_later_ones_until_it_commits():
    (before,) = write_rows(1)
    with psycopg.connect(database_url(), autocommit=False) as slow:
        with slow.cursor() as cursor:
            cursor.execute("SELECT pg_current_xact_id()")  # the slow transaction's id is taken first …
            fast = write_rows(2)  # … these commit with later ids and later txids …
            assert seal() == 1  # … and wait: only the row before the slow transaction is chained
            cursor.execute(
                "INSERT INTO tracker_auditentry (at, request_id, client_request_id, action, object_type, object_id,"
                " object_repr) VALUES (now(), '', '', 'test.slow', 'x', '0', '') RETURNING id"
            )
            (late,) = cursor.fetchone()
            assert seal() == 0
        slow.commit()
    assert seal() == 3
    order = list(AuditSeal.objects.order_by("position").values_list("entry_id", flat=True))
    assert order == [before, late, *fast]  # txid order: the late row (largest id) comes first
    assert verify().ok


def test_sealers_exclude_each_other_and_writers_never_wait_for_one():
    from tracker.audit_chain.sealer import LOCK_KEY

    write_rows(2)
    with psycopg.connect(database_url(), autocommit=False) as other, other.cursor() as cursor:
        # Another sealer, mid-run: it holds the lock, has read the rows and written a seal.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        cursor.execute("SELECT count(*) FROM tracker_auditentry")
        cursor.execute("INSERT INTO tracker_auditseal (position, entry_id, entry_txid, hash) VALUES (1, -1, 0, '')")
        with connection.cursor() as ours:
            ours.execute("SET lock_timeout = '1s'")  # a writer that had to wait would fail here
        try:
            write_rows(3)
            assert seal() == 0  # the other sealer is at work: beat's next run will catch up
        finally:
            with connection.cursor() as ours:
                ours.execute("RESET lock_timeout")
        other.rollback()
    assert seal() == 5


def test_rows_of_concurrent_writers_are_all_sealed_exactly_once(reference):
    stop = threading.Event()

    def keep_sealing():
        try:
            while not stop.is_set():
                seal()
                time.sleep(0.01)
        finally:
            connection.close()

    sealer = threading.Thread(target=keep_sealing)
    sealer.start()
    try:
        results = run_concurrently("tests.concurrent_jobs.write_audit_rows", [(150,)] * 4)
    finally:
        stop.set()
        sealer.join()
    assert results == [("ok", 150)] * 4
    seal()
    written = set(AuditEntry.objects.values_list("pk", flat=True))
    seals = list(AuditSeal.objects.order_by("position").values_list("position", "entry_id"))
    assert [p for p, _ in seals] == list(range(1, len(written) + 1))
    assert sorted(e for _, e in seals) == sorted(written)
    assert verify().ok


def test_a_chain_of_100000_rows_verifies(capsys):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO tracker_auditentry (at, request_id, client_request_id, action, object_type, object_id,"
            " object_repr, ip, after)"
            " SELECT now() - make_interval(secs => i), md5(i::text), '', 'case.view', 'cases.case', i::text,"
            "  'Case ' || i, '10.0.0.1', jsonb_build_object('via', 'api', 'i', i)"
            " FROM generate_series(1, 100000) AS i"
        )
    started = time.monotonic()
    assert seal() == 100_000
    sealing = time.monotonic() - started
    make_checkpoint()
    report = verify()
    assert report.ok and report.rows == report.sealed == 100_000
    with capsys.disabled():
        print(
            f"\n100,000 audit rows: sealed in {sealing:.1f} s, verified in {report.seconds:.1f} s"
            f" ({report.rows_per_second:,.0f} rows/s)"
        )
    assert report.seconds < 60


def test_beat_seals_and_checkpoints_the_chain():
    from config.celery_app import app

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["audit-seal"]["task"] == "tracker.audit_seal" and schedule["audit-seal"]["schedule"] <= 10
    assert schedule["audit-checkpoint"]["task"] == "tracker.audit_checkpoint"
    app.loader.import_default_modules()
    write_rows(2)
    assert app.tasks["tracker.audit_seal"]() == 2
    assert app.tasks["tracker.audit_checkpoint"]()["count"] == 2


def test_rows_the_product_writes_are_sealed_and_verify(reference):
    """Rows with everything filled in (a person as actor, whose id is a UUID; their agency; an
    address; before and after), as a service and a login write them: the sealer once failed on
    the first row with an actor (it hashed the UUID as a Python object) and sealed nothing."""
    from cases import services as case_services
    from tests.factories import case_kwargs, officer
    from tracker import context

    alice = officer("alice", "LABOUR")
    token = context.client_ip.set("192.0.2.7")
    try:
        case = case_services.case_create(actor=alice, unit=alice.memberships.first().unit, **case_kwargs())
        audit.record_access(actor=alice, action="case.view", obj=case, detail={"via": "web"})
    finally:
        context.client_ip.reset(token)
    rows = AuditEntry.objects.filter(actor=alice)
    assert rows.count() >= 2 and rows.filter(ip="192.0.2.7").exists()
    assert seal() >= 2
    assert set(rows.values_list("pk", flat=True)) <= set(AuditSeal.objects.values_list("entry_id", flat=True))
    make_checkpoint()
    assert verify().ok
