"""Login hardening through the real forms: lockout (web and admin), the audit rows of logins,
two-factor enrolment, codes and recovery codes, session expiry, and accounts disabled or
roles removed while their sessions and keys are live."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from agencies import services
from agencies.models import Agency, RegionalUnit, UnitMembership
from tests.factories import UserFactory
from tests.twofactor import code_for, ensure_authenticator
from tracker.models import AuditEntry
from web import security

PASSWORD = "pw"  # tests.factories.UserFactory


def sign_in(client, username, password=PASSWORD, path="/login/"):
    return client.post(path, {"username": username, "password": password})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def actions(action, **filters):
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("pk"))


# --- Lockout --------------------------------------------------------------------------------


def test_forty_wrong_passwords_then_the_right_one_does_not_sign_in(client, alice):
    for _ in range(40):
        response = sign_in(client, "alice", "wrong-password")
        assert response.status_code in (200, 429)
    response = sign_in(client, "alice")
    assert response.status_code == 429
    assert signed_in_as(client) is None
    assert "For mange mislykkede innlogginger" in response.content.decode()
    failed = actions("auth.login_failed")
    assert len(failed) == 41 and {row.after["username"] for row in failed} == {"alice"}
    assert all(row.ip == "127.0.0.1" and row.after["via"] == "web" for row in failed)
    assert actions("auth.locked_out") and actions("auth.locked_out")[0].after["username"] == "alice"
    assert not actions("auth.login")
    # The password tried is never kept.
    assert not AuditEntry.objects.filter(after__icontains="wrong-password").exists()
    assert "wrong-password" not in str(list(AuditEntry.objects.values_list("after", flat=True)))


def test_the_admin_login_locks_out_too(client, root):
    for _ in range(40):
        sign_in(client, "root", "wrong-password", path="/admin/login/")
    response = sign_in(client, "root", path="/admin/login/")
    assert response.status_code == 429 and signed_in_as(client) is None
    assert {row.after["via"] for row in actions("auth.login_failed")} == {"admin"}
    assert actions("auth.locked_out")


def test_the_admin_login_is_audited_and_does_not_skip_two_factor(client, root):
    response = sign_in(client, "root", path="/admin/login/")
    assert response.status_code == 302
    (login,) = actions("auth.login")
    assert login.actor == root and login.after == {"via": "admin"}
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/?next=%2Fadmin%2F")


def test_one_address_trying_many_names_is_locked_out_and_axes_reset_unlocks(client, alice):
    for n in range(5):
        sign_in(client, f"nobody{n}", "guess")
    assert sign_in(client, "alice").status_code == 429 and signed_in_as(client) is None
    call_command("axes_reset", verbosity=0)
    response = sign_in(client, "alice")
    assert response.status_code == 302 and signed_in_as(client) == str(alice.pk)


def test_login_and_logout_are_audited_with_the_address(client, alice):
    sign_in(client, "alice")
    (login,) = actions("auth.login")
    assert login.actor == alice and login.ip == "127.0.0.1" and login.after == {"via": "web"}
    client.post("/logout/")
    (logout,) = actions("auth.logout")
    assert logout.actor == alice and signed_in_as(client) is None


# --- Passwords ------------------------------------------------------------------------------


def test_passwords_are_hashed_with_argon2_and_need_twelve_characters_not_common(settings):
    from django.contrib.auth.hashers import identify_hasher, make_password

    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS  # the tests' own settings use a fast hash
    assert identify_hasher(make_password("tracker-demo")).algorithm == "argon2"
    with pytest.raises(ValidationError):
        validate_password("Short-pw-11")  # 11 characters
    with pytest.raises(ValidationError):
        validate_password("password1234")  # common
    validate_password("tracker-demo")  # the demo's own (README)


# --- Two-factor -----------------------------------------------------------------------------


def test_a_coordinator_must_enrol_before_anything_else_then_gives_codes(client, carol):
    response = sign_in(client, "carol")
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/")
    assert client.get("/cases/")["Location"].startswith("/account/two-factor/")
    assert client.get("/api/v1/cases/").status_code == 401
    page = client.get("/account/two-factor/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'id="totp-secret"' in html
    device = TOTPDevice.objects.get(user=carol, confirmed=False)
    assert client.post("/account/two-factor/", {"code": "000000"}).status_code == 400
    response = client.post("/account/two-factor/", {"code": code_for(device), "next": "/cases/"})
    assert response.status_code == 200
    codes = StaticToken.objects.filter(device__user=carol).values_list("token", flat=True)
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert client.get("/cases/").status_code == 200
    assert [row.action for row in AuditEntry.objects.filter(object_id=str(carol.pk)).order_by("pk")] == [
        "auth.login", "user.two_factor_begin", "user.two_factor_enable",
    ]  # fmt: skip

    # The next sign-in asks for a code; a wrong one is refused (and audited).
    client.post("/logout/")
    response = sign_in(client, "carol")
    assert response["Location"].startswith("/login/code/")
    assert client.get("/").status_code == 302
    assert client.post("/login/code/", {"code": "123456"}).status_code == 400
    assert actions("auth.code_failed")
    time.sleep(1.1)  # django-otp throttles: a second after one wrong code, doubling with each
    response = client.post("/login/code/", {"code": code_for(TOTPDevice.objects.get(user=carol)), "next": "/cases/"})
    assert response.status_code == 302 and response["Location"] == "/cases/"
    assert client.get("/").status_code == 200


def test_a_recovery_code_signs_in_once(client, carol):
    ensure_authenticator(carol)
    (code,) = services.recovery_codes_renew(user=carol)[:1]
    sign_in(client, "carol")
    assert client.post("/login/code/", {"code": code}).status_code == 302
    assert client.get("/").status_code == 200 and actions("auth.recovery_code_used")
    client.post("/logout/")
    sign_in(client, "carol")
    assert client.post("/login/code/", {"code": code}).status_code == 400
    assert client.get("/").status_code == 302


def test_two_factor_is_open_to_everyone_and_only_optional_users_may_turn_it_off(client, alice, carol):
    sign_in(client, "alice")
    assert "Sett opp totrinns" in client.get("/account/").content.decode()
    client.get("/account/two-factor/")
    client.post("/account/two-factor/", {"code": code_for(TOTPDevice.objects.get(user=alice))})
    client.post("/logout/")
    assert sign_in(client, "alice")["Location"].startswith("/login/code/")
    client.post("/login/code/", {"code": code_for(TOTPDevice.objects.get(user=alice))})
    client.post("/account/", {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=alice).exists()
    client.post("/logout/")
    assert sign_in(client, "alice")["Location"] == "/"

    ensure_authenticator(carol)
    client.force_login(carol)
    client.post("/account/", {"action": "disable"})
    assert TOTPDevice.objects.filter(user=carol).exists()


def key_made_by(person, agency: str) -> APIClient:
    """An API client with a key ``person`` made for their agency's system in Oslo."""
    _, token = services.api_key_create(
        actor=person, name=f"{agency} system", agency=Agency.objects.get(code=agency),
        units=[RegionalUnit.objects.get(code="OSL")], scopes=["cases:read"],
    )  # fmt: skip
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.get("/api/v1/cases/").status_code == 200
    return api


def test_api_keys_do_not_need_a_second_factor(carol, reference):
    api = key_made_by(carol, "POLICE")  # carol has no authenticator: her key works all the same
    assert api.get("/api/v1/cases/").status_code == 200


# --- Session lifetime -----------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Moves the sessions' clock (web.security.clock) forward by ``clock.move(seconds)``."""

    class Clock:
        offset = 0.0

        def move(self, seconds):
            self.offset += seconds

    moved = Clock()
    real = security.clock
    monkeypatch.setattr(security, "clock", lambda: real() + moved.offset)
    return moved


def test_a_session_ends_after_thirty_idle_minutes(client, alice, clock):
    sign_in(client, "alice")
    clock.move(29 * 60)
    assert client.get("/").status_code == 200
    clock.move(29 * 60)  # active a minute ago counts as active
    assert client.get("/").status_code == 200
    clock.move(31 * 60)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Fcases%2F"
    assert signed_in_as(client) is None
    assert actions("auth.logout")[-1].after["reason"] == "idle"


def test_a_session_ends_twelve_hours_after_login_however_active(client, alice, clock):
    sign_in(client, "alice")
    for _ in range(35):  # a request every 20 minutes for 11 h 40 min
        clock.move(20 * 60)
        assert client.get("/").status_code == 200
    clock.move(21 * 60)
    assert client.get("/").status_code == 302 and signed_in_as(client) is None
    assert actions("auth.logout")[-1].after["reason"] == "absolute"


# --- Disabling accounts, removing roles ------------------------------------------------------


@pytest.fixture
def alices_key(alice):
    return key_made_by(alice, "LABOUR")


def test_disabling_an_account_ends_its_live_session_and_its_keys(client, alice, root, alices_key):
    sign_in(client, "alice")
    assert client.get("/").status_code == 200
    services.user_deactivate(actor=root, user=alice)
    assert client.get("/cases/").status_code == 302 and signed_in_as(client) is None
    assert alices_key.get("/api/v1/cases/").status_code == 401
    assert actions("user.deactivate") and actions("user.end_sessions") and actions("api_key.revoke")


def test_removing_a_role_ends_the_session_and_the_keys_and_a_new_login_works(client, alice, root, alices_key):
    sign_in(client, "alice")
    membership = UnitMembership.objects.get(user=alice)
    services.membership_remove(actor=root, membership=membership)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert signed_in_as(client) is None and actions("auth.logout")[-1].after["reason"] == "ended"
    assert alices_key.get("/api/v1/cases/").status_code == 401
    assert sign_in(client, "alice").status_code == 302 and client.get("/").status_code == 200


def test_the_admin_disables_and_removes_roles_through_the_services(client, alice, carol, root):
    client.force_login(root)
    sign_in(other := type(client)(), "alice")
    response = client.post("/admin/agencies/user/", {"action": "deactivate", "_selected_action": [str(alice.pk)]})
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert actions("user.deactivate")[0].actor == root

    membership = UnitMembership.objects.get(user=carol)
    client.post(f"/admin/agencies/unitmembership/{membership.pk}/delete/", {"post": "yes"})
    assert not UnitMembership.objects.filter(pk=membership.pk).exists()
    assert actions("membership.remove")[0].actor == root


def test_a_service_account_never_needs_a_second_factor(reference):
    user = UserFactory(username="svc", kind="service", is_staff=True)
    from agencies import twofactor

    assert twofactor.step_after_password(user) is None


def test_the_demo_people_who_must_use_two_factor_sign_in_with_the_demo_code(reference):
    from agencies import twofactor
    from agencies.models import User
    from demo import dataset as demo

    demo.load_people()
    coordinator = User.objects.get(username="osl.coordinator")
    assert twofactor.step_after_password(coordinator) == "verify"
    device, recovery = twofactor.verify(coordinator, demo.demo_code())
    assert device is not None and not recovery
    assert not TOTPDevice.objects.filter(user__kind="service").exists()
    demo.load_people()  # again: nothing doubled
    assert TOTPDevice.objects.filter(user=coordinator).count() == 1
