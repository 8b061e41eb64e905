"""Issuing and revoking agency systems' API keys."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from agencies.choices import UnitRole, UserKind
from agencies.models import Agency, ApiKey, RegionalUnit, UnitMembership, User
from tracker import audit
from tracker.api.authentication import KEY_PREFIX, digest
from tracker.api.scopes import SCOPES
from tracker.exceptions import DomainValidationError

KEY_FIELDS = ["name", "prefix", "user", "scopes", "expires_at", "revoked_at"]


@transaction.atomic
def api_key_create(
    *, actor, name: str, agency: Agency, units: list[RegionalUnit], scopes: list[str],
    expires_at: datetime.datetime | None = None,
) -> tuple[ApiKey, str]:  # fmt: skip
    """Create a key and its service account; returns the key and the secret, shown once."""
    if not name.strip():
        raise DomainValidationError.for_field("name", "Give the key a name (the system it is for).")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise DomainValidationError.for_field(
            "scopes", f"Unknown scope: {', '.join(unknown)}." if unknown else "Give at least one scope."
        )
    if not units:
        raise DomainValidationError.for_field("units", "A key serves at least one unit.")
    outside = [u.code for u in units if not u.agencies.filter(pk=agency.pk).exists()]
    if outside:
        raise DomainValidationError.for_field("units", f"{agency.code} is not a member of {', '.join(outside)}.")
    expires_at = expires_at or timezone.now() + datetime.timedelta(days=settings.API_KEY_DEFAULT_DAYS)
    if expires_at <= timezone.now():
        raise DomainValidationError.for_field("expires_at", "The expiry must be in the future.")
    prefix = secrets.token_hex(4)
    token = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    username = f"system.{slugify(name)[:40]}.{prefix}"
    user = User(username=username, agency=agency, kind=UserKind.SERVICE, first_name=name[:150])
    user.set_unusable_password()
    user.save()
    UnitMembership.objects.bulk_create(UnitMembership(user=user, unit=u, role=UnitRole.CASE_OFFICER) for u in units)
    key = ApiKey.objects.create(
        name=name,
        prefix=prefix,
        digest=digest(token),
        user=user,
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by=actor if actor and actor.pk else None,
    )
    after = audit.snapshot(key, KEY_FIELDS) | {"units": sorted(u.code for u in units)}
    audit.record(actor=actor, action="api_key.create", obj=key, after=after)
    return key, token


@transaction.atomic
def api_key_revoke(*, actor, key: ApiKey) -> ApiKey:
    before = audit.snapshot(key, KEY_FIELDS)
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action="api_key.revoke", obj=key, before=before, after=audit.snapshot(key, KEY_FIELDS))
    # Nothing more goes to its webhooks: what waits is cancelled now (and every send checks too).
    from tracker.notifications.services import cancel_deliveries_to

    cancel_deliveries_to(owner=key.user, reason="Not sent: its API key was revoked.")
    return key


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The language a person's pages and e-mails are in (a profile setting)."""
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise DomainValidationError.for_field("language", "Choose Norsk bokmål or English.")
    before = audit.snapshot(user, ["language"])
    user.language = language
    user.save(update_fields=["language"])
    audit.record(actor=user, action="user.set_language", obj=user, before=before, after={"language": language})
    return user
