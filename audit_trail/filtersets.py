"""The audit trail's filters, shared by the auditors' API list and its CSV export; the page's form
(audit_trail/forms.py) filters through the same selector, ``audit_search``."""

from __future__ import annotations

import django_filters

from audit_trail.selectors import audit_search
from tracker.filters import DateTimeFilter
from tracker.models import AuditEntry

FILTERS = ("person", "case", "subject", "since", "until", "action")


class AuditFilter(django_filters.FilterSet):
    person = django_filters.CharFilter(method="search", help_text="Who acted: a username (exact) or part of a name")
    case = django_filters.CharFilter(
        method="search", help_text="A case's reference or id: its rows and those of what hangs off it"
    )
    subject = django_filters.CharFilter(
        method="search", help_text="An organisation or person: its id, or part of the name recorded"
    )
    since = DateTimeFilter(method="search", help_text="At or after this time (ISO 8601)")
    until = DateTimeFilter(method="search", help_text="Before this time (ISO 8601)")
    action = django_filters.CharFilter(
        method="search", help_text="An action or its start: `case.view`, `access.`, `export.`…"
    )

    class Meta:
        model = AuditEntry
        fields = []

    def search(self, queryset, name, value):
        return audit_search(queryset, **{name: value})
