from django.db import migrations

# The audit trail is evidence: refuse UPDATE and DELETE at the database, whoever asks.
# TRUNCATE is left to the table owner (test teardown uses it).
SQL = """
CREATE FUNCTION tracker_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER tracker_auditentry_append_only
    BEFORE UPDATE OR DELETE ON tracker_auditentry
    FOR EACH ROW EXECUTE FUNCTION tracker_audit_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS tracker_auditentry_append_only ON tracker_auditentry;
DROP FUNCTION IF EXISTS tracker_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("tracker", "0001_initial")]

    operations = [migrations.RunSQL(SQL, REVERSE)]
