from django.core.management.base import BaseCommand

from cases.retention import apply_retention


class Command(BaseCommand):
    help = (
        "Anonymise the cases closed longer than their retention period (CASE_RETENTION_YEARS, "
        "CASE_RETENTION_YEARS_BY_OFFENCE). --dry-run says what would go and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")

    def handle(self, *args, dry_run, verbosity, **options):
        report = apply_retention(dry_run=dry_run)
        heading = "Retention (dry run: nothing changed)" if dry_run else "Retention applied"
        self.stdout.write(
            f"{heading}: {report.cases} cases, {report.persons} persons, {report.entries} journal entries, "
            f"{report.attachments} attachments ({report.bytes} bytes)."
        )
        if verbosity > 1:
            for reference in report.references:
                self.stdout.write(f"  {reference}")
