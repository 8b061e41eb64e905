"""Planning and carrying out joint controls: every write goes through here."""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency, RegionalUnit, SanctionKind, User
from agencies.selectors import has_role
from cases.models import Case
from cases.permissions import sees_whole_unit
from cases.services import agencies_by_code, journal_system
from controls import permissions
from controls.choices import BOOKING_STATES, FINDING_STATES, ControlStatus
from controls.models import CalendarFeed, ControlOfficer, ControlSite, Finding, JointControl
from controls.selectors import controls_visible_to, overlapping_bookings
from tracker import audit
from tracker.exceptions import Conflict, DomainValidationError, InvalidTransition, NotPermitted
from tracker.services import check_version, clean, lock
from tracker.validators import CONTROL_MAX_DAYS

CONTROL_FIELDS = ("unit", "title", "starts_at", "ends_at", "status", "cancellation_reason", "version")


def _state(control: JointControl) -> dict:
    state = audit.snapshot(control, CONTROL_FIELDS)
    state["agencies"] = sorted(a.code for a in control.agencies.all())
    state["cases"] = sorted(str(pk) for pk in control.cases.values_list("pk", flat=True))
    return state


def _record(control, *, actor, action, before, event_type, payload=None):
    after = _state(control)
    audit.record(
        actor=actor,
        action=action,
        obj=control,
        before=before,
        after=after,
        event_type=event_type,
        unit=control.unit,
        agencies=after["agencies"],
        payload={"title": control.title, **after, **(payload or {})},
    )


def _journal_cases(control: JointControl, actor, text: str) -> None:
    for case in control.cases.all():
        journal_system(case, actor=actor, body=text)


@transaction.atomic
def control_plan(
    *,
    actor,
    unit: RegionalUnit,
    title: str,
    starts_at,
    ends_at,
    agencies: Iterable[Agency | str],
    briefing: str = "",
    sites: Sequence[dict] = (),
    cases: Iterable = (),
    target_organisations: Iterable = (),
    target_persons: Iterable = (),
) -> JointControl:
    permissions.require_planner(actor, unit.pk)
    participating = agencies_by_code(agencies)
    if not participating:
        raise DomainValidationError.for_field("agencies", "A joint control needs at least one participating agency.")
    if not sees_whole_unit(actor, unit.pk) and actor.agency_id not in {a.pk for a in participating}:
        # Else the planner could not see the control they planned.
        raise DomainValidationError.for_field(
            "agencies", f"Your agency ({actor.agency.code}) must take part in the control you plan."
        )
    _check_window(starts_at, ends_at)
    control = JointControl(
        unit=unit, title=title, briefing=briefing, starts_at=starts_at, ends_at=ends_at, created_by=actor
    )
    clean(control, exclude=["created_by"])
    cases = list(cases)
    foreign = [case.reference for case in cases if case.unit_id != unit.pk]
    if foreign:
        raise DomainValidationError.for_field("cases", f"Cases of another unit cannot be served: {', '.join(foreign)}.")
    target_organisations = _subjects_of_unit(unit, target_organisations, "target_organisations")
    target_persons = _subjects_of_unit(unit, target_persons, "target_persons")
    control.save()
    control.agencies.set(participating)
    control.cases.set(cases)
    control.target_organisations.set(target_organisations)
    control.target_persons.set(target_persons)
    for site in sites:
        _add_site(control, site)
    _journal_cases(
        control, actor, f"Joint control planned: {control.title}, {timezone.localtime(starts_at):%Y-%m-%d %H:%M}."
    )
    _record(control, actor=actor, action="control.plan", before=None, event_type="control.planned")
    return control


def _subjects_of_unit(unit: RegionalUnit, subjects: Iterable, field: str) -> list:
    """Targets and findings name subjects recorded on the unit's own cases."""
    subjects = list(subjects)
    case_ids = {subject.case_id for subject in subjects}
    if case_ids and Case.objects.filter(pk__in=case_ids).exclude(unit=unit).exists():
        raise DomainValidationError.for_field(field, f"Name subjects recorded on cases of {unit.code}.")
    return subjects


def _check_window(starts_at, ends_at) -> None:
    if starts_at and ends_at and ends_at <= starts_at:
        raise DomainValidationError.for_field("ends_at", "A control must end after it starts.")
    if starts_at and ends_at and ends_at - starts_at > datetime.timedelta(days=CONTROL_MAX_DAYS):
        raise DomainValidationError.for_field("ends_at", f"A control lasts at most {CONTROL_MAX_DAYS} days.")


def _add_site(control: JointControl, data: dict) -> ControlSite:
    site = ControlSite(control=control, **data)
    clean(site, exclude=["control"])
    site.save()
    return site


def _lock_officers(officer_ids: Iterable) -> list[User]:
    # Locking the officers' rows (always in the same order, so two planners cannot
    # deadlock) serialises every booking that could overlap for that officer.
    return list(
        User.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(officer_ids), key=str)).order_by("pk")
    )


def _check_free(actor, officer: User, control: JointControl, starts_at, ends_at) -> None:
    clash = overlapping_bookings(officer, starts_at, ends_at, exclude_control=control).first()
    if clash is not None:
        # The clash may be another unit's control: name it only to those who may see it.
        seen = controls_visible_to(actor).filter(pk=clash.control_id).exists()
        other = f"“{clash.control}”" if seen else "another control"
        raise Conflict(
            f"{officer} is already booked on {other} at that time.",
            errors={"officer": f"Already booked on {other} at that time."},
        )


@transaction.atomic
def control_update(*, actor, control: JointControl, expected_version: int | None = None, **changes) -> JointControl:
    control = lock(control)
    check_version(control, expected_version)
    permissions.require_planner(actor, control.unit_id)
    if control.status not in BOOKING_STATES:
        raise InvalidTransition(f"A {control.get_status_display().lower()} control cannot be changed.")
    allowed = {"title", "briefing", "starts_at", "ends_at"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    before = _state(control)
    for field, value in changes.items():
        setattr(control, field, value)
    _check_window(control.starts_at, control.ends_at)
    clean(control)
    if {"starts_at", "ends_at"} & changes.keys():
        booked = control.officers.values_list("officer_id", flat=True)
        for officer in _lock_officers(booked):
            _check_free(actor, officer, control, control.starts_at, control.ends_at)
    control.version += 1
    control.save()
    _record(control, actor=actor, action="control.update", before=before, event_type="control.changed")
    return control


@transaction.atomic
def control_book_officer(*, actor, control: JointControl, officer: User, is_lead: bool = False) -> ControlOfficer:
    (officer,) = _lock_officers([officer.pk]) or (None,)
    if officer is None or not officer.is_active:
        raise DomainValidationError.for_field("officer", "No such active officer.")
    control = JointControl.objects.get(pk=control.pk)
    permissions.require_planner(actor, control.unit_id)
    if control.status not in BOOKING_STATES:
        raise InvalidTransition(f"Officers cannot be booked on a {control.get_status_display().lower()} control.")
    if not permissions.may_book_for(actor, control.unit_id, officer.agency_id):
        raise NotPermitted(
            "Each agency decides who it sends: you can only book officers of your own agency "
            "(the unit's coordinator books any agency's)."
        )
    if not has_role(officer, control.unit_id):
        raise DomainValidationError.for_field("officer", f"{officer} does not serve in {control.unit.code}.")
    if not control.agencies.filter(pk=officer.agency_id).exists():
        raise DomainValidationError.for_field("officer", f"{officer.agency} does not take part in this control.")
    if control.officers.filter(officer=officer).exists():
        raise Conflict(f"{officer} is already booked on this control.")
    _check_free(actor, officer, control, control.starts_at, control.ends_at)
    booking = ControlOfficer.objects.create(
        control=control, officer=officer, agency_id=officer.agency_id, is_lead=is_lead, booked_by=actor
    )
    audit.record(
        actor=actor,
        action="control.book_officer",
        obj=booking,
        after=audit.snapshot(booking, ["control", "officer", "agency", "is_lead"]),
        event_type="control.officer_booked",
        unit=control.unit,
        agencies=[a.code for a in control.agencies.all()],
        payload={
            "control": str(control.pk),
            "title": control.title,
            "officer": str(officer.pk),
            "starts_at": control.starts_at,
            "ends_at": control.ends_at,
        },
    )
    return booking


@transaction.atomic
def control_unbook_officer(*, actor, booking: ControlOfficer) -> None:
    control = lock(booking.control)
    permissions.require_planner(actor, control.unit_id)
    if not permissions.may_book_for(actor, control.unit_id, booking.agency_id):
        raise NotPermitted("Only the officer's own agency or the unit's coordinator can withdraw them.")
    audit.record(
        actor=actor,
        action="control.unbook_officer",
        obj=booking,
        before=audit.snapshot(booking, ["control", "officer", "agency", "is_lead"]),
    )
    booking.delete()


@transaction.atomic
def control_transition(
    *, actor, control: JointControl, to: str, reason: str = "", expected_version: int | None = None
) -> JointControl:
    control = lock(control)
    check_version(control, expected_version)
    permissions.require_planner(actor, control.unit_id)
    if to not in control.allowed_transitions():
        raise InvalidTransition(f"A control cannot go from {control.get_status_display().lower()} to {to}.")
    if to == ControlStatus.CANCELLED:
        if not reason.strip():
            raise DomainValidationError.for_field("reason", "Cancelling a control needs a reason.")
        control.cancellation_reason = reason
    before = _state(control)
    previous, control.status = control.status, to
    control.version += 1
    control.save()
    label = ControlStatus(to).label.lower()
    if to in (ControlStatus.CANCELLED, ControlStatus.COMPLETED):
        _journal_cases(control, actor, f"Joint control {control.title} {label}." + (f" {reason}" if reason else ""))
    event = {ControlStatus.CANCELLED: "control.cancelled", ControlStatus.COMPLETED: "control.completed"}.get(
        to, "control.transitioned"
    )
    _record(
        control,
        actor=actor,
        action="control.transition",
        before=before,
        event_type=event,
        payload={"from": previous, "to": to},
    )
    return control


@transaction.atomic
def finding_record(
    *,
    actor,
    control: JointControl,
    sanction_kind: SanctionKind,
    persons_count: int = 0,
    amount_nok: Decimal | None = None,
    organisation=None,
    person=None,
    note: str = "",
    agency: Agency | None = None,
) -> Finding:
    control = lock(control)
    agency = agency or actor.agency
    if agency is None:
        raise DomainValidationError.for_field("agency", "A finding belongs to an agency.")
    if not permissions.may_record_findings(actor, control.unit_id, agency.pk):
        raise NotPermitted("Each agency records its own findings: only its officers in the unit may do so.")
    if control.status not in FINDING_STATES:
        raise InvalidTransition(
            f"Findings are recorded once a control is under way, not when it is {control.get_status_display().lower()}."
        )
    if not control.agencies.filter(pk=agency.pk).exists():
        raise DomainValidationError.for_field("agency", f"{agency} does not take part in this control.")
    if sanction_kind.agency_id != agency.pk:
        raise DomainValidationError.for_field(
            "sanction_kind", f"{sanction_kind.name} is not a sanction {agency} can impose."
        )
    if amount_nok is not None and not sanction_kind.involves_amount:
        raise DomainValidationError.for_field("amount_nok", f"{sanction_kind.name} has no amount.")
    _subjects_of_unit(control.unit, [organisation] if organisation else [], "organisation")
    _subjects_of_unit(control.unit, [person] if person else [], "person")
    finding = Finding(
        control=control,
        agency=agency,
        sanction_kind=sanction_kind,
        persons_count=persons_count,
        amount_nok=amount_nok,
        organisation=organisation,
        person=person,
        note=note,
        recorded_by=actor,
    )
    clean(finding, exclude=["control", "recorded_by"])
    finding.save()
    audit.record(
        actor=actor,
        action="control.finding",
        obj=finding,
        after=audit.snapshot(
            finding, ["control", "agency", "sanction_kind", "amount_nok", "persons_count", "organisation", "person"]
        ),
        event_type="control.finding_recorded",
        unit=control.unit,
        agencies=[a.code for a in control.agencies.all()],
        payload={
            "control": str(control.pk),
            "agency": agency.code,
            "sanction_kind": sanction_kind.code,
            "amount_nok": amount_nok,
            "persons_count": persons_count,
        },
    )
    return finding


@transaction.atomic
def calendar_feed_create(*, actor) -> tuple[CalendarFeed, str]:
    """A new secret calendar link for ``actor``'s own bookings; any earlier link stops working.

    Returns the token itself, which is shown once and never stored."""
    if not actor.is_active or actor.is_service_account:
        raise NotPermitted("Only people get a calendar link.")
    # The officer's row lock makes two simultaneous requests take turns (one live link each).
    User.objects.select_for_update(of=("self",)).filter(pk=actor.pk).first()
    for feed in CalendarFeed.objects.filter(officer=actor, revoked_at__isnull=True):
        _revoke_feed(actor, feed)
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(officer=actor, digest=CalendarFeed.digest_of(token))
    audit.record(actor=actor, action="calendar_feed.create", obj=feed, after={"officer": actor.pk})
    return feed, token


@transaction.atomic
def calendar_feed_revoke(*, actor, feed: CalendarFeed) -> CalendarFeed:
    feed = lock(feed)
    if feed.officer_id != actor.pk and not actor.is_superuser:
        raise NotPermitted("Only the officer can revoke their calendar link.")
    if feed.revoked_at is None:
        _revoke_feed(actor, feed)
    return feed


def _revoke_feed(actor, feed: CalendarFeed) -> None:
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action="calendar_feed.revoke",
        obj=feed,
        before={"revoked_at": None},
        after={"officer": feed.officer_id, "revoked_at": feed.revoked_at},
    )
