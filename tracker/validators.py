"""The bounds of every date and country code the tracker accepts, in one place.

Models use these as field validators, so services enforce them through ``full_clean``;
serializers and filters use the same functions for precise 400s; the fixed parts of the
bounds are also database constraints (see each model's ``Meta``). A date outside them is
a typing error, not a fact: year 1 would make a case reference ``OSL-1-00001``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pycountry
from django.core.exceptions import ValidationError
from django.utils import timezone

EARLIEST_BIRTH = datetime.date(1900, 1, 1)
# Nothing the tracker records (cases, tips, controls, tasks) predates the cooperation.
EARLIEST_RECORD = datetime.date(2000, 1, 1)
EARLIEST_RECORD_TIME = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
# How far ahead controls and task deadlines may be planned.
PLANNING_YEARS = 5
# Fixed outer bounds, for the database constraints and for filters.
EARLIEST_ANY = datetime.date(1900, 1, 1)
LATEST_ANY = datetime.date(2099, 12, 31)
# A joint control is one action (a shift, at most an action week); a longer window would
# book its officers out of every other control.
CONTROL_MAX_DAYS = 7
# Kosovo is user-assigned in ISO 3166 but used by the EU and in Norwegian registers.
EXTRA_COUNTRY_CODES = frozenset({"XK"})


def _years_ahead(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def as_local_date(value: datetime.date | datetime.datetime) -> datetime.date:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            try:
                value = timezone.localtime(value)
            except (OverflowError, ValueError):
                raise ValidationError("Date out of range.", code="date_range") from None
        return value.date()
    return value


@dataclass(frozen=True)
class DateBounds:
    what: str
    earliest: datetime.date
    years_ahead: int | None  # 0: no later than today; None: the fixed outer bound

    def latest(self) -> datetime.date:
        if self.years_ahead is None:
            return LATEST_ANY
        return _years_ahead(timezone.localdate(), self.years_ahead)

    def __call__(self, value) -> None:
        if value is None:
            return
        day = as_local_date(value)
        latest = self.latest()
        if not self.earliest <= day <= latest:
            until = "today" if self.years_ahead == 0 else latest.isoformat()
            raise ValidationError(
                "%(what)s must lie between %(earliest)s and %(until)s.",
                code="date_range",
                params={"what": self.what, "earliest": self.earliest.isoformat(), "until": until},
            )


_birth = DateBounds("A date of birth", EARLIEST_BIRTH, 0)
_received = DateBounds("The date received", EARLIEST_RECORD, 0)
_planned = DateBounds("The date", EARLIEST_RECORD, PLANNING_YEARS)
_filter = DateBounds("A date to filter by", EARLIEST_ANY, None)


# Module-level functions, so that migrations can name them.
def validate_birth_date(value) -> None:
    """Not in the future, not before 1900."""
    _birth(value)


def validate_received_date(value) -> None:
    """When a case or tip came in: from 2000 until today."""
    _received(value)


def validate_planned_date(value) -> None:
    """A control's window or a deadline: from 2000 until five years ahead."""
    _planned(value)


def validate_filter_date(value) -> None:
    _filter(value)


def validate_country_code(value: str) -> None:
    """An ISO 3166-1 alpha-2 code in capitals, such as NO or PL."""
    if not value:
        return
    if value in EXTRA_COUNTRY_CODES or (value.isupper() and pycountry.countries.get(alpha_2=value) is not None):
        return
    raise ValidationError(
        "%(value)s is not an ISO 3166-1 alpha-2 country code (such as NO or PL).",
        code="invalid_country",
        params={"value": value},
    )


def normalise_country_code(value: str | None) -> str:
    return (value or "").strip().upper()
