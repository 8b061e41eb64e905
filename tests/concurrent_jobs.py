"""Functions run in child processes by tests.processes.run_concurrently (importable by dotted path)."""


def create_cases(username: str, count: int) -> list[str]:
    from agencies.models import RegionalUnit, User
    from cases import services
    from tests.factories import case_kwargs

    actor = User.objects.get(username=username)
    unit = RegionalUnit.objects.get(code="OSL")
    return [services.case_create(actor=actor, unit=unit, **case_kwargs()).reference for _ in range(count)]


def book_officer(actor_username: str, control_id: str, officer_username: str) -> str:
    from agencies.models import User
    from controls import services
    from controls.models import JointControl

    actor = User.objects.get(username=actor_username)
    booking = services.control_book_officer(
        actor=actor,
        control=JointControl.objects.get(pk=control_id),
        officer=User.objects.get(username=officer_username),
    )
    return str(booking.control_id)


def write_audit_rows(count: int) -> int:
    """Each row in its own transaction through audit.record, as a service writes it."""
    from django.db import transaction

    from agencies.models import Agency
    from tracker import audit

    agency = Agency.objects.order_by("pk").first()
    for i in range(count):
        with transaction.atomic():
            audit.record(actor=None, action="test.write", obj=agency, after={"i": i})
    return count
