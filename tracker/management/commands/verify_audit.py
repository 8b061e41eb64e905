from django.core.management.base import BaseCommand, CommandError

from tracker.audit_chain.checkpoints import CheckpointError
from tracker.audit_chain.verify import verify


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chain from the rows and check it against the seals and the signed "
        "checkpoints. Exits non-zero on any break and names the first broken row."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="List every problem found, not only the first.")

    def handle(self, *args, all, **options):
        try:
            report = verify()
        except CheckpointError as exc:
            raise CommandError(str(exc)) from exc
        dropped = f", {report.dropped} dropped under retention" if report.dropped else ""
        self.stdout.write(
            f"{report.rows} rows, {report.sealed} sealed, {report.pending} waiting for the sealer,"
            f" {report.checkpoints} checkpoints{dropped};"
            f" {report.seconds:.2f} s ({report.rows_per_second:,.0f} rows/s)."
        )
        for warning in report.warnings:
            self.stdout.write(self.style.WARNING(f"Note: {warning}."))
        if report.ok:
            self.stdout.write(self.style.SUCCESS("The audit chain is intact."))
            return
        for problem in report.problems if all else report.problems[:1]:
            self.stderr.write(f"BROKEN at {problem}")
        if not all and len(report.problems) > 1:
            self.stderr.write(f"({len(report.problems) - 1} more; --all lists them)")
        raise CommandError("the audit chain is broken", returncode=1)
