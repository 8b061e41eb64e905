"""Small presentation helpers shared by every page's templates."""

from __future__ import annotations

from decimal import Decimal

from django import forms, template
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


# The bar chart's drawing, in its own units (the SVG scales to its box).
CHART_WIDTH = 400
CHART_ROW = 38  # a label line above a bar
CHART_BAR = 12
CHART_VALUE_ROOM = 88  # right of the longest bar, for its value
CHART_LABEL_CHARS = 52


@register.inclusion_tag("web/_bar_chart.html")
def bar_chart(series, key: str, title: str, table_caption: str = ""):
    """A horizontal bar chart as SVG (no script), with its numbers as a table for everyone who
    cannot see it: ``series`` is [(label, value)], ``key`` makes the ids unique on the page."""
    series = [(str(label), value or 0) for label, value in series]
    largest = max((value for _, value in series), default=0)
    room = CHART_WIDTH - CHART_VALUE_ROOM
    bars = []
    for index, (label, value) in enumerate(series):
        top = index * CHART_ROW
        width = round(room * float(value) / float(largest), 1) if largest else 0
        shown = cell(value)
        short = label if len(label) <= CHART_LABEL_CHARS else label[: CHART_LABEL_CHARS - 1] + "…"
        # Coordinates as plain strings: the page's locale must not write "12,5" into SVG.
        bars.append(
            {"label": short, "value": shown, "width": f"{width:g}", "label_y": f"{top + 14}",
             "bar_y": f"{top + 20}", "value_x": f"{width + 6:g}", "value_y": f"{top + 30}"}
        )  # fmt: skip
    if series:
        top_label, top_value = max(series, key=lambda pair: pair[1])
        description = _("%(count)s bars; the largest is %(label)s with %(value)s. The numbers are in the table.") % {
            "count": len(series),
            "label": top_label,
            "value": cell(top_value),
        }
    else:
        description = _("No data.")
    return {
        "key": key,
        "title": title,
        "caption": table_caption or title,
        "description": description,
        "bars": bars,
        "rows": [(label, cell(value)) for label, value in series],
        "width": f"{CHART_WIDTH}",
        "height": f"{max(len(series), 1) * CHART_ROW + 4}",
        "bar_height": f"{CHART_BAR}",
    }


@register.filter
def series(table, column: int = 1):
    """One column of a statistics table as (label, value) pairs, for ``bar_chart``."""
    return table.series(int(column))
