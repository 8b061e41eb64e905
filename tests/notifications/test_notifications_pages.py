"""The notifications page: a person's own, named by case reference and title; reading them,
the e-mail preference and muting through the same services as the API."""

import re

import pytest

from agencies.models import UnitMembership
from notifications.choices import EmailFrequency
from notifications.models import Notification, NotificationPreference
from tracker.models import AuditEntry

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def visible_text(html: str) -> str:
    """The page's text, without tags and attributes (where ids may live in URLs)."""
    main = html.split('<main id="main"', 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def test_the_page_lists_my_notifications_by_case_reference_and_title_newest_first(work_of, page_client, bob):
    work = work_of(2)
    response = page_client(bob).get("/notifications/")
    assert response.status_code == 200
    page = response.context["page"]
    mine = Notification.objects.filter(recipient=bob)
    assert page.paginator.count == mine.count() > 0
    dates = [n.created_at for n in page.object_list]
    assert dates == sorted(dates, reverse=True)
    text = visible_text(response.content.decode())
    assert not UUID.search(text)
    for case in work.cases:
        assert f"{case.reference} {case.title}" in text
    assert "Cleaning contractors 0" in text  # a control's notification names the control


def test_a_notification_leads_to_the_page_of_what_it_is_about(work_of, page_client, bob, settings):
    work = work_of(1)
    settings.ROOT_URLCONF = "tests.stub_pages_urls"  # the case, control and referral pages, stood in
    notifications = page_client(bob).get("/notifications/").context["page"].object_list
    kinds = set()
    for n in notifications:
        if n.event.object_type == "controls.jointcontrol":
            assert n.link == f"/controls/{n.event.object_id}/"
            kinds.add("control")
        else:
            assert n.link == f"/cases/{n.case_id}/"
            kinds.add("case")
        assert n.verb_label
    assert kinds == {"control", "case"}
    assert any(n.link == f"/cases/{work.cases[0].pk}/" for n in notifications)


def test_marking_one_read_with_htmx_swaps_the_row_and_the_header_count(work_of, page_client, bob):
    work_of(1)
    client = page_client(bob)
    unread = Notification.objects.filter(recipient=bob, read_at__isnull=True)
    before = unread.count()
    first = unread.first()
    response = client.post(f"/notifications/{first.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="notification-{first.pk}"' in html and "app-notification--unread" not in html
    assert 'id="unread-link"' in html and 'hx-swap-oob="true"' in html and f'data-count="{before - 1}"' in html
    first.refresh_from_db()
    assert first.read_at is not None
    stamped = first.read_at
    assert client.post(f"/notifications/{first.pk}/read/").status_code == 302  # again: no harm, first time kept
    first.refresh_from_db()
    assert first.read_at == stamped


def test_nobody_reads_someone_elses_notification(work_of, page_client, bob, carol):
    work_of(1)
    theirs = Notification.objects.filter(recipient=carol).first()
    assert page_client(bob).post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert all(n.recipient_id == bob.pk for n in page_client(bob).get("/notifications/").context["page"].object_list)


def test_mark_all_read(work_of, page_client, bob, carol):
    work_of(1)
    response = page_client(bob).post("/notifications/read-all/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert not Notification.objects.filter(recipient=bob, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=carol, read_at__isnull=True).exists()


def test_changing_the_email_preference(page_client, alice):
    client = page_client(alice)
    assert client.post("/notifications/preferences/", {"email": "digest"}).status_code == 302
    assert NotificationPreference.objects.get(user=alice).email == EmailFrequency.DIGEST
    assert AuditEntry.objects.filter(action="notifications.preferences", actor=alice).count() == 1
    html = client.get("/notifications/").content.decode()
    assert re.search(r'<input[^>]*value="digest"[^>]*checked', html)


@pytest.mark.parametrize("value", ["", "hourly"])
def test_a_bad_preference_gives_the_form_back_with_a_message_and_saves_nothing(page_client, alice, value):
    response = page_client(alice).post("/notifications/preferences/", {"email": value})
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert 'class="ds-validation-message"' in response.content.decode()
    assert not NotificationPreference.objects.filter(user=alice).exists()


def test_muting_and_unmuting_a_case(work_of, page_client, bob):
    work = work_of(1)
    case = work.cases[0]
    client = page_client(bob)
    assert client.post(f"/notifications/cases/{case.pk}/mute/").status_code == 302
    assert list(NotificationPreference.objects.get(user=bob).muted_cases.all()) == [case]
    response = client.get("/notifications/")
    assert [c.pk for c in response.context["muted_cases"]] == [case.pk]
    assert all(n.muted for n in response.context["page"].object_list if n.case_id == case.pk)
    assert client.post(f"/notifications/cases/{case.pk}/unmute/").status_code == 302
    assert not NotificationPreference.objects.get(user=bob).muted_cases.exists()
    actions = list(AuditEntry.objects.filter(actor=bob).values_list("action", flat=True).order_by("id"))
    assert actions[-2:] == ["notifications.mute", "notifications.unmute"]


def test_a_case_out_of_sight_cannot_be_muted_and_its_notifications_are_not_shown(work_of, page_client, bob, dave):
    work = work_of(1)
    assert page_client(dave).post(f"/notifications/cases/{work.cases[0].pk}/mute/").status_code == 404
    assert not NotificationPreference.objects.filter(user=dave, muted_cases__isnull=False).exists()
    UnitMembership.objects.filter(user=bob).delete()  # bob leaves the Oslo unit
    response = page_client(bob).get("/notifications/")
    assert not any(n.case_id for n in response.context["page"].object_list)
    assert work.cases[0].reference not in response.content.decode()


def test_the_api_uses_the_same_services(work_of, bob):
    from rest_framework.test import APIClient

    work = work_of(1)
    api = APIClient()
    api.force_login(bob)
    assert api.get("/api/v1/notifications/preferences/").json() == {"email": "immediate", "muted_cases": []}
    assert not NotificationPreference.objects.filter(user=bob).exists()  # reading it writes nothing
    body = {"email": "never", "muted_cases": [str(work.cases[0].pk)]}
    assert api.patch("/api/v1/notifications/preferences/", body, format="json").json() == body
    refused = api.patch(
        "/api/v1/notifications/preferences/", {"muted_cases": [str(work.bergen_case.pk)]}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["pointer"] == "/muted_cases"


@pytest.mark.parametrize("size", [1, 5])
def test_the_page_runs_the_same_queries_for_one_row_and_many(work_of, page_client, bob, size,
                                                              query_counts):  # fmt: skip
    work_of(size)
    client = page_client(bob)
    assert Notification.objects.filter(recipient=bob).count() >= 5 * size
    # session, user, memberships; the page's count and rows (with their cases and events);
    # the muted cases; the preference; the menu's desk check; the header's unread count.
    with query_counts("web GET /notifications/"):
        assert client.get("/notifications/").status_code == 200
