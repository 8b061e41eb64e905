"""Single sign-on through a local OpenID Connect provider (tests/oidc_provider.py), the real
redirect flow: our /oidc/authenticate/ → the provider's /authorize → our /oidc/callback/, which
fetches the token, checks its RS256 signature against the provider's JWKS, reads userinfo, and
creates or updates the account from the claims."""

from __future__ import annotations

import pytest
import requests

from agencies.models import UnitMembership, User
from tests.oidc_provider import Provider
from tracker.models import AuditEntry

pytestmark = pytest.mark.urls("tests.web.oidc_urls")

CLAIMS = {
    "sub": "4f1c-labour-77",
    "given_name": "Siri",
    "family_name": "Lund",
    "email": "siri.lund@labour.example",
    "agency": "LABOUR",
    "unit_roles": ["OSL:case_officer", "BGO:case_officer", "XXX:coordinator", "OSL:emperor"],
}


@pytest.fixture
def provider(settings, reference):
    with Provider(client_id="tracker", client_secret="s3cret", claims=dict(CLAIMS)) as provider:
        for name, value in provider.settings().items():
            setattr(settings, name, value)
        settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "agencies.oidc.AgencyOIDCBackend"]
        yield provider


def sign_in_through(client, provider, next_url="/"):
    """Follow the redirects as a browser would: to the provider and back."""
    start = client.get("/oidc/authenticate/", {"next": next_url})
    assert start.status_code == 302 and start["Location"].startswith(provider.base + "/authorize?")
    at_provider = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302
    back = at_provider.headers["Location"]
    assert back.startswith("http://testserver/oidc/callback/?")
    return client.get(back.removeprefix("http://testserver"))


def test_the_login_page_offers_single_sign_on_when_configured(client, provider):
    assert "/oidc/authenticate/" in client.get("/login/").content.decode()


def test_a_person_is_created_from_the_claims_and_signed_in(client, provider):
    response = sign_in_through(client, provider, next_url="/cases/")
    assert response.status_code == 302 and response["Location"] == "/cases/"
    user = User.objects.get(username="oidc.4f1c-labour-77")
    assert (user.first_name, user.last_name, user.email, user.agency.code) == (
        "Siri", "Lund", "siri.lund@labour.example", "LABOUR",
    )  # fmt: skip
    assert not user.has_usable_password() and not user.is_staff
    # Only roles in units the agency belongs to, and roles we know, are taken.
    roles = set(UnitMembership.objects.filter(user=user).values_list("unit__code", "role"))
    assert roles == {("OSL", "case_officer"), ("BGO", "case_officer")}
    assert client.get("/cases/").status_code == 200
    assert AuditEntry.objects.filter(action="user.create_from_sso", object_id=str(user.pk)).exists()
    login = AuditEntry.objects.get(action="auth.login", actor=user)
    assert login.after == {"via": "oidc"}


def test_the_next_sign_in_updates_the_roles_and_a_coordinator_must_then_enrol_two_factor(client, provider):
    sign_in_through(client, provider)
    client.post("/logout/")
    provider.claims = CLAIMS | {"family_name": "Lund-Berg", "unit_roles": ["OSL:coordinator"]}
    sign_in_through(client, provider)
    user = User.objects.get(username="oidc.4f1c-labour-77")
    assert user.last_name == "Lund-Berg"
    assert set(UnitMembership.objects.filter(user=user).values_list("unit__code", "role")) == {("OSL", "coordinator")}
    assert AuditEntry.objects.filter(action="membership.remove").count() == 2
    assert client.get("/")["Location"].startswith("/account/two-factor/")


def test_an_unknown_agency_or_a_forged_token_signs_nobody_in(client, provider):
    provider.claims = CLAIMS | {"agency": "MI6"}
    response = sign_in_through(client, provider)
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not User.objects.filter(username__startswith="oidc.").exists()
    assert client.get("/")["Location"].startswith("/login/")

    # A token signed with another key than the JWKS's is refused.
    from cryptography.hazmat.primitives.asymmetric import rsa

    provider.claims = dict(CLAIMS)
    provider.key, real = rsa.generate_private_key(public_exponent=65537, key_size=2048), provider.key
    jwks = provider.jwks()
    provider.jwks = lambda: jwks  # the provider publishes the new key…
    provider.key = real  # …but signs with the old one
    response = sign_in_through(client, provider)
    assert response["Location"] == "/login/" and not User.objects.filter(username__startswith="oidc.").exists()

    # So is one made for another client.
    provider.jwks = Provider.jwks.__get__(provider)
    provider.client_id, provider.client_secret = "another-client", "s3cret"
    response = sign_in_through(client, provider)
    assert response["Location"] == "/login/" and not User.objects.filter(username__startswith="oidc.").exists()
