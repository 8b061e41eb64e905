"""Two-factor sign-in (TOTP, django-otp): who must use it, and checking a code.

A person has at most one confirmed authenticator (a ``TOTPDevice``) and one set of recovery
codes (a ``StaticDevice`` named "recovery", each token single-use). Writing them is done by
the services in agencies/services.py."""

from __future__ import annotations

import base64

import segno
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.choices import UserKind
from agencies.models import UnitMembership

RECOVERY = "recovery"


def requires_two_factor(user) -> bool:
    """Coordinators, auditors (TWO_FACTOR_REQUIRED_ROLES), staff and superusers must use it."""
    if user.kind == UserKind.SERVICE:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return UnitMembership.objects.filter(user=user, role__in=settings.TWO_FACTOR_REQUIRED_ROLES).exists()


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-pk").first()


def step_after_password(user) -> str | None:
    """What a login must still do: give a code ("verify"), set two-factor up ("enrol"), nothing."""
    if user.kind == UserKind.SERVICE:
        return None
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return "verify"
    return "enrol" if requires_two_factor(user) else None


def verify(user, code: str) -> tuple[TOTPDevice | StaticDevice | None, bool]:
    """The device that accepts ``code`` (a code from the authenticator or a recovery code, which
    is used up), and whether it was a recovery code."""
    code = "".join(code.split()).lower()
    if not code:
        return None, False
    if code.isdigit():
        for device in TOTPDevice.objects.filter(user=user, confirmed=True):
            if device.verify_is_allowed()[0] and device.verify_token(code):
                return device, False
        return None, False
    for device in StaticDevice.objects.filter(user=user, name=RECOVERY, confirmed=True):
        if device.verify_token(code):
            return device, True
    return None, False


def secret_text(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    key = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code (no script, no style: CSP-safe)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2, title="otpauth")


def recovery_codes_left(user) -> int:
    device = StaticDevice.objects.filter(user=user, name=RECOVERY).first()
    return device.token_set.count() if device else 0
