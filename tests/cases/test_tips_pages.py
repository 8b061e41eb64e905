"""The tips inbox and triage pages: who sees a tip, what each triage does, what bad input does."""

import pytest
from django.urls import reverse

from cases import services
from cases.choices import CaseSource, TipStatus
from cases.models import Case, Tip
from tests.factories import case_kwargs

HTMX = {"HTTP_HX_REQUEST": "true"}


def _promoted(**overrides) -> dict:
    """The case fields a promotion takes (the tip gives the source and the day)."""
    fields = case_kwargs(**overrides)
    del fields["source"], fields["received_on"]
    return fields


def _tip(actor, unit, description="Bilvask med svart arbeid", **extra):
    return services.tip_create(actor=actor, unit=unit, source="union", description=description, **extra)


@pytest.fixture
def tip(alice, osl):
    return _tip(alice, osl, subjects_mentioned="Alna Bilpleie AS, 988077917")


def test_the_inbox_shows_the_units_new_tips_with_what_they_say(client, alice, dave, tip, bgo):
    bergen_tip = _tip(dave, bgo, description="Bergen tip")
    client.force_login(alice)
    page = client.get(reverse("cases:tips")).content.decode()
    assert "Bilvask med svart arbeid" in page and "Fagforening" in page and "Alna Bilpleie AS, 988077917" in page
    assert "Bergen tip" not in page
    assert client.get(reverse("cases:tip", args=[bergen_tip.pk])).status_code == 404


def test_another_units_officer_cannot_triage_the_tip(client, dave, tip, labour_case):
    client.force_login(dave)
    assert client.get(reverse("cases:tip", args=[tip.pk])).status_code == 404
    assert client.get(reverse("cases:create"), {"tip": tip.pk}).status_code == 404
    assert client.post(reverse("cases:tip_dismiss", args=[tip.pk]), {"reason": "x"}).status_code == 404
    assert client.post(reverse("cases:tip_merge", args=[tip.pk]), {"case": labour_case.pk}).status_code == 404
    assert Tip.objects.get().status == TipStatus.NEW


def test_a_tip_address_that_is_not_an_id_is_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("cases:create"), {"tip": "not-an-id"}).status_code == 404


def test_an_auditor_reads_the_tips_but_does_not_triage_them(client, erin, tip):
    client.force_login(erin)
    assert "app-tip__action" not in client.get(reverse("cases:tips")).content.decode()
    page = client.get(reverse("cases:tip", args=[tip.pk])).content.decode()
    assert "Bilvask med svart arbeid" in page and "Opprett sak fra tipset" not in page
    assert client.get(reverse("cases:create")).status_code == 404
    response = client.post(reverse("cases:tip_dismiss", args=[tip.pk]), {"reason": "Ikke vårt"})
    assert response.status_code == 403 and Tip.objects.get().status == TipStatus.NEW


def test_a_tip_becomes_a_case_from_the_form_filled_in_from_it(client, alice, tip):
    client.force_login(alice)
    form = client.get(reverse("cases:create"), {"tip": tip.pk}).content.decode()
    assert "Ny sak fra et tips" in form and "Bilvask med svart arbeid</textarea>" in form
    assert 'name="source"' not in form and 'name="unit"' not in form  # the tip decides these
    response = client.post(
        reverse("cases:create"),
        {
            "tip": tip.pk,
            "title": "Alna Bilpleie",
            "summary": "Bilvask med svart arbeid",
            "lead_agency": alice.agency_id,
            "agencies": [alice.agency_id],
            "sector": "45.20",
            "offences": ["undeclared_work"],
            "priority": "normal",
        },
    )
    case = Case.objects.get()
    assert response.status_code == 302 and response.url == reverse("cases:detail", args=[case.pk])
    assert case.source == CaseSource.TIP and case.offences == ["undeclared_work"]
    assert Tip.objects.get().case == case
    # Triaged once: the tip is no longer offered for a new case.
    assert client.get(reverse("cases:create"), {"tip": tip.pk}).status_code == 404


def test_a_case_form_with_bad_input_comes_back_with_the_input_and_creates_nothing(client, alice):
    client.force_login(alice)
    response = client.post(
        reverse("cases:create"),
        {"title": "Bilvask", "lead_agency": alice.agency_id, "sector_search": "bilvask", "priority": "normal"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_sector_error">Velg en næring fra listen.' in page
    assert 'id="id_source_error">' in page and 'value="Bilvask"' in page
    assert "Kontroller disse feltene" in page
    assert not Case.objects.exists()


def test_the_sector_is_found_by_a_norwegian_word_or_its_code(client, alice):
    client.force_login(alice)
    url = reverse("cases:create")
    headers = {**HTMX, "HTTP_HX_TRIGGER_NAME": "sector_search"}
    found = client.get(url, {"sector_search": "rengjoring"}, **headers).content.decode()
    assert "Rengjøring av bygninger" in found and 'value="81.21"' in found
    assert 'value="41.20"' in client.get(url, {"sector_search": "4120"}, **headers).content.decode()
    chosen = client.get(url, {"sector_search": "restaurant", "sector": "81.21"}, **headers).content.decode()
    assert 'value="81.21" checked' in chosen  # the choice stays while searching again


def test_a_tip_is_merged_into_a_case_found_by_its_reference(client, alice, tip, labour_case):
    client.force_login(alice)
    found = client.get(
        reverse("cases:tip", args=[tip.pk]), {"q": labour_case.reference}, **HTMX, HTTP_HX_TRIGGER_NAME="q"
    ).content.decode()
    assert labour_case.title in found and "<h1" not in found
    response = client.post(reverse("cases:tip_merge", args=[tip.pk]), {"case": labour_case.pk})
    assert response.status_code == 302
    assert Tip.objects.get().status == TipStatus.MERGED


def test_a_tip_cannot_be_merged_into_a_case_the_triager_does_not_see(client, alice, bob, osl):
    tip = _tip(bob, osl)
    hidden = services.case_create(actor=alice, unit=osl, **case_kwargs(title="Labour only", agencies=["LABOUR"]))
    client.force_login(bob)
    found = client.get(
        reverse("cases:tip", args=[tip.pk]), {"q": "Labour only"}, **HTMX, HTTP_HX_TRIGGER_NAME="q"
    ).content.decode()
    assert "Labour only" not in found
    response = client.post(reverse("cases:tip_merge", args=[tip.pk]), {"case": hidden.pk})
    assert response.status_code == 400 and "Velg et gyldig valg" in response.content.decode()
    assert Tip.objects.get().status == TipStatus.NEW


def test_dismissing_needs_a_reason(client, alice, tip):
    client.force_login(alice)
    response = client.post(reverse("cases:tip_dismiss", args=[tip.pk]), {"reason": "  "})
    assert response.status_code == 400
    assert 'id="id_reason_error">' in response.content.decode()
    assert Tip.objects.get().status == TipStatus.NEW
    response = client.post(reverse("cases:tip_dismiss", args=[tip.pk]), {"reason": "Ikke arbeidslivskriminalitet"})
    assert response.status_code == 302
    tip = Tip.objects.get()
    assert tip.status == TipStatus.DISMISSED and tip.dismissal_reason == "Ikke arbeidslivskriminalitet"
    triaged = client.get(reverse("cases:tips"), {"show": "triaged"}).content.decode()
    assert "Ikke arbeidslivskriminalitet" in triaged


def test_a_triaged_tip_names_its_case_only_to_those_who_see_the_case(client, alice, bob, osl):
    tip = _tip(alice, osl)
    case = services.tip_promote(actor=alice, tip=tip, **_promoted(title="Labour only", agencies=["LABOUR"]))
    client.force_login(bob)  # Tax takes no part in the case
    page = client.get(reverse("cases:tips"), {"show": "triaged"}).content.decode()
    assert "Bilvask med svart arbeid" in page and case.reference not in page
    client.force_login(alice)
    assert case.reference in client.get(reverse("cases:tips"), {"show": "triaged"}).content.decode()


@pytest.mark.parametrize("n", [1, 30])
def test_the_inbox_runs_a_constant_number_of_queries(client, alice, osl, query_counts, n):
    for i in range(n):
        _tip(alice, osl, description=f"New tip {i}")
        tip = _tip(alice, osl, description=f"Triaged tip {i}")
        services.tip_promote(actor=alice, tip=tip, **_promoted(title=f"Case {i}"))
    client.force_login(alice)
    for show in ("new", "triaged"):
        client.get(reverse("cases:tips"), {"show": show})
        # The queries: session, user, the user's unit roles, the count, the menu's desk check,
        # unread notifications, the page of tips (with unit and case, and whether the user sees it).
        with query_counts(f"web GET cases:tips?show={show}"):
            response = client.get(reverse("cases:tips"), {"show": show})
        assert response.status_code == 200
