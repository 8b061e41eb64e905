import datetime

import pytest
from django.core.exceptions import ValidationError
from stdnum.no import fodselsnummer

from cases.choices import IdKind
from cases.identity import _W1, _W2, parse_identity_number, validate_organisation_number
from cases.nace import normalise, validate_sector
from tests.factories import identity_number


def number_valid_only_under_2032_rule() -> str:
    """Nine digits, then check digits leaving remainders in 1..3 (never 0), as issued from 2032."""
    base = "150886" + "123"
    for k1 in "0123456789":
        r1 = sum(w * int(d) for w, d in zip(_W1, base + k1, strict=True)) % 11
        if r1 not in (1, 2, 3):
            continue
        for k2 in "0123456789":
            r2 = sum(w * int(d) for w, d in zip(_W2, base + k1 + k2, strict=True)) % 11
            if r2 in (0, 1, 2, 3):
                return base + k1 + k2
    raise AssertionError("no such number for this base")


def test_it_accepts_a_national_identity_number_under_the_original_rule():
    number = identity_number(datetime.date(1986, 10, 15))
    parsed = parse_identity_number(number)
    assert parsed.kind == IdKind.NATIONAL_ID
    assert parsed.rule == "legacy"
    assert parsed.birth_date == datetime.date(1986, 10, 15)


def test_it_accepts_the_documented_example_number():
    assert parse_identity_number("151086 95088").number == "15108695088"


def test_it_refuses_a_wrong_check_digit():
    with pytest.raises(ValidationError) as exc:
        parse_identity_number("15108695077")
    assert exc.value.code == "invalid_checksum"
    assert "check digit" in exc.value.messages[0]


def test_it_recognises_a_d_number():
    number = identity_number(datetime.date(1990, 3, 7), d_number=True)
    assert number.startswith("47")
    parsed = parse_identity_number(number)
    assert parsed.kind == IdKind.D_NUMBER
    assert parsed.birth_date == datetime.date(1990, 3, 7)


def test_it_recognises_an_h_number():
    number = identity_number(datetime.date(1975, 5, 20), h_number=True)
    assert number[2:4] == "45"
    parsed = parse_identity_number(number)
    assert parsed.kind == IdKind.H_NUMBER
    assert parsed.birth_date == datetime.date(1975, 5, 20)


def test_it_accepts_a_number_valid_only_under_the_2032_rule():
    number = number_valid_only_under_2032_rule()
    assert not fodselsnummer.is_valid(number), "stdnum 2.2 knows only the original rule"
    parsed = parse_identity_number(number)
    assert parsed.rule == "2032"
    assert parsed.kind == IdKind.NATIONAL_ID


def test_it_refuses_a_number_wrong_under_both_rules():
    base = "150886123"
    # A first check digit leaving remainder 4..10 is wrong under both rules, whatever follows.
    k1 = next(d for d in "0123456789" if sum(w * int(x) for w, x in zip(_W1, base + d, strict=True)) % 11 > 3)
    for k2 in "0123456789":
        with pytest.raises(ValidationError) as exc:
            parse_identity_number(base + k1 + k2)
        assert exc.value.code == "invalid_checksum"


@pytest.mark.parametrize("value,n", [("1510869508", 10), ("151086950881", 12)])
def test_it_refuses_a_wrong_length_with_a_clear_message(value, n):
    with pytest.raises(ValidationError) as exc:
        parse_identity_number(value)
    assert exc.value.code == "invalid_length"
    assert f"has 11 digits (this one has {n})" in exc.value.messages[0]


def test_it_refuses_letters_in_an_identity_number():
    with pytest.raises(ValidationError) as exc:
        parse_identity_number("1510869508X")
    assert exc.value.code == "invalid_format"


def test_it_validates_organisation_numbers():
    assert validate_organisation_number("988 077 917") == "988077917"
    with pytest.raises(ValidationError, match="wrong check digit"):
        validate_organisation_number("988077918")
    with pytest.raises(ValidationError, match="9 digits"):
        validate_organisation_number("98807791")


def test_sector_codes_come_from_the_shipped_nace_list():
    validate_sector("41.20")
    assert normalise("4120") == "41.20"
    assert normalise("41.201") == "41.20"
    with pytest.raises(ValidationError, match="not a NACE Rev. 2 class"):
        validate_sector("41.99")
    with pytest.raises(ValidationError):
        validate_sector("F")  # a section, not a class
