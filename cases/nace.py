"""Sector codes: NACE Rev. 2 (SN2007) classes, from the list shipped in data/nace_rev2.csv."""

import csv
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

_FILE = Path(__file__).parent / "data" / "nace_rev2.csv"


@cache
def _codes() -> dict[str, dict[str, str]]:
    with _FILE.open(encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


@cache
def class_choices() -> list[tuple[str, str]]:
    return [(code, f"{code} {row['label']}") for code, row in _codes().items() if row["level"] == "class"]


def section_choices() -> list[tuple[str, str]]:
    return [(code, row["label"].capitalize()) for code, row in _codes().items() if row["level"] == "section"]


def section_of(code: str) -> str:
    """The section letter of a class code (41.20 → F)."""
    row = _codes().get(code[:2])
    return row["parent"] if row else ""


def normalise(value: str) -> str:
    """Accept 4120, 41.20 or 41.200 (SN2007 sub-class) and return the class code 41.20."""
    digits = value.replace(".", "").strip()
    if len(digits) == 5 and digits.isdigit():  # SN2007 five-digit sub-class
        digits = digits[:4]
    return f"{digits[:2]}.{digits[2:]}" if len(digits) == 4 else value.strip()


def validate_sector(value: str) -> None:
    code = normalise(value)
    row = _codes().get(code)
    if row is None or row["level"] != "class":
        raise ValidationError(
            "%(value)s is not a NACE Rev. 2 class code (four digits, such as 41.20).",
            code="invalid_sector",
            params={"value": value},
        )
