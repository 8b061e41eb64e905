"""Small presentation helpers shared by every page's templates."""

from __future__ import annotations

from decimal import Decimal

from django import forms, template
from django.urls import NoReverseMatch, reverse
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def nok(amount) -> str:
    """An amount in kroner the way Norwegians write it: ``kr 12 500`` (``NOK 12,500`` in English)."""
    if amount in (None, ""):
        return ""
    value = Decimal(amount)
    places = 0 if value == value.to_integral_value() else 2
    number = formats.number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)
    return _("kr %(amount)s") % {"amount": number}


@register.filter
def widget_kind(bound_field) -> str:
    """How a field is laid out: a single box to tick, a group of choices, or an input."""
    widget = bound_field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    return "input"


@register.simple_tag
def url_if_exists(name: str, *args, **kwargs) -> str:
    """The URL of a page that may not exist yet (another app's), or "" so the link is left out:
    ``{% url_if_exists "controls:create" as plan_url %}{% if plan_url %}…{% endif %}``."""
    try:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    except NoReverseMatch:
        return ""
