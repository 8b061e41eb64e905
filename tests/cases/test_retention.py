"""Retention: cases closed longer than their period lose their personal data; the statistics do not change."""

import datetime
import io
import time

import pytest
from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from cases import services
from cases.choices import CaseStatus
from cases.models import Attachment, Case, CaseSubject, JournalEntry, Person, Tip
from cases.retention import ANONYMISED, apply_retention, due_case_ids
from cases.tasks import apply_retention_task
from tests.factories import case_kwargs, identity_number
from tests.notifications.conftest import run_worker
from tests.web.conftest import make_work
from tracker.models import AuditEntry
from web.statistics import Filters, Statistics

PDF = b"%PDF-1.4\n%%EOF\n"
LATER = relativedelta(years=5, days=1)


def close(actor, case):
    return services.case_transition(actor=actor, case=case, to=CaseStatus.CLOSED, outcome="no_basis")


def case_with_personal_data(alice, osl, *, offences=("wages",), pdf=PDF, title="Car wash"):
    case = services.case_create(actor=alice, unit=osl, **case_kwargs(title=title, offences=list(offences)))
    person = services.person_upsert(
        actor=alice, case=case, name="Ana Popescu", id_number=identity_number(individual=200), nationality="RO"
    )
    services.case_add_subject(actor=alice, case=case, person=person, role="worker", note="Lives at the site")
    upload = SimpleUploadedFile("timesheet.pdf", pdf, content_type="application/pdf")
    services.journal_add(actor=alice, case=case, body="Ana said she is paid 80 kr/h", attachments=[upload])
    return close(alice, case)


def state_of(case) -> list:
    """Everything retention may touch, as plain values."""
    return [
        list(Person.objects.filter(case=case).values_list("name", "id_number", "date_of_birth").order_by("pk")),
        list(CaseSubject.objects.filter(case=case).values_list("note", flat=True).order_by("pk")),
        list(JournalEntry.objects.filter(case=case).values_list("body", flat=True).order_by("pk")),
        list(Attachment.objects.filter(entry__case=case).values_list("file", flat=True)),
        list(Case.objects.filter(pk=case.pk).values_list("summary", "anonymised_at")),
    ]


def test_a_case_closed_past_its_period_loses_its_personal_data_and_keeps_its_row(
    alice, osl, django_capture_on_commit_callbacks
):
    case = case_with_personal_data(alice, osl)
    stored = Attachment.objects.get(entry__case=case).file.name
    assert default_storage.exists(stored)
    with django_capture_on_commit_callbacks(execute=True):
        report = apply_retention(dry_run=False, now=case.closed_at + LATER)
    assert (report.cases, report.persons, report.attachments, report.bytes) == (1, 1, 1, len(PDF))
    assert report.entries == JournalEntry.objects.filter(case=case).count() >= 2  # the note and system records
    person = Person.objects.get(case=case)
    assert (person.name, person.id_number, person.id_kind, person.date_of_birth) == (ANONYMISED, None, "none", None)
    assert person.nationality == "RO"  # counted in aggregate, singles nobody out
    assert set(JournalEntry.objects.filter(case=case).values_list("body", flat=True)) == {""}
    assert not Attachment.objects.filter(entry__case=case).exists() and not default_storage.exists(stored)
    assert CaseSubject.objects.get(case=case).note == "" and CaseSubject.objects.get(case=case).role == "worker"
    kept = Case.objects.get(pk=case.pk)
    assert (kept.reference, kept.status, kept.outcome, kept.closed_at) == (
        case.reference, "closed", "no_basis", case.closed_at,
    )  # fmt: skip
    assert kept.offences == ["wages"] and kept.anonymised_at is not None


def test_a_case_inside_its_period_and_an_open_case_keep_everything(alice, osl):
    closed = case_with_personal_data(alice, osl)
    open_case = services.case_create(actor=alice, unit=osl, **case_kwargs(title="Still open"))
    services.person_upsert(actor=alice, case=open_case, name="Ion Rusu", id_number=identity_number(individual=300))
    before = [state_of(closed), state_of(open_case)]
    report = apply_retention(dry_run=False, now=closed.closed_at + relativedelta(years=4, months=11))
    assert report.cases == 0 and [state_of(closed), state_of(open_case)] == before


def test_the_period_is_the_longest_of_the_cases_offence_categories(alice, osl, settings):
    settings.CASE_RETENTION_YEARS_BY_OFFENCE = {"trafficking": 10}
    wages = case_with_personal_data(alice, osl, title="Wages")
    trafficking = case_with_personal_data(
        alice, osl, offences=("wages", "trafficking"), pdf=PDF + b"2", title="Forced labour"
    )
    assert due_case_ids(now=trafficking.closed_at + LATER) == [wages.pk]
    assert set(due_case_ids(now=trafficking.closed_at + relativedelta(years=10, days=1))) == {
        wages.pk, trafficking.pk,
    }  # fmt: skip


@pytest.mark.parametrize(
    "name, value",
    [("CASE_RETENTION_YEARS_BY_OFFENCE", {"poaching": 3}), ("CASE_RETENTION_YEARS", 0)],
)
def test_bad_retention_settings_fail_loudly(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured):
        due_case_ids()


def test_the_dry_run_reports_and_changes_nothing(alice, osl):
    case = case_with_personal_data(alice, osl)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - LATER)
    before, audit_rows = state_of(case), AuditEntry.objects.count()
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", "--verbosity=2", stdout=out)
    entries = JournalEntry.objects.filter(case=case).count()
    assert out.getvalue().splitlines() == [
        f"Retention (dry run: nothing changed): 1 cases, 1 persons, {entries} journal entries, "
        f"1 attachments ({len(PDF)} bytes).",
        f"  {case.reference}",
    ]
    assert state_of(case) == before and AuditEntry.objects.count() == audit_rows


def test_a_run_is_audited_with_its_counts_and_a_second_run_changes_nothing(alice, osl):
    case = case_with_personal_data(alice, osl)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - LATER)
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert out.getvalue().startswith("Retention applied: 1 cases, 1 persons,")
    after_first = state_of(case)
    call_command("apply_retention", stdout=io.StringIO())
    assert state_of(case) == after_first
    runs = list(AuditEntry.objects.filter(action="retention.run").order_by("id"))
    assert [(r.after["cases"], r.after["persons"], r.after["attachments"]) for r in runs] == [(1, 1, 1), (0, 0, 0)]
    assert AuditEntry.objects.filter(action="case.anonymise", object_id=str(case.pk)).count() == 1


def test_batches_cover_every_case_due(alice, osl, settings):
    settings.RETENTION_BATCH_SIZE = 2
    cases = [case_with_personal_data(alice, osl, pdf=PDF + bytes([i]), title=f"Case {i}") for i in range(5)]
    report = apply_retention(dry_run=False, now=cases[-1].closed_at + LATER)
    assert report.cases == 5 and not Person.objects.exclude(name=ANONYMISED).exists()


def test_a_file_another_attachment_still_uses_stays_in_storage(alice, osl, django_capture_on_commit_callbacks):
    old = case_with_personal_data(alice, osl, title="Old")
    recent = services.case_create(actor=alice, unit=osl, **case_kwargs(title="Recent"))
    upload = SimpleUploadedFile("timesheet.pdf", PDF, content_type="application/pdf")
    services.journal_add(actor=alice, case=recent, body="Same timesheet", attachments=[upload])
    names = {a.file.name for a in Attachment.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        apply_retention(dry_run=False, now=old.closed_at + LATER)
    remaining = Attachment.objects.get()
    assert remaining.entry.case == recent and default_storage.exists(remaining.file.name)
    assert all(default_storage.exists(n) for n in names if n == remaining.file.name)


def test_tips_of_the_case_lose_who_reported_and_who_was_named(alice, osl):
    case = case_with_personal_data(alice, osl)
    tip = Tip.objects.create(
        unit=osl, source="public", received_at=timezone.now(), description="Ana works nights",
        subjects_mentioned="Ana Popescu", reporter_contact="98765432", status="promoted", case=case,
    )  # fmt: skip
    apply_retention(dry_run=False, now=case.closed_at + LATER)
    tip.refresh_from_db()
    assert "Ana" not in tip.description and (tip.subjects_mentioned, tip.reporter_contact) == ("", "")


def test_the_statistics_are_the_same_before_and_after(alice, bob, carol, dave, osl, bgo):
    work = make_work(3, alice=alice, bob=bob, carol=carol, dave=dave, osl=osl, bgo=bgo)
    for case in work.cases:
        upload = SimpleUploadedFile("note.pdf", PDF + case.reference.encode(), content_type="application/pdf")
        services.journal_add(actor=alice, case=case, body="Interview notes", attachments=[upload])
        close(alice, case)
    whole = Filters(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31))

    def figures():
        return [[[str(cell) for cell in row] for row in table.body()] for table in Statistics(carol, whole).report()]

    before = figures()
    report = apply_retention(dry_run=False, now=timezone.now() + LATER)
    assert report.cases == 4 and report.persons == 3  # the closed case of make_work has no person
    assert figures() == before


def test_the_beat_runs_the_retention_task_daily():
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "cases.apply_retention")
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}
    assert apply_retention_task.name == "cases.apply_retention"


def test_the_task_applies_retention(alice, osl):
    case = case_with_personal_data(alice, osl)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - LATER)
    assert apply_retention_task()["cases"] == 1
    assert Person.objects.get(case=case).name == ANONYMISED


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_beat_task(alice, osl, tmp_path):
    case = services.case_create(actor=alice, unit=osl, **case_kwargs(title="Old case"))
    services.person_upsert(actor=alice, case=case, name="Ana Popescu", id_number=identity_number(individual=200))
    close(alice, case)
    Case.objects.filter(pk=case.pk).update(closed_at=timezone.now() - LATER)
    worker = run_worker(tmp_path / "worker.log")
    w = next(worker)
    try:
        apply_retention_task.delay()
        deadline = time.monotonic() + 60
        while Case.objects.get(pk=case.pk).anonymised_at is None:
            assert time.monotonic() < deadline, w.log_path.read_text()[-3000:]
            time.sleep(0.2)
    finally:
        next(worker, None)
    assert Person.objects.get(case=case).name == ANONYMISED
    assert AuditEntry.objects.filter(action="retention.run").count() == 1


@pytest.mark.parametrize(
    "value, outcome",
    [("trafficking=10, tax=7", "{'trafficking': 10, 'tax': 7}"), ("trafficking=ten", "ValueError")],
)
def test_the_periods_per_category_come_from_the_environment(value, outcome):
    from tests.test_settings_and_deployment import import_settings

    result = import_settings(
        "config.settings.base; from config.settings.base import CASE_RETENTION_YEARS_BY_OFFENCE as p; print(p)",
        CASE_RETENTION_YEARS_BY_OFFENCE=value,
    )
    assert outcome in (result.stdout if result.returncode == 0 else result.stderr)


def test_the_case_page_says_the_personal_data_were_removed(client, alice, osl):
    case = case_with_personal_data(alice, osl)
    apply_retention(dry_run=False, now=case.closed_at + LATER)
    client.force_login(alice)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Personopplysningene i saken ble slettet etter reglene om lagringstid" in page
    assert "Ana Popescu" not in page and "80 kr/h" not in page
