"""Input fields shared by the API's serializers."""

from rest_framework import serializers

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
        from agencies.models import User

        kwargs.setdefault("queryset", User.objects.none())  # names the model for the schema
        super().__init__(**kwargs)

    def get_queryset(self):
        from agencies.selectors import members_visible_to

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
