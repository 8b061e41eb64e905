from django.core.management.base import BaseCommand

from demo import dataset


class Command(BaseCommand):
    help = "Load the fictional demo dataset (deterministic; safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument("--controls", type=int, default=80)
        parser.add_argument("--referrals", type=int, default=30)

    def handle(self, *args, cases, controls, referrals, **options):
        if dataset.seed(cases_count=cases, controls_count=controls, referrals_count=referrals):
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {cases} cases, {controls} joint controls, {referrals} referrals."
                )
            )
        else:
            self.stdout.write("Demo data already present: nothing added.")
