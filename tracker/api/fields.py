"""Fields shared by the API's serializers."""

import datetime
import zoneinfo

from django.conf import settings
from django.db import models
from rest_framework import serializers
from rest_framework.settings import ISO_8601, api_settings

from agencies.models import User
from agencies.selectors import members_visible_to
from tracker.validators import normalise_country_code, validate_country_code


class CountryCodeField(serializers.CharField):
    """An ISO 3166-1 alpha-2 code; ``pl`` is read as ``PL``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 2)
        kwargs.setdefault("help_text", "ISO 3166-1 alpha-2 country code, e.g. NO or PL")
        super().__init__(**kwargs)
        self.validators.append(validate_country_code)

    def to_internal_value(self, data):
        return normalise_country_code(super().to_internal_value(data))


class UnitMemberField(serializers.PrimaryKeyRelatedField):
    """An active member of the unit given in the serializer's context as ``unit``, looked up
    among the members the caller may see: anyone else is 'does not exist', like a random id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.none())  # names the model for the schema
        super().__init__(**kwargs)

    def get_queryset(self):
        return members_visible_to(self.context["request"].user, self.context["unit"])


class VisibleField(serializers.PrimaryKeyRelatedField):
    """An object looked up only among those the caller may see (``selector(user)``): one they may
    not see gives the same error as an id that does not exist."""

    def __init__(self, model, selector, **kwargs):
        self.selector = selector
        kwargs.setdefault("queryset", model.objects.none())  # names the model for the schema
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(self.context["request"].user)


class DateTimeField(serializers.DateTimeField):
    """DRF's date-time field, written out without asking for the current time zone each time.

    DRF looks the active zone up (an asgiref ``Local``) for every date-time of every row: a sixth
    of a 200-case page's time. The API never activates a zone of its own, so the answer is always
    ``TIME_ZONE``; the output is identical (ISO 8601, ``Z`` for UTC). Reading input is DRF's."""

    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)

    def to_representation(self, value):
        output_format = getattr(self, "format", api_settings.DATETIME_FORMAT)
        if not isinstance(value, datetime.datetime) or value.tzinfo is None or output_format != ISO_8601:
            return super().to_representation(value)  # None, text, naive, another format: as DRF
        text = value.astimezone(getattr(self, "timezone", self.zone)).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text


class ModelSerializer(serializers.ModelSerializer):
    """The base of the API's model serializers: our date-time field for model date-times."""

    serializer_field_mapping = serializers.ModelSerializer.serializer_field_mapping | {
        models.DateTimeField: DateTimeField
    }
