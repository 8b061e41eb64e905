"""How the control pages write a control's time."""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.formats import date_format, number_format, time_format

register = template.Library()


@register.filter
def time_window(control) -> str:
    """``26.11.2026 18:00–22:00``, or both dates when it runs past midnight."""
    start, end = timezone.localtime(control.starts_at), timezone.localtime(control.ends_at)
    day = date_format(start, "SHORT_DATE_FORMAT")
    if start.date() == end.date():
        return f"{day} {time_format(start, 'H:i')}–{time_format(end, 'H:i')}"
    return f"{day} {time_format(start, 'H:i')} – {date_format(end, 'SHORT_DATE_FORMAT')} {time_format(end, 'H:i')}"


@register.filter
def hours(control) -> str:
    start, end = timezone.localtime(control.starts_at), timezone.localtime(control.ends_at)
    return f"{time_format(start, 'H:i')}–{time_format(end, 'H:i')}"


@register.filter
def person_name(user) -> str:
    return user.get_full_name() or user.username


STATUS_COLOURS = {
    "planned": "neutral",
    "confirmed": "info",
    "in_progress": "warning",
    "completed": "success",
    "followed_up": "success",
    "cancelled": "danger",
}


@register.filter
def status_colour(status: str) -> str:
    """The tag colour of a status (its name is always written beside it)."""
    return STATUS_COLOURS.get(str(status), "neutral")


@register.filter
def coordinates(site) -> str:
    """``59,9127 / 10,7608``: latitude and longitude, without trailing zeros."""
    if site.latitude is None or site.longitude is None:
        return ""
    lat, lon = (number_format(value.normalize(), use_l10n=True) for value in (site.latitude, site.longitude))
    return f"{lat} / {lon}"
