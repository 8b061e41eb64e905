from django.apps import AppConfig


class AuditTrailConfig(AppConfig):
    name = "audit_trail"
    label = "audit_trail"
    verbose_name = "Audit trail search"
