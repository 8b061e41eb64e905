"""When a contact point must acknowledge a referral, and when it is late: the one place for
both rules. The sending service sets the deadline with :func:`acknowledgement_due_on`; the
page's overdue badge, the desk's filter and the escalation sweep all read :func:`overdue_q`
(or its one-row mirror ``Referral.is_overdue``, tied to it by a test).

The deadline counts Norwegian working days: weekends and public holidays (Easter, Ascension,
Whit Monday, 1 and 17 May, Christmas, New Year) are skipped, so it never falls on one.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from referrals.choices import ReferralStatus


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> holidays.HolidayBase:
    # One frozen table per year (expand=False): shared between threads, never grown on lookup.
    return holidays.country_holidays("NO", years=year, expand=False)


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count); with 0,
    ``start`` or the first working day after it."""
    one = datetime.timedelta(days=1)
    day = start
    if days <= 0:
        while not is_working_day(day):
            day += one
        return day
    while days:
        day += one
        if is_working_day(day):
            days -= 1
    return day


def acknowledgement_due_on(sent_on: datetime.date) -> datetime.date:
    """The last day the contact point may acknowledge a referral sent on ``sent_on``."""
    return add_working_days(sent_on, settings.REFERRAL_ACKNOWLEDGEMENT_DAYS)


def overdue_q(today: datetime.date | None = None) -> Q:
    """Sent, not yet acknowledged, and its acknowledgement day is over."""
    today = today or timezone.localdate()
    return Q(status=ReferralStatus.SENT, acknowledgement_due_on__lt=today)
