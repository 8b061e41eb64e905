"""The home page, statistics (and their CSV and XLSX) and the header search: who sees what, bad
input, and a constant number of queries."""

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from agencies.models import UnitMembership
from referrals.models import Referral
from tests.web.conftest import FINE, REASSESSMENT
from web.exports import _plain

# --- home -------------------------------------------------------------------------


def rows(table) -> dict:
    return {row[0]: row[1:] for row in table.rows}


def test_the_home_page_shows_my_work_and_the_units_work_in_charts(work_of, page_client, alice):
    work = work_of(2)
    response = page_client(alice).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    for case in work.cases:
        assert f"{case.reference} {case.title}" in html
    assert work.closed[0].reference not in html.split('id="unit-work"')[0]  # closed: not among my open cases
    assert [task.title for task in response.context["tasks"]] == ["Call the employer 0", "Call the employer 1"]
    assert [c.title for c in response.context["controls"]] == [c.title for c in work.upcoming]
    assert {r.pk for r in response.context["referrals"]} == {r.pk for r in work.referrals}
    assert all(case.on_it for case in response.context["cases"])
    # Four charts, each an image with a title and description, and the same numbers as a table.
    assert html.count('role="img"') == 4
    assert html.count("<details") == 4
    status = dict(response.context["by_status"].series())
    assert sorted(status.values()) == [0, 0, 1, 2]  # two received, one closed this year
    by_agency = {row[0]: row for row in response.context["by_agency"].rows}
    labour = next(row for name, row in by_agency.items() if "Arbeidstilsynet" in name or "Labour Inspection" in name)
    assert labour[2:5] == [2, 2, 2 * FINE]  # controls taken part in, its findings, their amount


def test_the_charts_draw_one_bar_per_value_with_its_number(work_of, page_client, carol):
    work_of(3)
    html = page_client(carol).get("/").content.decode()
    chart = html[html.index('id="chart-month-title"') :].split("</figure>")[0]
    assert chart.count('class="app-chart__bar"') == 1  # eleven empty months, one with four cases
    assert re.search(r'<text class="app-chart__value"[^>]*>4</text>', chart)
    assert chart.count("<tr>") == 12 + 1  # twelve months and the header, in the table


def test_another_units_officer_sees_none_of_oslos_work_on_the_home_page(work_of, page_client, dave):
    work = work_of(2)
    response = page_client(dave).get("/")
    html = response.content.decode()
    assert "OSL-" not in html and "Bjørvika" not in html and "Groruddalen" not in html
    assert [case.pk for case in response.context["cases"]] == [work.bergen_case.pk]
    assert response.context["tasks"] == [] and response.context["controls"] == []
    assert response.context["referrals"] == [] and response.context["notifications"] == []
    assert sum(value for _, value in response.context["by_status"].series()) == 1  # his own case
    assert all(row[2] == row[3] == 0 for row in response.context["by_agency"].rows)


def test_the_desk_sees_what_was_sent_to_its_contact_point_overdue_first(work_of, page_client, desk):
    work = work_of(2)
    late = work.referrals[1]
    Referral.objects.filter(pk=late.pk).update(acknowledgement_due_on=late.acknowledgement_due_on.replace(year=2020))
    response = page_client(desk).get("/")
    referrals = response.context["referrals"]
    assert [r.pk for r in referrals] == [late.pk, work.referrals[0].pk]
    assert all(r.incoming for r in referrals) and referrals[0].is_overdue and not referrals[1].is_overdue
    html = response.content.decode()
    assert f"{late.case.reference} {late.case.title}" in html
    assert html.count('data-color="danger"') == 1  # the overdue mark, with its word


def test_a_unit_officer_is_not_shown_referrals_of_a_case_their_agency_is_not_on(work_of, page_client, erin, alice):
    work_of(1)
    UnitMembership.objects.filter(user=erin).update(role="case_officer")  # NAV takes part in none of them
    assert page_client(erin).get("/").context["referrals"] == []
    assert len(page_client(alice).get("/").context["referrals"]) == 1


@pytest.mark.parametrize("size", [1, 6])
def test_the_home_page_runs_the_same_queries_for_one_row_and_many(work_of, page_client, carol, size,
                                                                  query_counts):  # fmt: skip
    work_of(size)
    client = page_client(carol)
    # session, user, memberships; my open cases and their count; tasks; controls;
    # referrals; unread notifications; cases by status; by month; by agency: cases, controls,
    # findings, the agencies' names; the menu's desk check; the header's unread count.
    with query_counts("web GET /"):
        assert client.get("/").status_code == 200


# --- statistics -------------------------------------------------------------------


def totals(response) -> list:
    return [value for _, value in response.context["tables"]["totals"].rows]


def test_statistics_count_what_a_coordinator_may_see(work_of, page_client, carol):
    work_of(2)
    response = page_client(carol).get("/statistics/")
    assert response.status_code == 200
    # opened (two and the closed one), closed, controls carried out, organisations and persons
    # controlled, sanctions, their amount, persons sanctioned — Bergen's case not among them.
    assert totals(response) == [3, 1, 2, 2, 2, 4, 2 * (FINE + REASSESSMENT), 4]
    html = response.content.decode()
    assert re.search(r"kr 290\s001", html)  # the amount as Norwegians write it
    assert html.count('role="img"') == 5
    units = rows(response.context["tables"]["unit"])
    assert list(units) == ["A-krim Oslo"]


def test_an_officer_sees_only_what_their_agency_takes_part_in(work_of, page_client, erin, alice):
    work_of(2)
    UnitMembership.objects.filter(user=erin).update(role="case_officer")  # NAV, on none of the cases
    assert totals(page_client(erin).get("/statistics/"))[:3] == [0, 0, 0]
    assert totals(page_client(alice).get("/statistics/"))[:3] == [3, 1, 2]


def test_another_units_officer_sees_none_of_oslos_figures_on_the_page_or_in_the_exports(work_of, page_client, dave):
    work_of(2)
    client = page_client(dave)
    response = client.get("/statistics/")
    assert totals(response) == [1, 0, 0, 0, 0, 0, Decimal(0), 0]  # his own case only
    assert "A-krim Oslo" not in response.content.decode()
    exported = client.get("/statistics/export.csv").content.decode("utf-8-sig")
    assert "Oslo" not in exported and "290001" not in exported
    book = load_workbook(io.BytesIO(client.get("/statistics/export.xlsx").content))
    cells = [str(c.value) for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not any("Oslo" in value for value in cells)
    # Oslo cannot even be chosen.
    refused = client.get("/statistics/", {"unit": "OSL"})
    assert refused.status_code == 400 and "tables" not in refused.context
    assert client.get("/statistics/export.csv", {"unit": "OSL"}).status_code == 400


def test_statistics_filter_by_sector_agency_unit_and_period(work_of, page_client, carol):
    work_of(2)
    client = page_client(carol)
    assert totals(client.get("/statistics/", {"sector": "N"}))[:3] == [3, 1, 2]  # 81.21 is in section N
    assert totals(client.get("/statistics/", {"sector": "81"}))[:3] == [3, 1, 2]
    assert totals(client.get("/statistics/", {"sector": "F"}))[:3] == [0, 0, 0]
    assert totals(client.get("/statistics/", {"agency": "TAX"}))[:7] == [2, 0, 2, 2, 2, 2, 2 * REASSESSMENT]
    assert totals(client.get("/statistics/", {"unit": "OSL"}))[:3] == [3, 1, 2]
    last_year = client.get("/statistics/", {"date_from": "2020-01-01", "date_to": "2020-12-31"})
    assert totals(last_year) == [0, 0, 0, 0, 0, 0, Decimal(0), 0]
    assert [row[0] for row in last_year.context["tables"]["period"].rows][:1] == ["januar 2020"]
    long = client.get("/statistics/", {"date_from": "2019-01-01", "date_to": "2026-12-31"})
    assert long.context["tables"]["period"].rows[0][0] == "2019"  # by year past two years


@pytest.mark.parametrize(
    "params,field,message",
    [
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "date_to", "before the start"),
        ({"date_from": "1.13.2026"}, "date_from", ""),
        ({"date_from": "2000-01-01", "date_to": "2026-01-01"}, "date_from", "at most 10 years"),
        ({"sector": "ZZ"}, "sector", ""),
        ({"agency": "NOPE"}, "agency", ""),
    ],
)
def test_bad_filters_give_the_form_back_with_a_message(page_client, carol, params, field, message, settings):
    settings.LANGUAGE_CODE = "en"
    carol.language = "en"
    carol.save()
    response = page_client(carol).get("/statistics/", params)
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    html = response.content.decode()
    assert 'class="ds-validation-message"' in html and "tables" not in response.context
    for value in params.values():
        assert f'value="{value}"' in html or value in html  # the person's input is kept


def csv_tables(content: bytes) -> dict:
    """The CSV's blocks: title → rows (header first)."""
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    blocks, current = {}, None
    for line in lines[lines.index([]) + 1 :]:
        if not line:
            current = None
        elif current is None:
            current = blocks.setdefault(line[0], [])
        else:
            current.append(line)
    return blocks


def test_the_csv_and_xlsx_hold_the_same_numbers_as_the_page(work_of, page_client, carol):
    work_of(2)
    client = page_client(carol)
    query = {"date_from": "2026-01-01", "date_to": "2026-12-31", "agency": "LABOUR"}
    page = client.get("/statistics/", query)
    tables = list(page.context["tables"].values())
    html = page.content.decode()

    response = client.get("/statistics/export.csv", query)
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="\w+-2026-01-01-2026-12-31\.csv"', response["Content-Disposition"])
    exported = csv_tables(response.content)
    assert list(exported) == [table.title for table in tables]
    for table in tables:
        header, *body = exported[table.title]
        assert header == [column.label for column in table.columns]
        assert body == [[_plain(value) for value in row] for row in table.rows]
        for row in table.rows:
            assert str(row[0]) in html  # and the page shows the same rows

    book = load_workbook(io.BytesIO(client.get("/statistics/export.xlsx", query).content))
    assert len(book.sheetnames) == len(tables)
    for sheet, table in zip(book.worksheets, tables, strict=True):
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        start = values.index(
            [column.label for column in table.columns] + [None] * (sheet.max_column - len(table.columns))
        )
        body = [row[: len(table.columns)] for row in values[start + 1 :]]
        assert body == [[float(v) if isinstance(v, Decimal) else v for v in row] for row in table.rows]
    totals = dict(exported[tables[0].title][1:])
    assert Decimal(totals[tables[0].rows[6][0]]) == 2 * FINE  # LABOUR's own sanctions only


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("url", ["/statistics/", "/statistics/export.csv", "/statistics/export.xlsx"])
def test_statistics_run_the_same_queries_for_one_row_and_many(work_of, page_client, carol, size, url,
                                                              query_counts):  # fmt: skip
    work_of(size)
    client = page_client(carol)
    # session, user, memberships; totals: cases, controls, organisations, persons, findings;
    # per period: opened, closed, controls; per unit: cases, controls, findings; per agency:
    # cases, controls, findings, names; per sector; sanctions by kind (18 in all); the page
    # adds the form's units and agencies, the menu's desk check and the header's unread count;
    # a unit chosen, its lookup; an export, its export.statistics audit INSERT.
    with query_counts(f"web GET {url}"):
        assert client.get(url, {"unit": "OSL"} if "xlsx" in url else {}).status_code == 200


# --- search -----------------------------------------------------------------------


def found(response) -> dict:
    results = response.context["results"]
    return {
        "cases": [c.reference for c in results.cases],
        "organisations": [o.name for o in results.organisations],
        "persons": [p.name for p in results.persons],
    }


def test_the_search_finds_persons_organisations_and_cases_without_accents(work_of, page_client, carol):
    work = work_of(2)
    client = page_client(carol)
    assert found(client.get("/search/", {"q": "ostby"}))["persons"] == ["Kari Østby 0", "Kari Østby 1"]
    assert found(client.get("/search/", {"q": "KARI østby 1"}))["persons"] == ["Kari Østby 1"]
    assert found(client.get("/search/", {"q": "bjorke"}))["organisations"] == ["Bjørke Bygg 0", "Bjørke Bygg 1"]
    org = work.organisations[1]
    spaced = f"{org.organisation_number[:3]} {org.organisation_number[3:6]} {org.organisation_number[6:]}"
    assert found(client.get("/search/", {"q": spaced}))["organisations"] == [org.name]
    person = work.persons[0]
    assert found(client.get("/search/", {"q": person.id_number}))["persons"] == [person.name]
    assert found(client.get("/search/", {"q": person.id_number[:6]}))["persons"] == []  # a birth date is not enough
    case = work.cases[1]
    assert found(client.get("/search/", {"q": case.reference.lower()}))["cases"] == [case.reference]
    assert found(client.get("/search/", {"q": case.reference[-5:]}))["cases"] == [case.reference]
    assert len(found(client.get("/search/", {"q": "bjorvika"}))["cases"]) == 2
    html = client.get("/search/", {"q": "ostby"}).content.decode()
    assert f"{case.reference} {case.title}" in html  # each subject names the cases it is on


def test_the_search_finds_nothing_outside_what_the_person_may_see(work_of, page_client, carol, dave):
    work = work_of(2)
    assert found(page_client(carol).get("/search/", {"q": "ostby"}))["persons"] == ["Kari Østby 0", "Kari Østby 1"]
    assert found(page_client(carol).get("/search/", {"q": "bjorke fisk"}))["organisations"] == []
    assert found(page_client(carol).get("/search/", {"q": work.bergen_case.reference}))["cases"] == []
    theirs = page_client(dave).get("/search/", {"q": "ostby"})
    assert found(theirs) == {"cases": [work.bergen_case.reference], "organisations": [], "persons": ["Ola Østby"]}
    html = theirs.content.decode()
    assert "OSL-" not in html and "Kari" not in html
    assert found(page_client(dave).get("/search/", {"q": work.cases[0].reference}))["cases"] == []


def test_the_header_search_answers_htmx_with_live_results(work_of, page_client, carol):
    work_of(1)
    response = page_client(carol).get("/search/", {"q": "ostb"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-live")
    html = response.content.decode()
    assert response.templates[0].name == "web/_search_live.html"
    assert "Kari Østby 0" in html and "<html" not in html
    assert 'id="search-status"' in html and 'hx-swap-oob="true"' in html
    page = page_client(carol).get("/search/", {"q": "ostb"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="search-results")
    assert page.templates[0].name == "web/_search_results.html"


@pytest.mark.parametrize("query", ["", "a", "&|!:*()'", "ø" * 500, "<script>"])
def test_odd_queries_give_an_empty_answer_not_an_error(page_client, carol, query):
    response = page_client(carol).get("/search/", {"q": query})
    assert response.status_code == 200 and response.context["results"].count == 0
    assert "<script>" not in response.content.decode().split('id="search-results"')[1]


@pytest.mark.parametrize("size", [1, 5])
def test_the_search_runs_the_same_queries_for_one_row_and_many(work_of, page_client, carol, size,
                                                              query_counts):  # fmt: skip
    work_of(size)
    client = page_client(carol)
    # session, user, memberships; cases; organisations, and the visible cases each is on when
    # there are any; persons, and theirs; the menu's desk check; the header's unread count.
    for query, expected in (("ostby", {"persons": size}), ("bj", {"cases": size, "organisations": size})):
        with query_counts(f"web GET /search/?q={query}"):
            response = client.get("/search/", {"q": query})
        assert {kind: len(names) for kind, names in found(response).items() if names} == expected


def test_the_home_page_links_to_the_case_control_and_referral_pages(work_of, page_client, alice, settings):
    work = work_of(1)
    settings.ROOT_URLCONF = "tests.stub_pages_urls"  # those pages, stood in
    html = page_client(alice).get("/").content.decode()
    assert f'href="/cases/{work.cases[0].pk}/"' in html
    assert f'href="/controls/{work.upcoming[0].pk}/"' in html
    assert f'href="/referrals/{work.referrals[0].pk}/"' in html


def test_the_superuser_sees_every_unit_in_the_statistics_and_the_search(work_of, page_client, root):
    work = work_of(1)
    client = page_client(root)
    assert list(rows(client.get("/statistics/").context["tables"]["unit"])) == ["A-krim Bergen", "A-krim Oslo"]
    assert found(client.get("/search/", {"q": "ostby"}))["persons"] == ["Kari Østby 0", "Ola Østby"]
    assert client.get("/").status_code == 200
    assert work.bergen_case.reference in client.get("/search/", {"q": work.bergen_case.reference}).content.decode()
