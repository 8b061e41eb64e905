from django.core.management.base import BaseCommand

from demo import dataset


class Command(BaseCommand):
    help = "Print the two-factor code the demo users' authenticator shows now (demo data only)."

    def handle(self, *args, **options):
        self.stdout.write(dataset.demo_code())
