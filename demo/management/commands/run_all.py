"""``make run``: migrate, seed the demo on first start, then run web + Celery worker + beat.

This process holds the embedded PostgreSQL and Redis (when no URLs are configured) and
passes their URLs to its children, so all of them share the same servers. A child that
exits is started again, after a pause that doubles with each exit in a row (1 s up to
30 s; a child that ran for a minute counts as healthy again), and each exit and restart
is logged. Ctrl-C (or SIGTERM) stops the children, then the embedded servers, in that order.
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
from demo import dataset
from tracker.audit_chain.checkpoints import ensure_signing_key

RESTART_DELAYS = (1, 2, 4, 8, 16, 30)  # seconds, after the 1st, 2nd, … exit in a row
HEALTHY_AFTER = 60  # seconds a child must run for its next exit to count as the first


class Command(BaseCommand):
    help = "Run the whole system for development and demos (web, Celery worker and beat)."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000")
        parser.add_argument("--no-seed", action="store_true", help="Do not load the demo data.")

    def handle(self, *args, addr, no_seed, **options):
        VAR_DIR.mkdir(parents=True, exist_ok=True)  # beat's schedule lives there
        call_command("migrate", interactive=False, verbosity=0)
        ensure_signing_key()  # the audit chain's checkpoint key, in var/ unless configured
        if not no_seed:
            self.stdout.write("Loading demo data (first start takes a minute or two)…")
            call_command("seed_demo")
        env = {
            **os.environ,
            "DATABASE_URL": settings.DATABASE_URL,
            "REDIS_URL": settings.REDIS_URL,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.local"),
        }
        commands = child_commands(addr)

        def start(name):
            return subprocess.Popen(commands[name], env=env, cwd=settings.BASE_DIR)

        children = {name: start(name) for name in commands}
        started = dict.fromkeys(commands, time.monotonic())
        exits_in_a_row = dict.fromkeys(commands, 0)
        restart_at: dict[str, float] = {}
        self._print_banner(addr)

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                now = time.monotonic()
                for name, child in children.items():
                    if name in restart_at:
                        if now >= restart_at[name]:
                            del restart_at[name]
                            children[name], started[name] = start(name), now
                            self.stderr.write(f"{self._now()} {name} restarted (pid {children[name].pid}).")
                    elif child.poll() is not None:
                        if now - started[name] >= HEALTHY_AFTER:
                            exits_in_a_row[name] = 0
                        delay = RESTART_DELAYS[min(exits_in_a_row[name], len(RESTART_DELAYS) - 1)]
                        exits_in_a_row[name] += 1
                        restart_at[name] = now + delay
                        self.stderr.write(
                            f"{self._now()} {name} exited with status {child.returncode}; restarting it in {delay} s."
                        )
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

    @staticmethod
    def _now() -> str:
        return time.strftime("%Y-%m-%d %H:%M:%S")

    def _print_banner(self, addr):
        lines = [
            "",
            f"  Case tracker running at http://{addr}/  (admin: http://{addr}/admin/)",
            f"  Demo logins (password: {dataset.DEMO_PASSWORD}):",
            *(f"    {username:<18} {what}" for username, what in dataset.DEMO_LOGINS),
            "  They use two-factor sign-in: add this key to an authenticator app (TOTP, 6 digits, 30 s)",
            f"    {dataset.demo_totp_secret()}",
            "  or print the current code with `.venv/bin/python manage.py demo_code`.",
            *([f"  E-mails are written to {settings.EMAIL_FILE_PATH}/, one file each."] if _mail_to_files() else []),
            "  Ctrl-C stops everything.",
            "",
        ]
        self.stdout.write("\n".join(lines))


def child_commands(addr: str) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [python, "manage.py", "runserver", addr, "--noreload"],
        # One worker for every queue here; production runs workers per queue (docs/deployment.md).
        "worker": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "-Q",
            ",".join(settings.TASK_QUEUE_NAMES),
        ],  # fmt: skip
        "beat": [
            python,
            "-m",
            "celery",
            "-A",
            "config",
            "beat",
            "--loglevel=INFO",
            f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
        ],  # fmt: skip
    }


def _mail_to_files() -> bool:
    return settings.EMAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend"
