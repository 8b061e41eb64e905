"""Journeys 2 and 3: an officer registers a case with the form and works it on the case page."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from agencies.choices import UnitRole
from cases import services
from cases.choices import CaseStatus, IdKind, SubjectRole, Visibility
from cases.models import Case, JournalEntry, Task
from tests.factories import identity_number, officer

pytestmark = pytest.mark.django_db(transaction=True)

NAME = re.compile("^Navn")


def test_an_officer_registers_a_case_and_works_it_to_the_end(journey, alice, bob, carol):
    page = journey.page
    journey.login("alice")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Saker").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saker")
    journey.shot("cases-list-empty")
    journey.assert_accessible()

    # The form: a sector found by typing a Norwegian word, offences by name.
    page.get_by_role("link", name="Ny sak").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny sak")
    journey.shot("case-form")
    journey.assert_accessible()
    page.get_by_label("Tittel").fill("Renholdsfirma med lønn under allmenngjort sats")
    page.get_by_label("Sammendrag").fill("Ansatte i Fjord Renhold AS får 110 kr timen og bor på arbeidsplassen.")
    expect(page.get_by_label("Ansvarlig etat")).to_have_value(str(alice.agency_id))
    page.get_by_label("Skatteetaten").check()
    page.get_by_label("Søk etter næring").fill("rengjøring")
    page.get_by_label(re.compile("^Rengjøring av bygninger")).check()
    journey.shot("case-form-sector-found")
    page.get_by_label("Lønns- og arbeidsvilkår").check()
    page.get_by_label("Menneskehandel eller tvangsarbeid").check()
    page.get_by_label("Prioritet").select_option(label="Høy")
    page.get_by_label("Kilde").select_option(label="Tips")
    page.get_by_role("button", name="Registrer saken").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Renholdsfirma med lønn under allmenngjort sats")
    case = Case.objects.get()
    assert case.sector == "81.21" and case.offences == ["wages", "trafficking"] and case.priority == "high"
    assert sorted(a.code for a in case.agencies.all()) == ["LABOUR", "TAX"]
    expect(page.locator("#status")).to_contain_text("Rengjøring av bygninger")
    journey.shot("case-page-new")
    journey.assert_accessible()

    # An organisation by its number, checked as it is typed.
    subjects = page.locator("#subjects")
    subjects.get_by_text("Legg til en virksomhet").click()
    organisation_form = subjects.locator("form[action$='/subjects/organisation/']")
    number = organisation_form.get_by_label("Organisasjonsnummer")
    number.fill("988077918")
    expect(subjects).to_contain_text("feil kontrollsiffer")
    journey.shot("organisation-number-wrong")
    number.fill("988077917")
    expect(subjects).to_contain_text("Gyldig organisasjonsnummer")
    organisation_form.get_by_label(NAME).fill("Fjord Renhold AS")
    organisation_form.get_by_label("Rolle i saken").select_option(label="Arbeidsgiver")
    organisation_form.get_by_role("button", name="Legg til virksomheten").click()
    expect(subjects.get_by_role("status")).to_contain_text("Fjord Renhold AS er lagt til i saken")
    expect(subjects.get_by_role("table")).to_contain_text("Org.nr. 988077917")

    # A person by D-number.
    d_number = identity_number(datetime.date(1991, 4, 12), d_number=True)
    subjects.get_by_text("Legg til en person").click()
    person_form = subjects.locator("form.app-person-form")
    person_form.get_by_label("Fødselsnummer, D-nummer eller H-nummer").fill(d_number)
    expect(person_form).to_contain_text("Gyldig d-nummer, født 12.04.1991")
    person_form.get_by_label(NAME).fill("Piotr Nowak")
    person_form.get_by_label("Statsborgerskap").select_option(label="Polen")
    person_form.get_by_label("Rolle i saken").select_option(label="Arbeidstaker")
    expect(person_form.get_by_text("Gjeldsslaveri")).to_be_hidden()  # indicators only for a potential victim
    person_form.get_by_role("button", name="Legg til personen").click()
    expect(subjects.get_by_role("table")).to_contain_text("Piotr Nowak")

    # A person without a number: a potential victim, with the ILO indicators observed.
    subjects.get_by_text("Legg til en person").click()
    person_form = subjects.locator("form.app-person-form")
    person_form.get_by_label(NAME).fill("Ana Popescu")
    person_form.get_by_label("Fødselsdato").fill("1996-03-02")
    person_form.get_by_label("Statsborgerskap").select_option(label="Romania")
    person_form.get_by_label("Rolle i saken").select_option(label="Mulig offer")
    person_form.get_by_label("Gjeldsslaveri").check()
    person_form.get_by_label("Tilbakeholdelse av identitetspapirer").check()
    journey.shot("person-form-potential-victim")
    journey.assert_accessible()
    person_form.get_by_role("button", name="Legg til personen").click()
    expect(subjects.get_by_role("table")).to_contain_text("Ana Popescu")
    expect(subjects.get_by_role("table")).to_contain_text("Gjeldsslaveri")
    kinds = {link.person.name: (link.role, link.person.id_kind) for link in case.subjects.filter(person__isnull=False)}
    assert kinds == {
        "Piotr Nowak": (SubjectRole.WORKER, IdKind.D_NUMBER),
        "Ana Popescu": (SubjectRole.POTENTIAL_VICTIM, IdKind.NONE),
    }
    journey.shot("case-page-subjects")

    # A journal note shared with the unit, with its legal basis and why.
    journal = page.locator("#journal")
    journal.get_by_text("Skriv et notat").click()
    journal.get_by_label("Notat").fill("Timelister viser 70 timers uker. Lønn utbetales kontant.")
    expect(journal.get_by_label("Hjemmel")).to_be_hidden()
    journal.get_by_label("Del med senteret").check()
    journal.get_by_label("Hjemmel").select_option(label="A-krimforskriften § 3")
    journal.get_by_label("Hvorfor deling er nødvendig").fill("Skatteetaten må vurdere skatt og merverdiavgift.")
    journal.get_by_role("button", name="Lagre notatet").click()
    expect(journal.get_by_role("status")).to_contain_text("delt med senteret")
    expect(journal.locator(".app-timeline")).to_contain_text("Timelister viser 70 timers uker")
    assert JournalEntry.objects.get(kind="note").visibility == Visibility.UNIT

    # A task for a colleague of another agency, with a deadline.
    due = timezone.localdate() + datetime.timedelta(days=7)
    tasks = page.locator("#tasks")
    tasks.get_by_text("Legg til en oppgave").click()
    tasks.get_by_label("Oppgave").fill("Hent skattekort for de ansatte")
    tasks.get_by_label("Ansvarlig").select_option(label=f"{bob.get_full_name()} (Skatteetaten)")
    tasks.get_by_label("Frist").fill(due.isoformat())
    tasks.get_by_role("button", name="Legg til oppgaven").click()
    expect(tasks.get_by_role("list")).to_contain_text("Hent skattekort for de ansatte")
    expect(tasks.get_by_role("list")).to_contain_text(f"frist {due:%d.%m.%Y}")
    task = Task.objects.get()
    assert task.assignee == bob and task.due_on == due
    journey.shot("case-page-journal-and-task")
    journey.assert_accessible()

    # Editing while someone else saves the case: told what changed, nothing typed is lost.
    page.locator("#status").get_by_role("link", name="Rediger saken").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rediger saken")
    journey.assert_accessible()
    typed = "Ansatte får 110 kr timen, bor på arbeidsplassen og betaler for losjiet."
    page.get_by_label("Sammendrag").fill(typed)
    services.case_update(actor=bob, case=case, title="Fjord Renhold AS: lønn under allmenngjort sats")
    page.get_by_role("button", name="Lagre").click()
    conflict = page.get_by_role("alert")
    expect(conflict).to_contain_text("Noen andre lagret saken mens du redigerte")
    expect(conflict).to_contain_text("Fjord Renhold AS: lønn under allmenngjort sats")
    expect(page.get_by_label("Sammendrag")).to_have_value(typed)
    expect(page.get_by_label("Tittel")).to_have_value("Fjord Renhold AS: lønn under allmenngjort sats")
    journey.shot("edit-after-someone-else-saved")
    journey.assert_accessible()
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fjord Renhold AS: lønn under allmenngjort sats")
    expect(page.locator("#status")).to_contain_text(typed)

    # The case's life: only the actions allowed now, close asks for the outcome.
    status = page.locator("#status")
    status.get_by_role("button", name="Start vurderingen").click()
    expect(status).to_contain_text("Til vurdering")
    expect(status.get_by_role("button", name="Start vurderingen")).to_have_count(0)
    status.get_by_role("button", name="Gjør saken aktiv").click()
    expect(status.locator(".app-status")).to_have_text("Aktiv")
    status.get_by_text("Avslutt saken").first.click()
    status.get_by_role("button", name="Avslutt saken").click()
    expect(status).to_contain_text("Velg utfall for å avslutte saken")
    journey.shot("close-without-outcome")
    status.get_by_role("combobox", name="Utfall").select_option(label="Sanksjoner ilagt")
    status.get_by_label("Merknad om utfallet").fill("Pålegg og tvangsmulkt fra Arbeidstilsynet.")
    status.get_by_role("button", name="Avslutt saken").click()
    expect(status.locator(".app-status")).to_have_text("Avsluttet")
    expect(status).to_contain_text("Sanksjoner ilagt")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "sanctioned"
    # An officer cannot reopen: no status buttons are offered on a closed case.
    expect(status.get_by_role("button", name=re.compile("Gjenåpne"))).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("Endret status fra aktiv til avsluttet")
    journey.shot("case-page-closed")
    journey.assert_accessible()

    # The list, filtered in place.
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Saker").click()
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("1 sak")
    page.get_by_label("Status").select_option(label="Aktiv")
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("0 saker")
    page.get_by_label("Status").select_option(label="Avsluttet")
    expect(page.get_by_role("main").get_by_role("status")).to_have_text("1 sak")
    expect(page).to_have_url(re.compile(r"status=closed"))
    journey.shot("cases-list-filtered")
    journey.assert_accessible()

    journey.goto(f"/cases/{case.pk}/history/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Historikk")
    journey.assert_accessible()


def test_a_case_is_offered_to_another_unit_whose_coordinator_accepts_it(journey, alice, labour_case, bgo):
    frank = officer("frank", "POLICE", unit="BGO", role=UnitRole.COORDINATOR)
    page = journey.page
    journey.login("alice")
    journey.goto(f"/cases/{labour_case.pk}/")
    transfers = page.locator("#transfers")
    transfers.get_by_text("Overfør til et annet senter").click()
    transfers.get_by_label("Til senter").select_option(label=bgo.name)
    transfers.get_by_label("Begrunnelse").fill("Virksomheten og arbeidsstedene er i Bergen.")
    transfers.get_by_role("button", name="Be om overføring").click()
    expect(transfers).to_contain_text("Venter")
    journey.shot("transfer-requested")
    journey.assert_accessible()

    page.get_by_role("button", name="Logg ut").click()
    journey.login("frank")
    page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Saker").click()
    page.get_by_role("link", name="Innkommende overføringer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Innkommende overføringer")
    expect(page.locator(".app-cards")).to_contain_text("Virksomheten og arbeidsstedene er i Bergen.")
    journey.shot("incoming-transfers")
    journey.assert_accessible()
    page.get_by_role("button", name=f"Godta {labour_case.reference}").click()
    expect(page.get_by_role("main").get_by_role("status").first).to_contain_text(
        f"Overføringen av {labour_case.reference} er godtatt"
    )
    labour_case.refresh_from_db()
    assert labour_case.unit == bgo and labour_case.transfers.get().decided_by == frank
    journey.shot("transfer-accepted")
