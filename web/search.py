"""The header search: a case by reference or title, an organisation by number or name, a person
by identity number or name — accent- and case-insensitive (cases.search), and only within the
cases the person may see: organisations and persons are found through those cases alone."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q

from cases.models import Case, CaseSubject, Organisation, Person
from cases.search import reference_match, words_match
from cases.selectors import case_visibility_q, cases_visible_to

MIN_LENGTH = 2


@dataclass
class Results:
    query: str
    cases: list = field(default_factory=list)
    organisations: list = field(default_factory=list)
    persons: list = field(default_factory=list)
    more: bool = False  # some list was cut at the limit

    @property
    def count(self) -> int:
        return len(self.cases) + len(self.organisations) + len(self.persons)


def _digits(text: str) -> str:
    compact = re.sub(r"[\s.]", "", text)
    return compact if compact.isdigit() else ""


def search(user, text: str, *, limit: int = 20) -> Results:
    """Up to ``limit`` of each kind. Five queries: cases; organisations and persons, each with
    the visible cases they are on."""
    text = (text or "").strip()[:100]
    results = Results(text)
    if len(text) < MIN_LENGTH:
        return results
    visible = Case.objects.filter(case_visibility_q(user)).values("pk")
    links = CaseSubject.objects.filter(case__in=visible)
    on_visible_cases = Prefetch(
        "case_links",
        queryset=links.select_related("case").order_by("-case__received_on", "case__reference"),
        to_attr="visible_links",
    )
    digits = _digits(text)

    cases = (
        cases_visible_to(user)
        .prefetch_related(None)
        .filter(words_match(text) | reference_match(text))
        .order_by("-received_on", "-number")
    )
    number = Q(organisation_number__startswith=digits) if len(digits) >= 3 else Q(pk__in=[])
    organisations = (
        Organisation.objects.filter(Exists(links.filter(organisation_id=OuterRef("pk"))))
        .filter(words_match(text) | number)
        .prefetch_related(on_visible_cases)
        .order_by("name", "pk")
    )
    # A whole identity number only: part of one is a birth date, not a way to find someone.
    identity = Q(id_number=digits) if len(digits) == 11 else Q(pk__in=[])
    persons = (
        Person.objects.filter(Exists(links.filter(person_id=OuterRef("pk"))))
        .filter(words_match(text) | identity)
        .prefetch_related(on_visible_cases)
        .order_by("name", "pk")
    )
    for name, qs in (("cases", cases), ("organisations", organisations), ("persons", persons)):
        found = list(qs[: limit + 1])
        results.more = results.more or len(found) > limit
        setattr(results, name, found[:limit])
    return results
