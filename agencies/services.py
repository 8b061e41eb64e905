"""Issuing and revoking agency systems' API keys."""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import twofactor
from agencies.choices import UnitRole, UserKind
from agencies.models import Agency, ApiKey, RegionalUnit, UnitMembership, User
from agencies.twofactor import RECOVERY
from tracker import audit
from tracker.api.authentication import KEY_PREFIX, digest
from tracker.api.scopes import SCOPES
from tracker.exceptions import DomainValidationError
from tracker.hooks import Hook

KEY_FIELDS = ["name", "prefix", "user", "scopes", "expires_at", "revoked_at"]

# Runs with the key inside api_key_revoke()'s transaction: notifications cancels what waits
# for the key's webhooks (NotificationsConfig.ready), as agencies imports no app above it.
api_key_revoked = Hook("API key revoked")


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
    api_key_revoked(key)
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


# --- Accounts: two-factor, disabling, roles -----------------------------------------------


@transaction.atomic
def two_factor_begin(*, user: User):
    """A new, unconfirmed authenticator for ``user`` (any earlier unconfirmed one is dropped);
    it counts only once a code from it is confirmed."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    audit.record(actor=user, action="user.two_factor_begin", obj=user)
    return device


@transaction.atomic
def two_factor_confirm(*, user: User, device, code: str) -> list[str]:
    """Turn the new authenticator on once it gives a right code; it replaces any earlier one.
    Returns fresh recovery codes, shown once."""
    if device.user_id != user.pk or device.confirmed:
        raise DomainValidationError.for_field("code", "Start the set-up again.")
    if not device.verify_token("".join(code.split())):
        raise DomainValidationError.for_field("code", "That code is not right. Type the 6 digits the app shows now.")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit.record(actor=user, action="user.two_factor_enable", obj=user, after={"recovery_codes": len(codes)})
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    if twofactor.authenticator(user) is None:
        raise DomainValidationError("Set up two-factor sign-in first.")
    codes = _new_recovery_codes(user)
    audit.record(actor=user, action="user.recovery_codes_renew", obj=user, after={"recovery_codes": len(codes)})
    return codes


def _new_recovery_codes(user: User) -> list[str]:

    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.TWO_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def two_factor_disable(*, user: User) -> None:
    """Switch two-factor off: for whom it is optional only."""

    if twofactor.requires_two_factor(user):
        raise DomainValidationError(
            "Your role requires two-factor sign-in; you can set up a new authenticator instead."
        )
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    audit.record(actor=user, action="user.two_factor_disable", obj=user)


def _end_sessions_and_keys(*, actor, user: User, why: str) -> list[ApiKey]:
    """Every session of ``user`` ends at its next request (web/security.py compares the
    session's start with this stamp); the API keys the user made or is are revoked."""
    user.sessions_ended_at = timezone.now()
    user.save(update_fields=["sessions_ended_at"])
    keys = list(ApiKey.objects.filter(models.Q(created_by=user) | models.Q(user=user), revoked_at__isnull=True))
    for key in keys:
        api_key_revoke(actor=actor, key=key)
    audit.record(
        actor=actor, action="user.end_sessions", obj=user, after={"why": why, "keys_revoked": [k.prefix for k in keys]}
    )
    return keys


@transaction.atomic
def user_deactivate(*, actor, user: User) -> User:
    """Disable an account: it cannot sign in, its sessions end and its API keys stop now."""
    before = audit.snapshot(user, ["is_active"])
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    audit.record(actor=actor, action="user.deactivate", obj=user, before=before, after={"is_active": False})
    _end_sessions_and_keys(actor=actor, user=user, why="deactivated")
    return user


@transaction.atomic
def membership_remove(*, actor, membership: UnitMembership) -> None:
    """Take a role away: the person signs in again to work with what is left."""
    user = membership.user
    before = {"user": str(user.pk), "unit": membership.unit.code, "role": membership.role}
    audit.record(actor=actor, action="membership.remove", obj=membership, before=before)
    membership.delete()
    _end_sessions_and_keys(actor=actor, user=user, why=f"role removed: {before['role']} in {before['unit']}")


@transaction.atomic
def user_sync_from_claims(
    *, username: str, agency_code: str, roles: list[tuple[str, str]], first_name: str, last_name: str, email: str
) -> User:
    """Create or update a single-sign-on account from the identity provider's claims (see
    agencies/oidc.py): its agency, names and unit roles follow the provider at each sign-in."""
    agency = Agency.objects.filter(code=agency_code.upper(), is_active=True).first()
    if agency is None:
        raise DomainValidationError.for_field("agency", f"Unknown agency in the sign-in claims: {agency_code!r}.")
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        user = User(username=username, is_staff=False)
        user.set_unusable_password()  # signs in through the provider only
    before = None if created else audit.snapshot(user, ["agency", "first_name", "last_name", "email"])
    user.agency, user.first_name, user.last_name, user.email = agency, first_name, last_name, email
    user.save()
    units = {
        unit.code: unit
        for unit in RegionalUnit.objects.filter(code__in={u for u, _ in roles}, agencies=agency, is_active=True)
    }
    wanted = {(units[u].pk, role) for u, role in roles if u in units and role in UnitRole.values}
    held = {(m.unit_id, m.role): m for m in UnitMembership.objects.filter(user=user).select_related("unit")}
    for unit_id, role in wanted - set(held):
        UnitMembership.objects.create(user=user, unit_id=unit_id, role=role)
    for key in set(held) - wanted:
        membership_remove(actor=None, membership=held[key])
    codes = {unit.pk: code for code, unit in units.items()}
    after = audit.snapshot(user, ["agency", "first_name", "last_name", "email"]) | {
        "roles": sorted(f"{codes[u]}:{r}" for u, r in wanted)
    }
    audit.record(actor=None, action="user.create_from_sso" if created else "user.update_from_sso", obj=user,
                 before=before, after=after)  # fmt: skip
    return user
