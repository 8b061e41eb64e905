"""Journey 6, the desk's side: a case officer sends a referral and the contact point's desk
officer, signed in elsewhere, is told of it — the unread count in the header and the
notification — through the real path: the commit's outbox event, a real Celery worker on the
real Redis broker, the notification row, the page. Nobody runs a task by hand."""

import re
import time

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from referrals.models import Referral
from tests.browser.conftest import Journey
from tests.browser.test_referrals_journey import SUMMARY, case_with_subjects  # noqa: F401  (a fixture)
from tests.notifications.conftest import worker  # noqa: F401  (a fixture: the real worker)

pytestmark = pytest.mark.django_db(transaction=True)

ARRIVAL_SECONDS = 30  # the worker picks the event up within a second or two; this is the ceiling


@pytest.fixture
def desk_officer(browser, live_server, journey):
    """The desk officer's own browser, beside the case officer's (``journey``)."""
    context = browser.new_context(locale="nb-NO", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield Journey(page, live_server.url, journey.shots / "desk")
    context.close()


def unread_badge(journey: Journey):
    return journey.page.locator("#unread-link .ds-badge")


def wait_for_unread(journey: Journey) -> None:
    """Reload the page the desk officer has open until the header counts an unread notification:
    what the officer does, with no push to the browser."""
    deadline = time.monotonic() + ARRIVAL_SECONDS
    while not unread_badge(journey).count():
        assert time.monotonic() < deadline, "the desk was not told of the referral"
        journey.page.wait_for_timeout(300)
        journey.page.reload()


def test_the_desk_officer_is_told_when_a_referral_arrives(
    journey,
    desk_officer,
    worker,  # noqa: F811
    alice,
    desk,
    case_with_subjects,  # noqa: F811
):
    desk_officer.login("desk")
    desk_officer.goto("/referrals/desk/")
    expect(desk_officer.page.get_by_role("heading", level=1)).to_have_text("Innkomne henvisninger")
    expect(unread_badge(desk_officer)).to_have_count(0)

    page = journey.page
    journey.login("alice")
    journey.goto(f"/referrals/new/?case={case_with_subjects.pk}")
    with page.expect_response(re.compile(r"/referrals/new/\?.*category=human_trafficking")):
        page.get_by_label("Menneskehandel").check()
    page.get_by_label(re.compile("^Oppsummering")).fill(SUMMARY)
    page.get_by_label(re.compile("^Ana Popescu")).check()
    page.get_by_label(re.compile("^Hjemmel")).select_option(label="A-krimforskriften § 3")
    page.get_by_role("button", name="Send henvisningen").click()
    expect(page.get_by_role("main").get_by_role("status")).to_contain_text("Henvisningen ble sendt til")
    journey.shot("referral-sent")

    wait_for_unread(desk_officer)
    header = desk_officer.page.locator("#unread-link")
    expect(header).to_contain_text("1 ulest")
    desk_officer.shot("desk-told")
    desk_officer.assert_accessible()
    # The new referral is in the desk's inbox it has open.
    expect(desk_officer.page.get_by_role("row", name=re.compile("Menneskehandel"))).to_be_visible()

    header.click()
    expect(desk_officer.page.get_by_role("heading", level=1)).to_have_text("Varsler")
    notice = desk_officer.page.get_by_role("link", name=f"Henvisning mottatt: {case_with_subjects.reference}")
    expect(notice).to_be_visible()
    # The desk does not see the case: the notice names the referral, never the case's title.
    expect(desk_officer.page.get_by_text(case_with_subjects.title)).to_have_count(0)
    desk_officer.shot("desk-notifications")
    desk_officer.assert_accessible()

    notice.click()
    expect(desk_officer.page.get_by_role("heading", level=1)).to_have_text("Henvisning: Menneskehandel")
    expect(desk_officer.page.get_by_text(SUMMARY)).to_be_visible()
    desk_officer.shot("desk-referral-from-the-notice")

    referral = Referral.objects.get(category="human_trafficking")
    (told,) = Notification.objects.filter(recipient=desk)
    assert told.event.object_id == str(referral.pk)
    assert not Notification.objects.filter(recipient=alice, event=told.event).exists()  # she sent it
