"""Headless Chromium driven by Playwright against a live server on the test database.

Playwright cannot download a browser here; we launch Debian's chromium by path (CHROMIUM,
set by `make test`). A missing browser fails these tests with a message; it never skips them.
Screenshots of every page a journey visits go to var/screenshots/<test>/ (not committed).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from config.env import VAR_DIR

# Playwright's sync API keeps an event loop running in this thread; Django's ORM, used by
# the test itself to set up and check data, would otherwise refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The flags this machine needs: no sandbox as root, and no background calls to Google's
# hosts, which the closed network refuses many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip
PASSWORD = "pw"  # tests.factories.UserFactory


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"No Chromium at {CHROMIUM}: `apt-get install chromium` (make test does it as root) or set CHROMIUM."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Journey:
    """One person's browser session: visits pages, saves a screenshot of each, checks axe."""

    def __init__(self, page, base_url: str, shots: Path):
        self.page, self.base_url, self.shots, self.count = page, base_url, shots, 0
        shutil.rmtree(shots, ignore_errors=True)  # only this run's pages

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        self.shot(path.strip("/").replace("/", "-") or "home")
        return response

    def shot(self, name: str) -> Path:
        self.count += 1
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{self.count:02d}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())[:60]}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def login(self, username: str, password: str = PASSWORD):
        from agencies import twofactor
        from agencies.models import User
        from tests.twofactor import ensure_authenticator

        user = User.objects.get(username=username)
        if twofactor.requires_two_factor(user):
            ensure_authenticator(user)
        self.page.goto(self.base_url + "/login/")
        self.page.get_by_label(re.compile("^(Brukernavn|Username)")).fill(username)
        self.page.get_by_label(re.compile("^(Passord|Password)")).fill(password)
        self.page.get_by_role("button", name=re.compile("^(Logg inn|Sign in)$")).click()
        self.page.wait_for_load_state()
        if "/login/code/" in self.page.url:  # two-factor: the code the user's app shows now
            self.shot(f"code-step-{username}")
            self.page.get_by_label(re.compile("^(Kode|Code)")).fill(self.current_code(username))
            self.page.get_by_role("button", name=re.compile("^(Bekreft|Confirm)$")).click()
            self.page.wait_for_load_state()
        self.shot(f"after-login-{username}")

    @staticmethod
    def current_code(username: str) -> str:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from tests.twofactor import code_for

        return code_for(TOTPDevice.objects.get(user__username=username, confirmed=True))

    def assert_accessible(self):
        """axe-core finds no serious or critical violation on the current page."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, "\n".join(
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in bad
        )


def _csp_violations(page) -> list[str]:
    """The Content-Security-Policy is on in the tests as in production: whatever it refuses
    (an inline script or style, a foreign host) shows in the console, and fails the journey."""
    violations: list[str] = []
    page.on(
        "console",
        lambda m: (
            violations.append(f"{page.url}: {m.text} at {m.location}") if "Content Security Policy" in m.text else None
        ),
    )
    return violations


@pytest.fixture
def journey(browser, live_server, request):
    """A fresh browser context (no cookies) in Norwegian, at a desktop width."""
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = _csp_violations(page)
    shots = Path(VAR_DIR) / "screenshots" / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    yield Journey(page, live_server.url, shots)
    context.close()
    assert not violations, "\n".join(violations)


@pytest.fixture
def phone(browser, live_server, request):
    """The same at 390 px wide, as on a phone."""
    context = browser.new_context(locale="nb-NO", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations = _csp_violations(page)
    shots = Path(VAR_DIR) / "screenshots" / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    yield Journey(page, live_server.url, shots)
    context.close()
    assert not violations, "\n".join(violations)
