"""Accent- and case-insensitive search on names and titles, without PostgreSQL's ``unaccent``.

The embedded PostgreSQL has neither ``unaccent`` nor ``pg_trgm``, so each searchable model keeps
``search_name``: its name (or title) folded — æ → ae, ø → o, å → a, other Latin accents
dropped, lower case — as a column the database generates itself. A generated column holds
whatever writes the row (services, the admin, ``QuerySet.update()``, an anonymisation job), so it
never keeps a name that was changed or wiped, and existing rows are filled when it is added.

Queries are folded by the *same* SQL expression, so what is stored and what is asked can never
fold differently. Words are matched by their beginning ("bjorke" finds "Bjørke Bygg AS", "ost"
finds "Kari Østby") through a GIN index on ``to_tsvector('simple', search_name)``: full-text
search is part of core PostgreSQL, and its prefix queries (``ostby:*``) use that index.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact
from django.db import models
from django.db.models import F, Func, Q, Value

# Letters that stand for two (first replaced, in both cases), then letters with no Unicode
# decomposition that still read as a plain Latin letter.
_EXPANDED = {"æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ß": "ss", "ẞ": "ss", "þ": "th", "Þ": "th"}
_PLAIN = {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ħ": "h", "Ħ": "h",
          "ı": "i", "ŧ": "t", "Ŧ": "t", "ŀ": "l", "Ŀ": "l"}  # fmt: skip
# Latin-1 Supplement, Latin Extended-A and B: the letters whose decomposition is a plain
# letter plus accents (å, é, ö, ñ, č, ș, ą …), in upper and lower case.
_LATIN_BLOCKS = range(0x00C0, 0x0250)
# Combining accents, for text stored decomposed (e + U+0301): translate() drops what has no partner.
_COMBINING = "".join(chr(c) for c in range(0x0300, 0x0370))
SEARCH_CONFIG = "simple"  # no stemming and no stop words: names are not prose


@cache
def _translation() -> tuple[str, str]:
    source, target = [], []
    for code in _LATIN_BLOCKS:
        char = chr(code)
        if char in _EXPANDED or char in _PLAIN:
            continue
        base = unicodedata.normalize("NFD", char)[0]
        if base != char and base.isascii() and base.isalpha():
            source.append(char)
            target.append(base.lower())
    for char, plain in _PLAIN.items():
        source.append(char)
        target.append(plain)
    return "".join(source) + _COMBINING, "".join(target)


def folded(expression) -> Func:
    """SQL that folds ``expression`` for matching: ``lower(translate(replace(…)))``. Immutable,
    so PostgreSQL accepts it in a generated column and folds a constant query once."""
    for char, replacement in _EXPANDED.items():
        expression = Func(expression, Value(char), Value(replacement), function="REPLACE")
    source, target = _translation()
    return Func(Func(expression, Value(source), Value(target), function="TRANSLATE"), function="LOWER")


def search_name_field(source: str) -> models.GeneratedField:
    """The folded copy of ``source``, kept by the database."""
    return models.GeneratedField(
        expression=folded(F(source)), output_field=models.TextField(), db_persist=True, editable=False
    )


def search_index(name: str) -> GinIndex:
    return GinIndex(SearchVector("search_name", config=SEARCH_CONFIG), name=name)


_WORD = re.compile(r"[^\W_]+")
_REFERENCE = re.compile(r"[A-Z0-9-]*\d[A-Z0-9-]*")  # OSL-2026-00012, 2026-00012, 00012


def words(text: str) -> list[str]:
    """The words of a query: letters and digits, at most eight of them."""
    return _WORD.findall(unicodedata.normalize("NFC", text or ""))[:8]


def words_match(text: str, prefix: str = "") -> Q:
    """Rows (or, with ``prefix``, related rows) whose ``search_name`` has a word starting with
    each word of ``text``; matches nothing when ``text`` has no word."""
    found = words(text)
    if not found:
        return Q(pk__in=[])
    # Only letters and digits reach to_tsquery: nothing in a query can be read as its syntax.
    query = SearchQuery(folded(Value(" & ".join(f"{w}:*" for w in found))), search_type="raw", config=SEARCH_CONFIG)
    return Q(SearchVectorExact(SearchVector(f"{prefix}search_name", config=SEARCH_CONFIG), query))


def reference_match(text: str) -> Q:
    """Cases whose reference starts or ends with ``text`` (``OSL-2026``, ``2026-00012``,
    ``00012``); nothing unless ``text`` looks like (part of) a reference."""
    code = text.strip().upper()
    if len(code) < 3 or not _REFERENCE.fullmatch(code):
        return Q(pk__in=[])
    return Q(reference__startswith=code) | Q(reference__endswith=code)
