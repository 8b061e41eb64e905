"""Sector codes: NACE Rev. 2 (SN2007) classes, from the list shipped in data/nace_rev2.csv.

Each code has the English label (Eurostat, via python-stdnum) and, in label_nb, the official
Bokmål title of SN2007 from Statistics Norway (NLOD 2.0; see data/README.md). Titles follow the
active Django language: Bokmål when it is "nb" and the code has one, English otherwise.
"""

import csv
import re
import unicodedata
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils import translation

_FILE = Path(__file__).parent / "data" / "nace_rev2.csv"
_BOKMAL = {"nb", "no"}  # language codes (primary subtag) shown with the SN2007 Bokmål titles
_CODE_QUERY = re.compile(r"\d{1,2}(?:\.?\d{1,3})?")  # 8, 81, 812, 8121, 81.21, 81.210
_FOLDED_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a"})


@cache
def _codes() -> dict[str, dict[str, str]]:
    with _FILE.open(encoding="utf-8") as f:
        return {row["code"]: row for row in csv.DictReader(f)}


def _is_bokmal(language: str | None) -> bool:
    language = language or translation.get_language() or ""
    return language.replace("_", "-").split("-")[0].lower() in _BOKMAL


def _language_key(language: str | None) -> str:
    return "nb" if _is_bokmal(language) else "en"


def label(code: str, language: str | None = None) -> str:
    """The title of a section, division, group or class in the given (else the active) language.

    The SN2007 Bokmål title in Norwegian, falling back to the English label where there is none;
    "" for an unknown code. Accepts the forms normalise() does (8121, 81.21, 81.210).
    """
    row = _codes().get(code) or _codes().get(normalise(code))
    if row is None:
        return ""
    if _is_bokmal(language) and row.get("label_nb"):
        return row["label_nb"]
    return row["label"].capitalize() if row["level"] == "section" else row["label"]  # Eurostat's are in capitals


def class_choices(language: str | None = None) -> list[tuple[str, str]]:
    """(code, "81.21 Rengjøring av bygninger") for every class, titled in the given (else the active) language."""
    return _class_choices(_language_key(language))


@cache
def _class_choices(language: str) -> list[tuple[str, str]]:
    return [(code, f"{code} {label(code, language)}") for code, row in _codes().items() if row["level"] == "class"]


def section_choices(language: str | None = None) -> list[tuple[str, str]]:
    return [(code, label(code, language)) for code, row in _codes().items() if row["level"] == "section"]


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


def fold(text: str) -> str:
    """Lower case without accents, for matching: æ → ae, ø → o, å → a, others dropped ("Rengjøring" → "rengjoring")."""
    text = text.casefold().translate(_FOLDED_LETTERS)
    return "".join(char for char in unicodedata.normalize("NFKD", text) if not unicodedata.combining(char))


@cache
def _search_index() -> list[tuple[str, str, str, str]]:
    """(code, code without the dot, folded Bokmål title, folded English label) for every class."""
    return [
        (code, code.replace(".", ""), fold(row.get("label_nb") or ""), fold(row["label"]))
        for code, row in _codes().items()
        if row["level"] == "class"
    ]


def _closeness(word: str, title: str) -> int:
    """0 when the word is a whole word of the title, 1 when it starts one, 2 otherwise."""
    if re.search(rf"\b{re.escape(word)}\b", title):
        return 0
    return 1 if re.search(rf"\b{re.escape(word)}", title) else 2


def search(query: str, language: str | None = None, limit: int | None = 20) -> list[tuple[str, str]]:
    """Classes matching a code or words of a title, as (code, title in the given or active language).

    A number matches codes that start with it, with or without the dot ("81", "8121", "81.21",
    the SN2007 sub-class "81.210"). Other words must each occur in the Bokmål or in the English
    title, ignoring case and accents ("rengjoring" finds "Rengjøring av bygninger", "cleaning"
    finds it too). Classes are ranked by how closely the words match the title in the shown
    language (a whole word before the start of a word before anywhere inside one), then by code.
    """
    prefixes, words = [], []
    for token in query.split():
        if _CODE_QUERY.fullmatch(token):
            digits = token.replace(".", "")
            prefixes.append(digits[:4])  # a five-digit SN2007 sub-class belongs to its four-digit class
        else:
            words.extend(re.findall(r"\w+", fold(token)))
    if not prefixes and not words:
        return []
    bokmal = _is_bokmal(language)
    found = []
    for code, digits, nb, en in _search_index():
        if not all(digits.startswith(prefix) for prefix in prefixes):
            continue
        if not all(word in nb or word in en for word in words):
            continue
        shown = nb if bokmal and nb else en
        found.append((sum(_closeness(word, shown) for word in words), code))
    found.sort()
    key = _language_key(language)
    return [(code, label(code, key)) for _, code in found[:limit]]


def validate_sector(value: str) -> None:
    code = normalise(value)
    row = _codes().get(code)
    if row is None or row["level"] != "class":
        raise ValidationError(
            "%(value)s is not a NACE Rev. 2 class code (four digits, such as 41.20).",
            code="invalid_sector",
            params={"value": value},
        )
