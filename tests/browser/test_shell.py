"""The shell every page lives in: signing in through the real form, the language, a phone."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_officer_signs_in_in_norwegian_and_switches_to_english(journey, alice):
    journey.goto("/")
    expect(journey.page).to_have_url(re.compile("/login/"))
    expect(journey.page.get_by_role("heading", level=1)).to_have_text("Logg inn")
    journey.assert_accessible()

    journey.login("alice")
    expect(journey.page.get_by_role("heading", level=1)).to_contain_text("Velkommen")
    journey.assert_accessible()

    journey.page.get_by_role("button", name="English").click()
    expect(journey.page.get_by_role("heading", level=1)).to_contain_text("Welcome")
    journey.shot("home-in-english")
    alice.refresh_from_db()
    assert alice.language == "en"  # a profile setting: the next session starts in English too


def test_a_wrong_password_gives_the_form_back_with_a_message(journey, alice):
    journey.login("alice", password="wrong")
    expect(journey.page.get_by_role("alert")).to_contain_text("brukernavn og passord")
    expect(journey.page.get_by_label(re.compile("^Brukernavn"))).to_have_value("alice")


def test_the_layout_works_on_a_phone(phone, alice):
    phone.login("alice")
    expect(phone.page.get_by_role("heading", level=1)).to_be_visible()
    width = phone.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways on a phone ({width}px)"
    phone.assert_accessible()
