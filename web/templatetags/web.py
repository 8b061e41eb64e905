"""Small presentation helpers shared by every page's templates."""

from __future__ import annotations

from decimal import Decimal

from django import forms, template
from django.utils import formats
from django.utils.translation import gettext as _

from web import charts

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


@register.filter
def number(value) -> str:
    """A count with Norwegian digit grouping (12 500)."""
    if value in (None, ""):
        return ""
    return formats.number_format(value, decimal_pos=0, use_l10n=True, force_grouping=True)


@register.filter
def cell(value) -> str:
    """A statistics table's cell: an amount (Decimal) in kroner, a count grouped, text as it is."""
    if isinstance(value, Decimal):
        return nok(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return number(value)
    return value


@register.inclusion_tag("web/_chart.html")
def bar_chart(series, key: str, title: str):
    """A horizontal bar chart in SVG (no script), with its numbers as a table for whoever cannot
    see it: ``series`` is [(label, value)]; ``key`` makes its ids unique on the page."""
    return charts.bars(_series(series), key=key, title=title)


@register.inclusion_tag("web/_chart.html")
def column_chart(table, column: int, key: str, title: str):
    """A column chart of one column of a statistics table over time (months or years), labelled
    with the table's short ``ticks``."""
    return charts.columns(_series(table.series(int(column))), table.ticks, key=key, title=title)


def _series(series) -> list[tuple[str, object, str]]:
    return [(str(label), value or 0, cell(value or 0)) for label, value in series]


@register.filter
def series(table, column: int = 1):
    """One column of a statistics table as (label, value) pairs, for ``bar_chart``."""
    return table.series(int(column))
