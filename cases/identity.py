"""Norwegian identifiers: organisation numbers and national identity / D- / H-numbers.

python-stdnum checks organisation numbers and identity numbers under the
original check-digit rule (D- and H-numbers included). From 2032 new identity
numbers follow a changed rule that stdnum 2.2 does not yet know: each weighted
sum, check digit included, may leave a remainder of 0, 1, 2 or 3 modulo 11
(before, only 0), and the individual digits no longer encode gender. We accept
both rules; this is the only rule written by hand, and it goes when stdnum has it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from stdnum import exceptions as stdnum_errors
from stdnum.no import fodselsnummer, orgnr

from cases.choices import IdKind

_W1 = (3, 7, 6, 1, 8, 9, 4, 5, 2, 1)
_W2 = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
_REMAINDERS_2032 = {0, 1, 2, 3}


def validate_organisation_number(value: str) -> str:
    try:
        return orgnr.validate(value)
    except stdnum_errors.InvalidLength:
        raise ValidationError("An organisation number has 9 digits.", code="invalid_length") from None
    except stdnum_errors.InvalidFormat:
        raise ValidationError("An organisation number has digits only.", code="invalid_format") from None
    except stdnum_errors.InvalidChecksum:
        raise ValidationError("This organisation number has a wrong check digit.", code="invalid_checksum") from None


@dataclass(frozen=True)
class IdentityNumber:
    number: str
    kind: str  # IdKind
    rule: str  # "legacy" or "2032"
    birth_date: datetime.date | None


def _remainders(digits: str) -> tuple[int, int]:
    r1 = sum(w * int(d) for w, d in zip(_W1, digits[:10], strict=True)) % 11
    r2 = sum(w * int(d) for w, d in zip(_W2, digits[:11], strict=True)) % 11
    return r1, r2


def _birth_date(digits: str) -> datetime.date | None:
    try:
        return fodselsnummer.get_birth_date(digits)
    except stdnum_errors.ValidationError:
        return None


def parse_identity_number(value: str) -> IdentityNumber:
    """Validate an 11-digit identity number, D-number or H-number under either rule."""
    digits = fodselsnummer.compact(value or "")
    if not digits.isdigit():
        raise ValidationError("An identity number has digits only.", code="invalid_format")
    if len(digits) != 11:
        raise ValidationError(
            "An identity number has 11 digits (this one has %(n)s).",
            code="invalid_length",
            params={"n": len(digits)},
        )
    r1, r2 = _remainders(digits)
    if (r1, r2) == (0, 0):
        rule = "legacy"
    elif r1 in _REMAINDERS_2032 and r2 in _REMAINDERS_2032:
        rule = "2032"
    else:
        raise ValidationError("This identity number has a wrong check digit.", code="invalid_checksum")

    day, month = int(digits[0:2]), int(digits[2:4])
    if day > 40:
        kind = IdKind.D_NUMBER
    elif month > 40:
        kind = IdKind.H_NUMBER
    else:
        kind = IdKind.NATIONAL_ID
    birth_date = _birth_date(digits)
    if birth_date is None and rule == "legacy":
        raise ValidationError("The first six digits of this identity number are not a valid date.", code="invalid_date")
    if birth_date is not None and birth_date > datetime.date.today():
        raise ValidationError("This identity number has a birth date in the future.", code="invalid_date")
    return IdentityNumber(number=digits, kind=kind, rule=rule, birth_date=birth_date)


def validate_identity_number(value: str) -> None:
    parse_identity_number(value)


MASK = "*****"


def mask_identity_number(number: str | None) -> str:
    """The birth-date part only ("150186 *****"): what everyone sees unless they asked for the
    whole number with a reason, or are an agency system holding the identity scope. The five
    digits masked are what singles a person out among those born that day."""
    if not number:
        return ""
    return f"{number[:6]} {MASK}"


def make_identity_number(birth: datetime.date, individual: int, *, d_number=False, h_number=False) -> str | None:
    """Build a number under the legacy rule (for demo data and tests); None if the serial is unusable."""
    day, month = birth.day + (40 if d_number else 0), birth.month + (40 if h_number else 0)
    base = f"{day:02d}{month:02d}{birth.year % 100:02d}{individual:03d}"
    k1 = fodselsnummer.calc_check_digit1(base)
    if len(k1) != 1:
        return None
    k2 = fodselsnummer.calc_check_digit2(base + k1)
    return base + k1 + k2 if len(k2) == 1 else None
