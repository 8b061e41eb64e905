"""The case pages, as people reach them: who may see them, bad input, concurrent edits, query counts.

Pages speak Bokmål (the default language); the assertions read what an officer reads.
"""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.choices import UnitRole
from cases import services
from cases.choices import CaseStatus, LegalBasis, SubjectRole, TaskStatus, Visibility
from cases.models import Case, CaseAssignment, CaseSubject, JournalEntry, Organisation, Person, Task
from controls import services as control_services
from referrals import services as referral_services
from tests.factories import case_kwargs, identity_number, officer, organisation_number

HTMX = {"HTTP_HX_REQUEST": "true"}


def detail(case) -> str:
    return reverse("cases:detail", args=[case.pk])


@pytest.fixture
def labour_only_case(alice, osl):
    """A case only Labour takes part in: Tax's officers do not see it."""
    return services.case_create(actor=alice, unit=osl, **case_kwargs(title="Only Labour here", agencies=["LABOUR"]))


@pytest.fixture
def bergen_case(dave, bgo):
    return services.case_create(
        actor=dave, unit=bgo, **case_kwargs(title="Bergen case", lead_agency="POLICE", agencies=["POLICE"])
    )


# --- who may see what ------------------------------------------------------------------


def _case_urls(case, *, link=None, task=None, assignment=None, attachment=None) -> list[tuple[str, str]]:
    urls = [
        ("get", detail(case)),
        ("get", reverse("cases:edit", args=[case.pk])),
        ("get", reverse("cases:history", args=[case.pk])),
        ("get", reverse("cases:add_organisation", args=[case.pk]) + "?organisation_number=988077917"),
        ("post", reverse("cases:transition", args=[case.pk])),
        ("post", reverse("cases:add_organisation", args=[case.pk])),
        ("post", reverse("cases:add_person", args=[case.pk])),
        ("post", reverse("cases:add_journal_entry", args=[case.pk])),
        ("post", reverse("cases:add_task", args=[case.pk])),
        ("post", reverse("cases:add_assignee", args=[case.pk])),
        ("post", reverse("cases:request_transfer", args=[case.pk])),
    ]
    if link:
        urls.append(("post", reverse("cases:remove_subject", args=[case.pk, link.pk])))
    if task:
        urls.append(("post", reverse("cases:complete_task", args=[case.pk, task.pk])))
        urls.append(("post", reverse("cases:assign_task", args=[case.pk, task.pk])))
    if assignment:
        urls.append(("post", reverse("cases:remove_assignee", args=[case.pk, assignment.pk])))
    if attachment:
        urls.append(("get", reverse("cases:attachment", args=[case.pk, attachment.pk])))
    return urls


@pytest.fixture
def worked_case(alice, labour_only_case):
    case = labour_only_case
    org = services.organisation_upsert(actor=alice, case=case, organisation_number="988077917", name="Fjord AS")
    link = services.case_add_subject(actor=alice, case=case, organisation=org, role=SubjectRole.EMPLOYER)
    task = services.task_create(actor=alice, case=case, title="Call the employer", assignee=alice)
    assignment = services.case_assign(actor=alice, case=case, officer=alice)
    entry = services.journal_add(
        actor=alice,
        case=case,
        body="Payroll",
        attachments=[SimpleUploadedFile("payroll.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )
    return {"case": case, "link": link, "task": task, "assignment": assignment, "attachment": entry.attachments.get()}


@pytest.mark.parametrize("persona", ["dave", "bob"])
def test_every_case_page_and_action_is_404_to_another_unit_and_to_an_agency_not_taking_part(
    client, request, persona, worked_case
):
    # dave serves in Bergen; bob's agency (Tax) does not take part in this Labour-only case.
    client.force_login(request.getfixturevalue(persona))
    case = worked_case.pop("case")
    for method, url in _case_urls(case, **worked_case):
        response = getattr(client, method)(url, {"to": "assessment"} if method == "post" else None)
        assert response.status_code == 404, (persona, method, url)
    case.refresh_from_db()
    assert case.status == CaseStatus.RECEIVED and case.subjects.count() == 1 and case.tasks.get().status == "open"


def test_the_cases_list_shows_only_the_cases_a_person_may_see(client, bob, labour_case, labour_only_case, bergen_case):
    client.force_login(bob)
    page = client.get(reverse("cases:list")).content.decode()
    assert labour_case.reference in page
    assert labour_only_case.reference not in page and bergen_case.reference not in page


def test_an_auditor_reads_the_case_but_is_offered_nothing_to_change(client, erin, worked_case):
    client.force_login(erin)
    page = client.get(detail(worked_case["case"])).content.decode()
    assert worked_case["case"].title in page and "Fjord AS" in page
    for action in (
        "Rediger saken",
        "Start vurderingen",
        "Legg til en virksomhet",
        "Skriv et notat",
        "Legg til en oppgave",
    ):
        assert action not in page
    response = client.post(reverse("cases:transition", args=[worked_case["case"].pk]), {"to": "assessment"})
    assert response.status_code == 403
    assert "Bare saksbehandlere fra deltakende etater" in response.content.decode()


# --- the journal ---------------------------------------------------------------------------


def test_another_agencys_unshared_entry_shows_only_its_agency_and_date(client, alice, bob, labour_case):
    secret = services.journal_add(
        actor=bob,
        case=labour_case,
        body="Skattekortene er falske",
        attachments=[SimpleUploadedFile("skattekort.pdf", b"%PDF-1.4 x", content_type="application/pdf")],
    )
    services.journal_add(
        actor=bob,
        case=labour_case,
        body="Merverdiavgift ikke innbetalt",
        visibility=Visibility.UNIT,
        legal_basis=LegalBasis.AKRIM_REGULATION_3,
        necessity_note="Arbeidstilsynet trenger det for å vurdere pålegg.",
    )
    client.force_login(alice)
    page = client.get(detail(labour_case)).content.decode()

    withheld = re.search(r'<li class="app-timeline__entry app-timeline__entry--withheld">(.*?)</li>', page, re.S)
    assert withheld, "the unshared entry shows that it exists"
    shown = withheld.group(1)
    assert "Skatteetaten" in shown and timezone.localtime(secret.created_at).strftime("%d.%m.%Y") in shown
    assert "Et notat som Skatteetaten ikke har delt med senteret." in shown
    assert "Skattekortene er falske" not in page and "skattekort.pdf" not in page
    assert bob.get_full_name() not in shown
    assert "Merverdiavgift ikke innbetalt" in page and "A-krimforskriften § 3" in page
    # Nor can the file be fetched by its address.
    attachment = secret.attachments.get()
    assert client.get(reverse("cases:attachment", args=[labour_case.pk, attachment.pk])).status_code == 404

    client.force_login(bob)
    page = client.get(detail(labour_case)).content.decode()
    assert "Skattekortene er falske" in page and "skattekort.pdf" in page
    download = client.get(reverse("cases:attachment", args=[labour_case.pk, attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 x"


def test_a_note_shared_without_a_legal_basis_comes_back_with_the_messages_and_nothing_saved(client, alice, labour_case):
    client.force_login(alice)
    url = reverse("cases:add_journal_entry", args=[labour_case.pk])
    response = client.post(url, {"body": "Lønnslister mottatt", "share": "on"}, **HTMX)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<section id="journal"' in page
    assert 'id="journal_legal_basis_error">Må fylles ut når du deler med senteret.' in page
    assert 'id="journal_necessity_note_error">Må fylles ut når du deler med senteret.' in page
    assert "Lønnslister mottatt</textarea>" in page
    assert not JournalEntry.objects.filter(kind="note").exists()


def test_a_note_is_written_with_an_attachment_and_shared_with_the_unit(client, alice, labour_case):
    client.force_login(alice)
    url = reverse("cases:add_journal_entry", args=[labour_case.pk])
    upload = SimpleUploadedFile("timeliste.csv", b"dato;timer\n", content_type="text/csv")
    response = client.post(
        url,
        {
            "body": "Timelister for mai",
            "share": "on",
            "legal_basis": LegalBasis.AKRIM_REGULATION_3,
            "necessity_note": "Skatteetaten vurderer skatt.",
            "attachments": [upload],
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Notatet er lagret og delt med senteret." in response.content.decode()
    entry = JournalEntry.objects.get(kind="note")
    assert entry.visibility == Visibility.UNIT and entry.attachments.get().filename == "timeliste.csv"
    # The journal comes back with the history beside it, out of band.
    assert 'id="history" class="app-section" aria-labelledby="history-heading" hx-swap-oob="true"' in (
        response.content.decode()
    )


# --- subjects ---------------------------------------------------------------------------


def _field_error(page: str, field_id: str) -> str:
    match = re.search(rf'id="{field_id}_error">([^<]+)<', page)
    return match.group(1) if match else ""


@pytest.mark.parametrize("htmx", [True, False])
def test_a_wrong_organisation_number_comes_back_next_to_the_field_and_saves_nothing(client, alice, labour_case, htmx):
    client.force_login(alice)
    response = client.post(
        reverse("cases:add_organisation", args=[labour_case.pk]),
        {"organisation_number": "988 077 918", "name": "Fjord Renhold AS", "role": SubjectRole.EMPLOYER},
        **(HTMX if htmx else {}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert _field_error(page, "org_organisation_number") == "Organisasjonsnummeret har feil kontrollsiffer."
    assert 'value="988 077 918"' in page and 'value="Fjord Renhold AS"' in page
    assert ("<h1" in page) is not htmx  # the section for htmx, the whole page otherwise
    assert not Organisation.objects.exists() and not CaseSubject.objects.exists()


def test_a_person_born_in_the_future_comes_back_with_a_message_and_saves_nothing(client, alice, labour_case):
    client.force_login(alice)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("cases:add_person", args=[labour_case.pk]),
        {"name": "Ana Popescu", "date_of_birth": tomorrow.isoformat(), "nationality": "RO", "role": "worker"},
        **HTMX,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert _field_error(page, "person_date_of_birth") == "En fødselsdato må ligge mellom 01.01.1900 og i dag."
    assert 'value="Ana Popescu"' in page and '<option value="RO" selected>Romania</option>' in page
    assert not Person.objects.exists() and not CaseSubject.objects.exists()


def test_an_unknown_nationality_comes_back_with_a_message_and_saves_nothing(client, alice, labour_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:add_person", args=[labour_case.pk]),
        {"name": "Ana Popescu", "date_of_birth": "1996-03-02", "nationality": "QQ", "role": "worker"},
        **HTMX,
    )
    assert response.status_code == 400
    assert "QQ" in _field_error(response.content.decode(), "person_nationality")
    assert not Person.objects.exists()


def test_a_wrong_identity_number_comes_back_with_a_message_and_saves_nothing(client, alice, labour_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:add_person", args=[labour_case.pk]),
        {"id_number": "1234", "name": "Piotr Nowak", "role": "worker"},
        **HTMX,
    )
    assert response.status_code == 400
    assert _field_error(response.content.decode(), "person_id_number") == "Et fødselsnummer har 11 sifre (dette har 4)."
    assert not Person.objects.exists()


def test_an_organisation_already_on_the_case_is_reused_not_recorded_twice(client, alice, labour_case):
    client.force_login(alice)
    url = reverse("cases:add_organisation", args=[labour_case.pk])
    client.post(url, {"organisation_number": "988077917", "name": "Fjord Renhold AS", "role": "employer"})
    check = client.get(url, {"organisation_number": "988 077 917"}, **HTMX).content.decode()
    assert "Finnes allerede på saken: Fjord Renhold AS" in check
    response = client.post(url, {"organisation_number": "988077917", "name": "Fjord", "role": "suspect"}, **HTMX)
    assert response.status_code == 200
    assert Organisation.objects.count() == 1
    assert sorted(CaseSubject.objects.values_list("role", flat=True)) == ["employer", "suspect"]


def test_the_numbers_are_checked_as_they_are_typed(client, alice, labour_case):
    client.force_login(alice)
    organisation = reverse("cases:add_organisation", args=[labour_case.pk])
    person = reverse("cases:add_person", args=[labour_case.pk])
    assert (
        "feil kontrollsiffer" in client.get(organisation, {"organisation_number": "988077918"}, **HTMX).content.decode()
    )
    assert "9 sifre" in client.get(organisation, {"organisation_number": "98807"}, **HTMX).content.decode()
    assert (
        "Gyldig organisasjonsnummer." in client.get(organisation, {"organisation_number": "988077917"}).content.decode()
    )
    d_number = identity_number(datetime.date(1991, 4, 12), d_number=True)
    answer = client.get(person, {"id_number": d_number}, **HTMX).content.decode()
    assert "Gyldig d-nummer, født 12.04.1991." in answer
    h_number = identity_number(datetime.date(1985, 2, 3), h_number=True)
    assert "Gyldig h-nummer, født 03.02.1985." in client.get(person, {"id_number": h_number}, **HTMX).content.decode()
    # A first check digit off by four is wrong under the old rule and the 2032 rule alike.
    wrong = d_number[:9] + str((int(d_number[9]) + 4) % 10) + d_number[10]
    assert "feil kontrollsiffer" in client.get(person, {"id_number": wrong}, **HTMX).content.decode()


def test_a_person_without_a_number_is_recorded_as_a_potential_victim_with_the_indicators(client, alice, labour_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:add_person", args=[labour_case.pk]),
        {
            "name": "Ana Popescu",
            "date_of_birth": "1996-03-02",
            "nationality": "RO",
            "role": SubjectRole.POTENTIAL_VICTIM,
            "ilo_indicators": ["debt_bondage", "retention_of_documents"],
        },
        **HTMX,
    )
    assert response.status_code == 200
    link = CaseSubject.objects.get()
    assert link.person.id_kind == "none" and link.person.nationality == "RO"
    assert link.ilo_indicators == ["debt_bondage", "retention_of_documents"]
    assert "Gjeldsslaveri" in response.content.decode()


def test_indicators_hidden_by_a_changed_role_are_not_recorded(client, alice, labour_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:add_person", args=[labour_case.pk]),
        {"name": "Piotr Nowak", "role": SubjectRole.WITNESS, "ilo_indicators": ["debt_bondage"]},
        **HTMX,
    )
    assert response.status_code == 200
    assert CaseSubject.objects.get().ilo_indicators == []


# --- status, summary and concurrency ----------------------------------------------------------


def test_only_the_status_changes_allowed_now_are_offered_and_closing_asks_for_an_outcome(
    client, alice, carol, labour_case
):
    client.force_login(alice)
    page = client.get(detail(labour_case)).content.decode()
    assert "Start vurderingen" in page and "Gjør saken aktiv" not in page
    url = reverse("cases:transition", args=[labour_case.pk])
    response = client.post(url, {"to": CaseStatus.CLOSED}, **HTMX)
    assert response.status_code == 400
    assert 'id="close_outcome_error">Velg utfall for å avslutte saken.' in response.content.decode()
    assert Case.objects.get().status == CaseStatus.RECEIVED
    response = client.post(url, {"to": CaseStatus.CLOSED, "outcome": "no_basis", "note": "Ingen funn."}, **HTMX)
    assert response.status_code == 200 and "Saken er nå: avsluttet." in response.content.decode()
    assert Case.objects.get().outcome == "no_basis"
    # Reopening is the coordinator's: the officer sees no status buttons on a closed case.
    page = client.get(detail(labour_case)).content.decode()
    assert "Gjenåpne" not in page and "Avslutt saken" not in page
    client.force_login(carol)
    page = client.get(detail(labour_case)).content.decode()
    assert "Gjenåpne til vurdering" in page and "Gjenåpne som aktiv" in page


def _loaded(page: str) -> str:
    return re.search(r'name="loaded" value="([^"]+)"', page).group(1)


def test_a_concurrent_edit_shows_what_changed_and_keeps_what_was_typed(client, alice, bob, labour_case):
    client.force_login(alice)
    url = reverse("cases:edit", args=[labour_case.pk])
    form = client.get(url).content.decode()
    loaded = _loaded(form)

    # Meanwhile bob retitles the case and raises its priority.
    services.case_update(actor=bob, case=labour_case, title="Renholdsfirma i Groruddalen", priority="high")

    mine = {
        "loaded": loaded,
        "title": labour_case.title,  # left as loaded
        "summary": "Ansatte bor på arbeidsplassen.",  # typed by alice
        "sector": "81.21",
        "offences": ["wages"],
        "priority": "critical",  # changed by both
        "source": "tip",
        "received_on": labour_case.received_on.isoformat(),
    }
    response = client.post(url, mine)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Noen andre lagret saken mens du redigerte" in page
    rows = re.findall(
        r'<tr><th scope="row">([^<]+)</th><td class="app-prewrap">([^<]+)</td><td class="app-prewrap">([^<]+)</td>',
        page,
    )
    assert ("Tittel", "Cleaning firm paying below tariff", "Renholdsfirma i Groruddalen") in rows
    assert ("Prioritet", "Normal", "Høy") in rows
    assert "Ansatte bor på arbeidsplassen.</textarea>" in page  # what alice typed is kept
    assert '<option value="critical" selected>Kritisk</option>' in page  # her priority too
    assert 'value="Renholdsfirma i Groruddalen"' in page  # the title she left alone shows bob's
    assert not re.search(r"version|etag", page, re.I)
    stored = Case.objects.get()
    assert stored.summary == "" and stored.priority == "high"

    # Saving again keeps bob's title and saves what alice changed.
    again = dict(mine, loaded=_loaded(page), title="Renholdsfirma i Groruddalen")
    response = client.post(url, again)
    assert response.status_code == 302
    stored = Case.objects.get()
    assert (stored.title, stored.summary, stored.priority) == (
        "Renholdsfirma i Groruddalen",
        "Ansatte bor på arbeidsplassen.",
        "critical",
    )


def test_an_edit_sends_only_what_was_changed(client, alice, labour_case):
    client.force_login(alice)
    url = reverse("cases:edit", args=[labour_case.pk])
    loaded = _loaded(client.get(url).content.decode())
    data = {
        "loaded": loaded,
        "title": "Ny tittel",
        "summary": "",
        "sector": "81.21",
        "offences": ["wages"],
        "priority": "normal",
        "source": "tip",
        "received_on": labour_case.received_on.isoformat(),
    }
    assert client.post(url, data).status_code == 302
    from tracker.models import AuditEntry

    update = AuditEntry.objects.get(action="case.update")
    changed = {k for k in update.after if update.after[k] != update.before[k]}
    assert changed == {"title", "version"}


def test_an_edit_with_a_bad_sector_comes_back_with_the_message(client, alice, labour_case):
    client.force_login(alice)
    url = reverse("cases:edit", args=[labour_case.pk])
    data = {
        "loaded": _loaded(client.get(url).content.decode()),
        "title": "Ny tittel",
        "sector": "",
        "sector_search": "rengjøring",
        "priority": "normal",
        "source": "tip",
        "received_on": labour_case.received_on.isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_sector_error">Velg en næring fra listen.' in page
    assert "Rengjøring av bygninger" in page  # the search's results, to choose from
    assert Case.objects.get().title == labour_case.title


# --- tasks, assignees, transfers ------------------------------------------------------------


def test_a_task_is_created_reassigned_and_done(client, alice, bob, labour_case):
    client.force_login(alice)
    due = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        reverse("cases:add_task", args=[labour_case.pk]),
        {"title": "Hent skattekort", "assignee": str(alice.pk), "due_on": due.isoformat()},
        **HTMX,
    )
    assert response.status_code == 200
    task = Task.objects.get()
    assert task.assignee == alice and task.due_on == due
    response = client.post(
        reverse("cases:assign_task", args=[labour_case.pk, task.pk]), {f"task-{task.pk}-assignee": str(bob.pk)}, **HTMX
    )
    assert response.status_code == 200 and Task.objects.get().assignee == bob
    response = client.post(reverse("cases:complete_task", args=[labour_case.pk, task.pk]), **HTMX)
    assert response.status_code == 200 and Task.objects.get().status == TaskStatus.DONE


def test_a_task_for_someone_who_cannot_see_the_case_is_refused(client, alice, dave, labour_case):
    client.force_login(alice)
    response = client.post(
        reverse("cases:add_task", args=[labour_case.pk]), {"title": "Ring", "assignee": str(dave.pk)}, **HTMX
    )
    assert response.status_code == 400 and 'id="task_assignee_error"' in response.content.decode()
    assert not Task.objects.exists()


def test_an_officer_puts_a_colleague_of_their_own_agency_on_the_case_and_takes_them_off(client, alice, labour_case):
    colleague = officer("lars", "LABOUR")
    client.force_login(alice)
    page = client.get(detail(labour_case)).content.decode()
    assert colleague.get_full_name() in page
    response = client.post(reverse("cases:add_assignee", args=[labour_case.pk]), {"officer": str(colleague.pk)}, **HTMX)
    assert response.status_code == 200
    assignment = CaseAssignment.objects.get()
    response = client.post(reverse("cases:remove_assignee", args=[labour_case.pk, assignment.pk]), **HTMX)
    assert response.status_code == 200 and not CaseAssignment.objects.exists()


def test_an_officer_cannot_put_another_agencys_officer_on_the_case(client, alice, bob, labour_case):
    client.force_login(alice)
    response = client.post(reverse("cases:add_assignee", args=[labour_case.pk]), {"officer": str(bob.pk)}, **HTMX)
    assert response.status_code == 400  # bob is not among the choices alice has
    assert not CaseAssignment.objects.exists()


def test_a_transfer_is_requested_and_the_receiving_coordinator_accepts_it(client, alice, labour_case, bgo):
    frank = officer("frank", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)
    client.force_login(alice)
    response = client.post(
        reverse("cases:request_transfer", args=[labour_case.pk]),
        {"to_unit": str(bgo.pk), "reason": "Virksomheten holder til i Bergen."},
        **HTMX,
    )
    assert response.status_code == 200 and "Overføringen er bedt om." in response.content.decode()
    transfer = labour_case.transfers.get()

    client.force_login(frank)
    assert client.get(detail(labour_case)).status_code == 404  # not yet Bergen's case
    inbox = client.get(reverse("cases:transfers")).content.decode()
    assert labour_case.reference in inbox and "Virksomheten holder til i Bergen." in inbox
    response = client.post(reverse("cases:transfer_decide", args=[transfer.pk]), {"accept": "yes"})
    assert response.status_code == 302
    assert Case.objects.get().unit == bgo
    assert client.get(detail(labour_case)).status_code == 200

    client.force_login(alice)
    assert client.get(detail(labour_case)).status_code == 404
    assert client.get(reverse("cases:transfers")).content.decode().count(labour_case.reference) == 0


def test_refusing_a_transfer_needs_a_reason(client, alice, labour_case, bgo):
    frank = officer("frank", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)
    transfer = services.transfer_request(actor=alice, case=labour_case, to_unit=bgo, reason="Bergen")
    client.force_login(frank)
    response = client.post(reverse("cases:transfer_decide", args=[transfer.pk]), {"accept": "no"}, follow=True)
    assert "Oppgi en begrunnelse for å avslå overføringen." in response.content.decode()
    assert labour_case.transfers.get().status == "pending"


# --- query counts ------------------------------------------------------------------------------


def _cases(alice, osl, n):
    for i in range(n):
        case = services.case_create(actor=alice, unit=osl, **case_kwargs(title=f"Case {i}", agencies=["LABOUR", "TAX"]))
        services.case_assign(actor=alice, case=case, officer=alice)


@pytest.mark.parametrize("n", [1, 30])
def test_the_cases_list_runs_a_constant_number_of_queries(client, alice, osl, query_counts, n):
    _cases(alice, osl, n)
    client.force_login(alice)
    client.get(reverse("cases:list"))
    # The queries: session, user, the user's unit roles, agencies for the filter, the count,
    # the menu's desk check, unread notifications, the page of cases, their agencies, their
    # assignments, those assignments' agencies.
    with query_counts("web GET cases:list?status&mine&search"):
        response = client.get(reverse("cases:list"), {"status": "received", "mine": "on", "search": "Case"})
    assert response.status_code == 200
    assert response.content.decode().count('class="app-case-cell"') == min(n, 25)


def _fill_case(case, alice, bob, n, start=0):
    for i in range(start, start + n):
        number = organisation_number(str(98807790 + i * 3))
        org = services.organisation_upsert(actor=alice, case=case, organisation_number=number, name=f"Firma {i} AS")
        services.case_add_subject(actor=alice, case=case, organisation=org, role=SubjectRole.EMPLOYER)
        person = services.person_upsert(
            actor=alice, case=case, name=f"Person {i}", id_number=identity_number(individual=100 + i * 7, d_number=True)
        )
        services.case_add_subject(
            actor=alice, case=case, person=person, role=SubjectRole.POTENTIAL_VICTIM, ilo_indicators=["debt_bondage"]
        )
        services.journal_add(actor=bob, case=case, body=f"Unshared {i}")
        services.journal_add(
            actor=alice,
            case=case,
            body=f"Shared {i}",
            visibility=Visibility.UNIT,
            legal_basis=LegalBasis.AKRIM_REGULATION_3,
            necessity_note="Needed.",
            attachments=[SimpleUploadedFile(f"f{i}.txt", b"x", content_type="text/plain")],
        )
        services.task_create(actor=alice, case=case, title=f"Task {i}", assignee=bob)


def _control_and_referral(case, alice, carol, ncp, title="Razzia"):
    starts = timezone.now() + datetime.timedelta(days=3)
    control = control_services.control_plan(
        actor=carol,
        unit=case.unit,
        title=title,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=4),
        agencies=["LABOUR", "TAX"],
        cases=[case],
    )
    referral = referral_services.referral_create(
        actor=alice,
        case=case,
        contact_point=ncp,
        category=ncp.topics[0],
        summary="Mulig menneskehandel",
        legal_basis=LegalBasis.AKRIM_REGULATION_3,
    )
    return control, referral


def test_the_case_page_lists_its_controls_and_referrals(client, alice, carol, ncp, labour_case):
    _control_and_referral(labour_case, alice, carol, ncp, title="Razzia i Groruddalen")
    client.force_login(alice)
    page = client.get(detail(labour_case)).content.decode()
    assert "Razzia i Groruddalen" in page and ncp.display_name in page


@pytest.mark.parametrize("n", [1, 25])
def test_the_case_page_runs_a_constant_number_of_queries(client, alice, bob, carol, ncp, labour_case, query_counts, n):
    services.case_assign(actor=alice, case=labour_case, officer=alice)
    _control_and_referral(labour_case, alice, carol, ncp)
    _fill_case(labour_case, alice, bob, n)
    client.force_login(alice)
    client.get(detail(labour_case))
    # The queries: session, user, the user's unit roles; the case, its agencies, assignments,
    # their agencies and officers; subjects (with their organisations and persons); the journal's
    # count, page and readable attachments; the people who see the case (task assignees); tasks;
    # the officers alice may assign; controls and their agencies; referrals; transfers; a page of
    # history, the people and the organisation and person names it mentions; unread notifications;
    # units to transfer to; the menu's desk check; the case.view audit INSERT.
    with query_counts("web GET cases:detail"):
        response = client.get(detail(labour_case))
    page = response.content.decode()
    # The journal's newest page: four entries a round, one of them bob's, unshared.
    assert page.count('class="app-task"') == n and page.count("app-timeline__entry--withheld") == min(n, 5)
    assert f"Firma {n - 1} AS" in page and "Razzia" in page


def test_the_pages_speak_english_to_those_who_chose_it(client, alice, labour_case, bgo):
    alice.language = "en"
    alice.save(update_fields=["language"])
    client.force_login(alice)
    services.transfer_request(actor=alice, case=labour_case, to_unit=bgo, reason="Bergen")
    page = client.get(detail(labour_case)).content.decode()
    for text in ("Subjects", "Journal", "Tasks", "People on the case", "Transfers", "History", "Start the assessment"):
        assert text in page
    assert "Case OSL-" in page and "registered." in page  # the system record, as recorded
    assert "Objekter" not in page and "Oppgaver" not in page
    assert "Cleaning" in client.get(reverse("cases:list")).content.decode()
