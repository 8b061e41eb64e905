"""The acknowledgement deadline counts Norwegian working days; overdue means the same thing
to the badge, the desk's filter and the escalation sweep."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from notifications import reminders
from referrals import services
from referrals.choices import ReferralStatus
from referrals.deadlines import acknowledgement_due_on, add_working_days, is_working_day, overdue_q
from referrals.models import Referral

D = datetime.date
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


@pytest.fixture(autouse=True)
def five_working_days(settings):
    settings.REFERRAL_ACKNOWLEDGEMENT_DAYS = 5


@pytest.mark.parametrize(
    "day",
    [
        D(2026, 4, 2),  # Maundy Thursday
        D(2026, 4, 3),  # Good Friday
        D(2026, 4, 6),  # Easter Monday
        D(2026, 5, 1),  # Labour Day
        D(2026, 5, 14),  # Ascension Day
        D(2028, 5, 17),  # Constitution Day on a Wednesday
        D(2026, 5, 25),  # Whit Monday
        D(2026, 12, 25),  # Christmas Day
        D(2027, 1, 1),  # New Year's Day
        D(2026, 11, 28),  # a Saturday
        D(2026, 11, 29),  # a Sunday
    ],
)
def test_public_holidays_and_weekends_are_not_working_days(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [D(2026, 4, 1), D(2026, 4, 7), D(2026, 12, 24), D(2026, 12, 31), D(2028, 5, 16)])
def test_ordinary_weekdays_are_working_days_christmas_and_new_years_eve_included(day):
    assert is_working_day(day)


@pytest.mark.parametrize(
    "sent_on,due_on",
    [
        # Wednesday before Easter: Thursday to Monday are holidays or weekend.
        (D(2026, 4, 1), D(2026, 4, 13)),
        # Christmas: 25 Dec (Friday) and the weekend are skipped; 24 and 31 Dec count.
        (D(2026, 12, 23), D(2026, 12, 31)),
        # Across New Year: 1 Jan and the weekend after it are skipped.
        (D(2026, 12, 28), D(2027, 1, 5)),
        # 17 May on a Wednesday.
        (D(2028, 5, 16), D(2028, 5, 24)),
        # 17 May 2027 is also Whit Monday; Ascension (6 May) is a week before.
        (D(2027, 5, 12), D(2027, 5, 20)),
        # A Friday: the weekend does not count.
        (D(2026, 11, 27), D(2026, 12, 4)),
        # Sent on a Saturday: the count starts on Monday.
        (D(2026, 11, 28), D(2026, 12, 4)),
    ],
)
def test_the_deadline_counts_five_working_days(sent_on, due_on):
    assert acknowledgement_due_on(sent_on) == due_on


def test_the_deadline_never_falls_on_a_weekend_or_holiday_and_has_the_full_count():
    day = D(2026, 1, 1)
    while day < D(2029, 1, 1):
        due = acknowledgement_due_on(day)
        assert is_working_day(due), (day, due)
        between = [day + datetime.timedelta(days=n) for n in range(1, (due - day).days + 1)]
        assert sum(map(is_working_day, between)) == 5, (day, due)
        day += datetime.timedelta(days=1)


def test_zero_working_days_is_the_same_day_or_the_next_working_one():
    assert add_working_days(D(2026, 4, 1), 0) == D(2026, 4, 1)
    assert add_working_days(D(2026, 4, 3), 0) == D(2026, 4, 7)


def test_sending_on_the_wednesday_before_easter_sets_the_deadline_after_easter_monday(referral, alice, monkeypatch):
    wednesday = datetime.datetime(2026, 4, 1, 15, 30, tzinfo=OSLO)
    monkeypatch.setattr(timezone, "now", lambda: wednesday)
    sent = services.referral_send(actor=alice, referral=referral)
    assert sent.acknowledgement_due_on == D(2026, 4, 13)


def test_a_late_evening_sending_counts_from_the_norwegian_date(referral, alice, monkeypatch):
    # 23:30 in Oslo on Friday 27 Nov is still Friday there (22:30 UTC).
    friday_night = datetime.datetime(2026, 11, 27, 22, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: friday_night)
    sent = services.referral_send(actor=alice, referral=referral)
    assert sent.acknowledgement_due_on == D(2026, 12, 4)


def test_overdue_means_the_same_to_the_page_the_filter_and_the_escalation(referral, alice, desk):
    """is_overdue (one row, in Python) and overdue_q (SQL, used by the desk's filter and the
    sweep) agree on every status and due date around today; the sweep escalates exactly those."""
    today = timezone.localdate()
    sent = services.referral_send(actor=alice, referral=referral)
    rows = [sent]
    for status in ReferralStatus.values:
        for offset in (-2, -1, 0, 1):
            copy = Referral.objects.create(
                case=sent.case,
                contact_point=sent.contact_point,
                category=sent.category,
                summary="s",
                legal_basis=sent.legal_basis,
                created_by=alice,
                status=status,
                sent_at=None if status == ReferralStatus.DRAFT else timezone.now(),
                acknowledgement_due_on=today + datetime.timedelta(days=offset),
                decline_reason="r",
                outcome="o",
            )
            rows.append(copy)
    in_sql = set(Referral.objects.filter(overdue_q()).values_list("pk", flat=True))
    in_python = {r.pk for r in rows if r.is_overdue}
    assert in_sql == in_python
    assert len(in_python) == 2  # sent, due yesterday or the day before

    assert reminders.escalate_overdue_referrals() == 2
    escalated = set(Referral.objects.filter(escalated_at__isnull=False).values_list("pk", flat=True))
    assert escalated == in_python
