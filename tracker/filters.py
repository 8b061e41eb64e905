"""Filter pieces shared by every list."""

import datetime

import django_filters
from django import forms

from tracker.validators import validate_filter_date


class UtcIsoDateTimeField(forms.DateTimeField):
    """ISO 8601 date-times, converted to UTC: PostgreSQL refuses offsets beyond ±15:59
    that Python accepts, and a conversion past year 1 or 9999 is bad input, not a crash."""

    default_validators = [validate_filter_date]

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._iso = django_filters.fields.IsoDateTimeField()

    def to_python(self, value):
        value = self._iso.to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC) if value.tzinfo else value
        except OverflowError:
            raise forms.ValidationError("Date-time out of range.", code="overflow") from None


class DateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
