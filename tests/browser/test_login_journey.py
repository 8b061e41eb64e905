"""Two-factor sign-in in the browser: a coordinator's first login sets up the authenticator
(QR code and key, confirmed with a code, recovery codes shown once); the next asks for a code."""

from __future__ import annotations

import base64
import re

from django_otp.oath import totp

from tests.browser.conftest import PASSWORD


def code_from_key(secret_text: str) -> str:
    """What an authenticator app shows for the key as the page gives it (base32, grouped)."""
    key = secret_text.replace(" ", "")
    key += "=" * (-len(key) % 8)
    return f"{totp(base64.b32decode(key)):06d}"


def give_password(journey, username: str) -> None:
    """The first step only (Journey.login goes on through the code step by itself)."""
    journey.goto("/login/")
    journey.page.get_by_label(re.compile("^Brukernavn")).fill(username)
    journey.page.get_by_label(re.compile("^Passord")).fill(PASSWORD)
    journey.page.get_by_role("button", name="Logg inn").click()


def test_a_coordinator_sets_up_two_factor_then_signs_in_with_a_code(journey, carol):
    page = journey.page
    give_password(journey, "carol")
    page.wait_for_url(re.compile("/account/two-factor/"))
    journey.shot("enrol")
    assert page.get_by_role("heading", name="Sett opp totrinnsinnlogging").is_visible()
    assert page.locator(".app-qr svg").is_visible()
    journey.assert_accessible()
    # Anything else sends her back here first.
    journey.goto("/cases/")
    page.wait_for_url(re.compile("/account/two-factor/"))

    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label(re.compile("^Kode")).fill("000000")
    page.get_by_role("button", name="Slå på totrinnsinnlogging").click()
    assert page.get_by_text("Koden er ikke riktig").is_visible()
    journey.shot("wrong-code")
    page.get_by_label(re.compile("^Kode")).fill(code_from_key(page.locator("#totp-secret").inner_text()))
    assert page.locator("#totp-secret").inner_text() == secret  # the same authenticator, not a new one
    page.get_by_role("button", name="Slå på totrinnsinnlogging").click()
    page.get_by_role("heading", name="Gjenopprettingskodene dine").wait_for()
    assert page.locator(".app-recovery-codes li").count() == 10
    journey.shot("recovery-codes")
    journey.assert_accessible()
    page.get_by_role("link", name="Jeg har tatt vare på dem, gå videre").click()
    page.wait_for_url(re.compile("/cases/"))

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url(re.compile("/login/"))
    journey.login("carol")  # the helper gives the code her authenticator shows now
    assert "/login/" not in page.url and "/account/two-factor/" not in page.url
    journey.goto("/account/")
    assert page.get_by_text(re.compile("På. Du har 10 gjenopprettingskoder igjen")).is_visible()
    journey.assert_accessible()


def test_the_code_step_at_phone_width(phone, carol):
    from tests.twofactor import ensure_authenticator

    ensure_authenticator(carol)
    page = phone.page
    give_password(phone, "carol")
    page.wait_for_url(re.compile("/login/code/"))
    phone.shot("code-step")
    phone.assert_accessible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_label(re.compile("^Kode")).fill(phone.current_code("carol"))
    page.get_by_role("button", name="Bekreft").click()
    page.wait_for_url(re.compile(r"/$"))
