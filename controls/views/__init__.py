"""The joint controls' web pages (the API has its own views in api/)."""

from controls.views.calendar import calendar_feed, calendar_link
from controls.views.control import (
    book_officer,
    briefing,
    control_page,
    record_finding,
    transition,
    withdraw_officer,
)
from controls.views.planner import control_list, plan

__all__ = [
    "book_officer",
    "briefing",
    "calendar_feed",
    "calendar_link",
    "control_list",
    "control_page",
    "plan",
    "record_finding",
    "transition",
    "withdraw_officer",
]
