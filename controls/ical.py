"""An officer's bookings as an iCalendar feed (RFC 5545), for their own calendar app.

The feed leaves the tracker for whatever calendar service the officer uses, so it carries
only what a calendar needs: the control's title, its time and its sites. Targets, cases and
briefings stay behind the login; the event links back to the control page."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from controls.choices import ControlStatus
from controls.models import ControlOfficer, JointControl

# A confirmed control is fixed; a planned one may still move; a cancelled one is taken out
# of the officer's calendar by the app.
EVENT_STATUS = {
    ControlStatus.PLANNED: "TENTATIVE",
    ControlStatus.CONFIRMED: "CONFIRMED",
    ControlStatus.IN_PROGRESS: "CONFIRMED",
    ControlStatus.COMPLETED: "CONFIRMED",
    ControlStatus.FOLLOWED_UP: "CONFIRMED",
    ControlStatus.CANCELLED: "CANCELLED",
}


def _site(site) -> str:
    return f"{site.name}, {site.address}" if site.name else site.address


def officer_calendar(
    officer, bookings: Iterable[ControlOfficer], *, link: Callable[[JointControl], str], host: str
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//A-krim case tracker//Joint controls//NB")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Joint controls – %(name)s") % {"name": officer.get_full_name() or officer})
    calendar.add("x-published-ttl", "PT1H")
    for booking in bookings:
        control = booking.control
        sites = [_site(site) for site in control.sites.all()]
        event = Event()
        event.add("uid", f"control-{control.pk}@{host}")
        event.add("dtstamp", control.updated_at)
        event.add("last-modified", control.updated_at)
        event.add("sequence", control.version)
        event.add("dtstart", control.starts_at)
        event.add("dtend", control.ends_at)
        event.add("summary", control.title)
        event.add("status", EVENT_STATUS.get(control.status, "CONFIRMED"))
        if sites:
            event.add("location", "; ".join(sites))
        lines = [f"{_('Status')}: {control.get_status_display()}"]
        if sites:
            lines += ["", _("Sites") + ":", *(f"– {site}" for site in sites)]
        lines += ["", link(control)]
        event.add("description", "\n".join(lines))
        event.add("url", link(control))
        calendar.add_component(event)
    return calendar.to_ical()
