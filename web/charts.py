"""Bar and column charts drawn as SVG on the server: no script, no chart library.

Sizes are in CSS pixels and positions across in percent, so a chart fills its card at any width
while its text keeps the page's size. Every number drawn is also in the table under the chart,
and the image is named by its title and described in words (role="img")."""

from __future__ import annotations

from math import ceil

from django.utils.translation import gettext as _

ROW = 40  # a bar: its label above it, then the bar
BAR = 13
BAR_ROOM = 72  # percent of the width for the longest bar; its value stands to the right
LABEL_CHARS = 48
PLOT = 140  # column chart: the columns' height, with room above for values and below for labels
ABOVE, BELOW = 20, 36
MAX_VALUES_SHOWN = 16  # more columns than this and their values stay in the table only


def _pct(number: float) -> str:
    # Plain strings: a Norwegian locale must not write "12,5" into SVG.
    return f"{number:.2f}%"


def _description(series) -> str:
    if not any(value for _, value, _ in series):
        return _("No data for this period.")
    label, _value, shown = max(series, key=lambda item: item[1])
    return _("%(count)s bars; the largest is %(label)s with %(value)s. The numbers are in the table.") % {
        "count": len(series),
        "label": label,
        "value": shown,
    }


def _chart(series, *, key: str, title: str, kind: str, height: int, **drawing) -> dict:
    if not any(value for _, value, _ in series):  # nothing to draw: say so (the table still lists the zeros)
        kind, height = "empty", 28
    return {
        "key": key,
        "title": title,
        "kind": kind,
        "description": _description(series),
        "rows": [(label, shown) for label, _value, shown in series],
        "height": str(height),
        **drawing,
    }


def bars(series, *, key: str, title: str) -> dict:
    """Horizontal bars, one a row: best for names (agencies, statuses, sectors)."""
    largest = max((float(value) for _, value, _ in series), default=0.0)
    drawn = []
    for index, (label, value, shown) in enumerate(series):
        top = index * ROW
        width = BAR_ROOM * float(value) / largest if largest else 0.0
        drawn.append(
            {"label": label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…", "value": shown,
             "width": _pct(width) if width else "", "value_x": _pct(width), "label_y": str(top + 15),
             "bar_y": str(top + 21), "value_y": str(top + 32)}
        )  # fmt: skip
    return _chart(series, key=key, title=title, kind="bars", height=max(len(series), 1) * ROW, bars=drawn,
                  bar_height=str(BAR))  # fmt: skip


def columns(series, ticks, *, key: str, title: str) -> dict:
    """Columns over time, left to right, each under its short tick (``jan``, with the year
    under the first and under each January)."""
    largest = max((float(value) for _, value, _ in series), default=0.0)
    count = max(len(series), 1)
    slot = 100 / count
    every = ceil(count / 12)  # a tick under every column up to twelve, then every other …
    drawn = []
    for index, (_label, value, shown) in enumerate(series):
        height = round(PLOT * float(value) / largest, 1) if largest else 0.0
        tick, year = ticks[index] if ticks and index < len(ticks) else ("", "")
        labelled = index % every == 0
        if index == 0 and len(ticks) > 1 and ticks[1][1]:
            year = ""  # the next column starts a year and names it: two years side by side would collide
        drawn.append(
            {"x": _pct(index * slot + slot * 0.2), "width": _pct(slot * 0.6), "centre": _pct(index * slot + slot / 2),
             "y": f"{ABOVE + PLOT - height:g}", "height": f"{height:g}" if height else "",
             "value": shown if value and count <= MAX_VALUES_SHOWN else "", "value_y": f"{ABOVE + PLOT - height - 5:g}",
             "tick": tick if labelled else "", "year": year if labelled else ""}
        )  # fmt: skip
    return _chart(series, key=key, title=title, kind="columns", height=ABOVE + PLOT + BELOW, columns=drawn,
                  baseline=str(ABOVE + PLOT), tick_y=str(ABOVE + PLOT + 16), year_y=str(ABOVE + PLOT + 32))  # fmt: skip
