from django.core.management.base import BaseCommand

from tracker import demo


class Command(BaseCommand):
    help = "Print the two-factor code the demo users' authenticator shows now (demo data only)."

    def handle(self, *args, **options):
        self.stdout.write(demo.demo_code())
