"""``make run``: migrate, seed the demo on first start, then run web + Celery worker + beat.

This process holds the embedded PostgreSQL and Redis (when no URLs are configured) and
passes their URLs to its children, so all of them share the same servers. Ctrl-C (or
SIGTERM) stops the children, then the embedded servers, in that order.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from config.env import VAR_DIR
from tracker import demo


class Command(BaseCommand):
    help = "Run the whole system for development and demos (web, Celery worker and beat)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-seed", action="store_true", help="Do not load the demo data.")

    def handle(self, *args, addr, no_seed, **options):
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # beat's schedule lives there
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            self.stdout.write("Loading demo data (first start takes a minute or two)…")
            call_command("seed_demo")
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        }
        python = sys.executable
        commands = {
            "web": [python, "manage.py", "runserver", addr, "--noreload"],
            "worker": [python, "-m", "celery", "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2"],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "config",
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        children = {name: subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR) for name, cmd in commands.items()}
        self._print_banner(addr)

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with status {child.returncode}; stopping everything.")
                        stopping = True
                time.sleep(0.5)
        finally:
            self._stop(children)
        self.stdout.write("Stopped web, worker and beat.")

    def _stop(self, children):
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 20
        for child in children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()

    def _print_banner(self, addr):
        lines = [
            "",
            f"  Case tracker running at http://{addr}/  (admin: http://{addr}/admin/)",
            f"  Demo logins (password: {demo.DEMO_PASSWORD}):",
            *(f"    {username:<18} {what}" for username, what in demo.DEMO_LOGINS),
            "  Ctrl-C stops everything.",
            "",
        ]
        self.stdout.write("\n".join(lines))
