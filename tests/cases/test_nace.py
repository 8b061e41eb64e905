"""Sector codes in both languages: SN2007 Bokmål titles beside the English NACE labels, and finding a class."""

import csv

from django.utils import translation

from cases import nace

# SN2007 as we took it from Statistics Norway has no division 98 (households' production for own
# use), so these classes keep only their English label (see cases/data/README.md).
UNTITLED_IN_SN2007 = {"98.10", "98.20"}


def test_every_class_in_the_shipped_list_has_its_bokmal_title():
    with nace._FILE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    classes = [row for row in rows if row["level"] == "class"]
    assert len(classes) == 615
    assert [row["code"] for row in classes if not row["label_nb"].strip()] == sorted(UNTITLED_IN_SN2007)
    assert {row["code"]: row["label_nb"] for row in rows if row["level"] == "section"}["F"] == (
        "Bygge- og anleggsvirksomhet"
    )


def test_a_class_is_titled_in_bokmal_under_norwegian_and_in_english_otherwise():
    with translation.override("nb"):
        assert nace.label("81.21") == "Rengjøring av bygninger"
        assert nace.label("8121") == "Rengjøring av bygninger"
        assert nace.label("N") == "Forretningsmessig tjenesteyting"
    with translation.override("en"):
        assert nace.label("81.21") == "General cleaning of buildings"
        assert nace.label("N") == "Administrative and support service activities"
    assert nace.label("81.21", language="nb") == "Rengjøring av bygninger"
    assert nace.label("81.21", language="en") == "General cleaning of buildings"
    assert nace.label("99.99") == ""


def test_a_class_without_a_bokmal_title_falls_back_to_english():
    with translation.override("nb"):
        assert nace.label("98.10") == "Undifferentiated goods-producing activities of private households for own use"


def test_the_class_choices_follow_the_active_language():
    with translation.override("nb"):
        norwegian = dict(nace.class_choices())
    with translation.override("en"):
        english = dict(nace.class_choices())
    assert norwegian["81.21"] == "81.21 Rengjøring av bygninger"
    assert english["81.21"] == "81.21 General cleaning of buildings"
    assert norwegian.keys() == english.keys() and len(norwegian) == 615
    assert dict(nace.section_choices("nb"))["F"] == "Bygge- og anleggsvirksomhet"
    assert dict(nace.section_choices("en"))["F"] == "Construction"


def test_a_class_is_found_by_its_code_with_or_without_the_dot():
    with translation.override("nb"):
        assert nace.search("8121") == [("81.21", "Rengjøring av bygninger")]
        assert nace.search("81.21") == [("81.21", "Rengjøring av bygninger")]
        assert nace.search("81.210") == [("81.21", "Rengjøring av bygninger")]  # SN2007 sub-class
        assert [code for code, _ in nace.search("81.2")] == ["81.21", "81.22", "81.29"]


def test_a_class_is_found_by_a_norwegian_word_typed_without_accents():
    with translation.override("nb"):
        found = nace.search("rengjoring")
        assert found[0] == ("81.21", "Rengjøring av bygninger")
        assert {"81.21", "81.22", "81.29"} <= {code for code, _ in found}
        assert nace.search("RENGJØRING bygninger")[0] == ("81.21", "Rengjøring av bygninger")
        assert ("47.71", "Butikkhandel med klær") in nace.search("butikkhandel klaer")


def test_a_class_is_found_by_an_english_word_and_shown_in_the_active_language():
    with translation.override("en"):
        assert ("81.21", "General cleaning of buildings") in nace.search("cleaning")
    with translation.override("nb"):
        assert ("81.21", "Rengjøring av bygninger") in nace.search("cleaning")
    assert nace.search("cleaning buildings", language="en")[0] == ("81.21", "General cleaning of buildings")


def test_a_search_returns_at_most_the_limit_and_nothing_for_an_empty_query():
    assert len(nace.search("produksjon", language="nb")) == 20
    assert len(nace.search("produksjon", language="nb", limit=5)) == 5
    assert len(nace.search("produksjon", language="nb", limit=None)) > 20
    assert nace.search("") == [] and nace.search("  ") == []
    assert nace.search("zzzz") == []
