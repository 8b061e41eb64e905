"""Single sign-on through an agency's own OpenID Connect provider (mozilla-django-oidc).

Off unless OIDC_* settings are given (config/settings/base.py). The provider vouches for who
the person is and what they do here; each sign-in brings the account up to date:

- ``sub`` names the person (the account is ``oidc.<sub>``; a local account is never taken over),
- ``given_name``, ``family_name``, ``email`` fill the profile,
- OIDC_AGENCY_CLAIM (``agency``) is the agency code (``LABOUR``), which must be one we know,
- OIDC_ROLES_CLAIM (``unit_roles``) lists ``<UNIT>:<role>`` (``OSL:coordinator``); roles in
  units the agency is not a member of, or unknown roles, are ignored. Roles not listed any
  more are taken away (agencies.services.membership_remove).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from agencies import services
from agencies.models import User
from tracker.exceptions import DomainValidationError

logger = logging.getLogger(__name__)


def username_for(claims: dict) -> str:
    return f"oidc.{claims['sub']}"[:150]


class AgencyOIDCBackend(OIDCAuthenticationBackend):
    def verify_token(self, token, **kwargs):
        """The id_token's payload, or None (the login fails back to the login page, not a 400)
        when its signature, nonce, audience or issuer is wrong."""
        try:
            payload = super().verify_token(token, **kwargs)
        except SuspiciousOperation as error:
            logger.warning("Single sign-on refused: %s", error)
            return None
        audience = payload.get("aud")
        audience = audience if isinstance(audience, list) else [audience]
        issuer = settings.OIDC_OP_ISSUER
        if self.OIDC_RP_CLIENT_ID not in audience or (issuer and payload.get("iss") != issuer):
            logger.warning("Single sign-on refused: an id_token for another client or from another issuer.")
            return None
        return payload

    def verify_claims(self, claims):
        return bool(claims.get("sub")) and bool(claims.get(settings.OIDC_AGENCY_CLAIM))

    def filter_users_by_claims(self, claims):
        return User.objects.filter(username=username_for(claims))

    def describe_user_by_claims(self, claims):
        return username_for(claims)

    def create_user(self, claims):
        return self._sync(claims)

    def update_user(self, user, claims):
        return self._sync(claims)

    def _sync(self, claims) -> User | None:
        try:
            return services.user_sync_from_claims(
                username=username_for(claims),
                agency_code=str(claims.get(settings.OIDC_AGENCY_CLAIM, "")),
                roles=_roles(claims.get(settings.OIDC_ROLES_CLAIM)),
                first_name=str(claims.get("given_name", ""))[:150],
                last_name=str(claims.get("family_name", ""))[:150],
                email=str(claims.get("email", ""))[:254],
            )
        except DomainValidationError as error:  # an unknown agency: no account, no login
            raise SuspiciousOperation(error.message) from error

    def get_user(self, user_id):
        # A session of a disabled account is a session of nobody, as with ModelBackend.
        user = User.objects.filter(pk=user_id, is_active=True).first()
        return user


def _roles(value) -> list[tuple[str, str]]:
    if isinstance(value, str):
        value = value.split()
    pairs = []
    for item in value or []:
        unit, _, role = str(item).partition(":")
        if unit and role:
            pairs.append((unit.strip().upper(), role.strip().lower()))
    return pairs
