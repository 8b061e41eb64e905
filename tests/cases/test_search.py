"""The folded search columns: accent- and case-insensitive, kept by the database itself."""

import pytest
from django.db import connection
from django.db.models import Value

from cases import services
from cases.models import Case, Organisation, Person
from cases.search import _EXPANDED, _PLAIN, _translation, folded, words, words_match
from tests.factories import case_kwargs


def fold_in_sql(text: str) -> str:
    with connection.cursor() as cursor:
        sql, params = folded(Value(text)).as_sql(*_compiler())
        cursor.execute(f"SELECT {sql}", params)
        return cursor.fetchone()[0]


def _compiler():
    query = Person.objects.all().query
    compiler = query.get_compiler(connection=connection)
    return compiler, connection


def names(qs) -> list[str]:
    return sorted(qs.values_list("name", flat=True))


@pytest.mark.parametrize(
    "query,expected",
    [
        ("bjorke", ["Bjørke Bygg AS"]),
        ("BJØRKE", ["Bjørke Bygg AS"]),
        ("ostby", ["Kari Østby"]),
        ("ØSTBY kari", ["Kari Østby"]),
        ("ost", ["Kari Østby"]),  # the start of a word
        ("aerlig", ["Ærlig Ærend"]),
        ("aerend", ["Ærlig Ærend"]),
        ("lukasz", ["Łukasz Nowak-Kowalski"]),
        ("kowalski", ["Łukasz Nowak-Kowalski"]),
        ("sule celik", ["Şule Çelik"]),
        ("gross", ["Jürgen Groß"]),
        ("jurgen", ["Jürgen Groß"]),
        ("maria", ["Ana Mari\u0301a"]),  # stored decomposed, as some keyboards write it
        ("hakon", ["Håkon Ås"]),
        ("as", ["Bjørke Bygg AS", "Håkon Ås"]),
        ("by", ["Bjørke Bygg AS"]),  # only persons: "Bygg og Anlegg" is an organisation
        ("tby", []),  # the middle of a word does not match
        ("kari nowak", []),  # every word must match the same name
    ],
)
def test_a_person_is_found_whatever_the_accents_and_capitals(labour_case, query, expected):
    for name in ("Kari Østby", "Ærlig Ærend", "Łukasz Nowak-Kowalski", "Şule Çelik", "Jürgen Groß",
                 "Ana Mari\u0301a", "Håkon Ås", "Bjørke Bygg AS"):  # fmt: skip
        Person.objects.create(case=labour_case, name=name)
    Organisation.objects.create(case=labour_case, name="Bygg og Anlegg")
    assert names(Person.objects.filter(words_match(query))) == expected


def test_the_folded_column_is_stored_for_every_writer_even_a_bulk_update(alice, osl):
    """A generated column: an anonymisation by QuerySet.update() leaves no old name behind."""
    case = services.case_create(actor=alice, unit=osl, **case_kwargs(title="Vaskeri på Tøyen"))
    person = services.person_upsert(actor=alice, case=case, name="Kari Østby")
    assert Person.objects.get(pk=person.pk).search_name == "kari ostby"
    assert Case.objects.get(pk=case.pk).search_name == "vaskeri pa toyen"
    Person.objects.filter(pk=person.pk).update(name="Anonymisert")
    assert Person.objects.get(pk=person.pk).search_name == "anonymisert"
    assert not Person.objects.filter(words_match("ostby")).exists()
    Organisation.objects.bulk_create(
        [Organisation(case=case, name="Ørsta Rør"), Organisation(case=case, name="Åsane Åkeri")]
    )
    assert names(Organisation.objects.filter(words_match("orsta"))) == ["Ørsta Rør"]
    assert names(Organisation.objects.filter(words_match("asane akeri"))) == ["Åsane Åkeri"]


def test_every_letter_in_the_fold_table_folds_in_sql_as_listed(db):
    """The table is built in Python; PostgreSQL applies it. Hold the two together."""
    source, target = _translation()
    for char, plain in zip(source, target, strict=False):
        assert fold_in_sql(char) == plain, char
    for char, plain in {**_EXPANDED, **_PLAIN}.items():
        assert fold_in_sql(f"X{char}Y") == f"x{plain}y", char
    assert fold_in_sql("e\u0301") == "e"  # a decomposed accent is dropped
    assert fold_in_sql("ИВАН") == "иван"  # other scripts are lower-cased, kept


@pytest.mark.parametrize("text", ["a & b", "x:*", "!(a|b)", "a'b", "<->", "\\", "_", ""])
def test_query_syntax_in_what_people_type_is_only_text(labour_case, text):
    Person.objects.create(case=labour_case, name="A B")
    list(Person.objects.filter(words_match(text)))  # no syntax error from to_tsquery
    assert all(word.isalnum() for word in words(text))


def test_the_search_uses_the_index(labour_case):
    Person.objects.bulk_create([Person(case=labour_case, name=f"Person {i}") for i in range(50)])
    # Unordered: with the sort, the planner may as well walk the name index and filter.
    sql, params = Person.objects.filter(words_match("ostby")).order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "person_search_name" in plan
