"""Test sign-ins that complete the second factor as a person would: with the code their
authenticator shows now, computed from the device's key (django_otp.oath.totp)."""

from __future__ import annotations

import time

from django.test.client import ClientMixin
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from web.security import SECOND_FACTOR

DEMO_KEY = "3132333435363738393031323334353637383930"  # RFC 6238's test secret, hex


def ensure_authenticator(user) -> TOTPDevice:
    """The user's confirmed authenticator (one is made when they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", key=DEMO_KEY, confirmed=True)


def code_for(device: TOTPDevice) -> str:
    """The code the app shows now; the next step's when this step's was already used (a device
    takes each code once, and two sign-ins of one test may fall in the same 30 s)."""
    device.refresh_from_db()
    step = int(time.time() - device.t0) // device.step
    offset = 1 if device.last_t is not None and device.last_t >= step else 0
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:0{device.digits}d}"


_plain_login = ClientMixin._login


def _login_second_factor_done(self, user, backend=None):
    """``client.force_login`` skips the password; here it skips the code step as well, so
    tests of pages get a session as it is after a full sign-in."""
    _plain_login(self, user, backend)
    session = self.session
    if session.pop(SECOND_FACTOR, None):
        session.save()


def complete_second_factor_on_force_login() -> None:
    ClientMixin._login = _login_second_factor_done
