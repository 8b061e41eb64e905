"""Retention: the personal data of cases closed longer than their retention period goes.

Per case, in one transaction with its audit row:
- its persons keep their row (controls, findings and statistics count them) but lose the name
  (replaced by ``ANONYMISED``), the identity number and kind, and the date of birth. Removed,
  not generalised to a year: with the case's sector, place and dates a birth year narrows a
  worker down as well as the date did, and no statistic reads it. Nationality stays: counted
  in aggregate, it singles nobody out.
- its subject links keep their role and ILO indicators (statistics) and lose their free-text note;
- its journal entries keep when, who, which agency and visibility, and lose their text (body and
  necessity note); their attachments are deleted, the files from storage after the commit (and
  only when no other attachment holds the same stored file);
- its tips lose the description, the subjects mentioned and the reporter's contact;
- the case keeps its row, reference, title, category, sector, agencies, dates, status and outcome,
  and loses its summary and outcome note; controls, findings and sanction amounts are untouched,
  so the statistics read the same before and after. ``anonymised_at`` marks it done, which makes
  a run idempotent.

The retention period is per offence category (``CASE_RETENTION_YEARS_BY_OFFENCE``, default
``CASE_RETENTION_YEARS``); a case with several categories is kept for the longest of them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import Count, Q, Sum, Value, When
from django.utils import timezone

from cases import choices as c
from cases.models import Attachment, Case, CaseSubject, JournalEntry, Person, Tip
from tracker import audit

ANONYMISED = "[anonymised]"
REMOVED = "[removed under the retention rule]"


@dataclass
class RetentionReport:
    cases: int = 0
    persons: int = 0
    entries: int = 0
    attachments: int = 0
    bytes: int = 0
    references: list[str] = field(default_factory=list)

    def add(self, other: RetentionReport) -> None:
        for name in ("cases", "persons", "entries", "attachments", "bytes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.references += other.references

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if k != "references"}


def retention_years() -> tuple[int, dict[str, int]]:
    """The default period and the periods per offence category, in years; bad settings fail loudly."""
    default = settings.CASE_RETENTION_YEARS
    by_offence = dict(settings.CASE_RETENTION_YEARS_BY_OFFENCE)
    unknown = sorted(set(by_offence) - set(c.OffenceCategory.values))
    if unknown:
        raise ImproperlyConfigured(f"CASE_RETENTION_YEARS_BY_OFFENCE names unknown categories: {', '.join(unknown)}")
    if any(not isinstance(v, int) or v < 1 for v in [default, *by_offence.values()]):
        raise ImproperlyConfigured("Retention periods are whole numbers of years, at least 1.")
    return default, by_offence


def period_of(offences: Iterable[str], default: int, by_offence: dict[str, int]) -> int:
    """A case is kept for the longest period of its categories (the default when it has none)."""
    return max((by_offence.get(offence, default) for offence in offences), default=default)


def due_case_ids(now: datetime.datetime | None = None) -> list:
    """The cases closed longer than their retention period and not yet anonymised, oldest first."""
    now = now or timezone.now()
    default, by_offence = retention_years()
    shortest = min([default, *by_offence.values()])
    candidates = (
        Case.objects.filter(
            status=c.CaseStatus.CLOSED,
            anonymised_at__isnull=True,
            closed_at__lt=now - relativedelta(years=shortest),
        )
        .order_by("closed_at", "pk")
        .values_list("pk", "offences", "closed_at")
    )
    return [
        pk
        for pk, offences, closed_at in candidates
        if closed_at < now - relativedelta(years=period_of(offences, default, by_offence))
    ]


def _measure(case_ids: list) -> RetentionReport:
    """What anonymising ``case_ids`` removes: four queries whatever their number."""
    attachments = Attachment.objects.filter(entry__case_id__in=case_ids).aggregate(n=Count("pk"), size=Sum("size"))
    return RetentionReport(
        cases=len(case_ids),
        persons=Person.objects.filter(case_id__in=case_ids).exclude(name=ANONYMISED).count(),
        entries=JournalEntry.objects.filter(case_id__in=case_ids).exclude(body="").count(),
        attachments=attachments["n"],
        bytes=attachments["size"] or 0,
        references=list(Case.objects.filter(pk__in=case_ids).order_by("closed_at").values_list("reference", flat=True)),
    )


def _delete_files(names: list[str]) -> None:
    """After the commit: the stored files no remaining attachment points to."""
    still_used = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
    for name in set(names) - still_used:
        default_storage.delete(name)


@transaction.atomic
def anonymise_cases(*, case_ids: list, now: datetime.datetime) -> RetentionReport:
    """One batch: the cases are locked, skipped if a concurrent run did them meanwhile, and anonymised."""
    cases = list(Case.objects.select_for_update().filter(pk__in=case_ids, anonymised_at__isnull=True).order_by("pk"))
    ids = [case.pk for case in cases]
    report = _measure(ids)
    attachments = Attachment.objects.filter(entry__case_id__in=ids)
    files = [name for name in attachments.values_list("file", flat=True) if name]
    attachments.delete()
    Person.objects.filter(case_id__in=ids).update(
        name=ANONYMISED, id_number=None, id_kind=c.IdKind.NONE, date_of_birth=None, updated_at=now
    )
    CaseSubject.objects.filter(case_id__in=ids).update(note="", updated_at=now)
    JournalEntry.objects.filter(case_id__in=ids).update(
        body="",
        # The database asks a necessity note of an entry shared with the unit: a marker stands in.
        necessity_note=SqlCase(When(~Q(necessity_note=""), then=Value(REMOVED)), default=Value("")),
    )
    Tip.objects.filter(case_id__in=ids).update(
        description=REMOVED, subjects_mentioned="", reporter_contact="", updated_at=now
    )
    for case in cases:
        # No before: it would copy into the append-only audit trail what is being removed.
        audit.record(actor=None, action="case.anonymise", obj=case, after={"closed_at": case.closed_at})
    Case.objects.filter(pk__in=ids).update(summary="", outcome_note="", anonymised_at=now, updated_at=now)
    if files:
        transaction.on_commit(lambda: _delete_files(files), robust=True)
    return report


def apply_retention(*, dry_run: bool, now: datetime.datetime | None = None, batch_size: int | None = None):
    """Anonymise every case due (or, ``dry_run``, only say what would go), batch by batch. A real
    run leaves one ``retention.run`` audit row with its counts, even when nothing was due."""
    now = now or timezone.now()
    batch_size = batch_size or settings.RETENTION_BATCH_SIZE
    due = due_case_ids(now)
    if dry_run:
        return _measure(due)
    report = RetentionReport()
    for start in range(0, len(due), batch_size):
        report.add(anonymise_cases(case_ids=due[start : start + batch_size], now=now))
    audit.record_access(
        actor=None,
        action="retention.run",
        object_type="cases.case",
        object_repr="Retention run",
        detail={**report.counts(), "at": now},
    )
    return report
