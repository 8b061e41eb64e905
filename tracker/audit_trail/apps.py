from django.apps import AppConfig


class AuditTrailConfig(AppConfig):
    name = "tracker.audit_trail"
    label = "audit_trail"
    verbose_name = "Audit trail search"
