from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from agencies import services
from agencies.models import Agency, RegionalUnit
from tracker.api.scopes import SCOPES
from tracker.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Create an API key for an agency system. The key is printed once, alone on the last line."

    def add_arguments(self, parser):
        parser.add_argument("--agency", required=True, help="Agency code, e.g. LABOUR")
        parser.add_argument("--units", required=True, help="Comma-separated unit codes, e.g. OSL,BGO")
        parser.add_argument("--scopes", required=True, help=f"Comma-separated: {', '.join(SCOPES)}")
        parser.add_argument("--name", required=True, help="The system the key is for")
        parser.add_argument("--expires", help="ISO date-time (default: a year from now)")

    def handle(self, *args, agency, units, scopes, name, expires, **options):
        agency_obj = Agency.objects.filter(code=agency).first()
        if agency_obj is None:
            raise CommandError(f"No agency with code {agency}.")
        codes = [code.strip() for code in units.split(",") if code.strip()]
        unit_objs = list(RegionalUnit.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {u.code for u in unit_objs})
        if missing:
            raise CommandError(f"No unit with code {', '.join(missing)}.")
        expires_at = parse_datetime(expires) if expires else None
        if expires and expires_at is None:
            raise CommandError("--expires must be an ISO date-time, e.g. 2027-12-31T00:00:00+01:00.")
        try:
            key, token = services.api_key_create(
                actor=None, name=name, agency=agency_obj, units=unit_objs,
                scopes=[s.strip() for s in scopes.split(",") if s.strip()], expires_at=expires_at,
            )  # fmt: skip
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(
            f"API key '{key.name}' for {agency} in {', '.join(codes)}; scopes {', '.join(key.scopes)}; "
            f"expires {key.expires_at:%Y-%m-%d}. Store it now: it cannot be shown again."
        )
        self.stdout.write(token)
