"""The units' work in numbers, for the home page's charts and the annual report.

Everything is counted in SQL over what the person may see — the cases and controls selectors'
own scoping — so a page costs the same few queries whatever the volume. Each figure is a
:class:`Table`; the page, the CSV and the XLSX all render the same tables, so they can never
disagree.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Substr, Trunc
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from agencies.models import Agency, RegionalUnit, SanctionKind
from cases import nace
from cases.choices import CaseStatus
from cases.models import Case
from cases.selectors import case_visibility_q
from controls.choices import ControlStatus
from controls.models import Finding, JointControl
from controls.selectors import controls_visible_to

# A control counts as carried out once it is completed (and still when followed up).
CARRIED_OUT = (ControlStatus.COMPLETED, ControlStatus.FOLLOWED_UP)
MONTHS_BY_MONTH = 24  # longer periods are counted by year


@dataclass(frozen=True)
class Filters:
    date_from: datetime.date
    date_to: datetime.date
    unit: RegionalUnit | None = None
    agency: Agency | None = None
    sector: str = ""  # a NACE section letter (F) or division (41); "" for all

    @classmethod
    def this_year(cls, today: datetime.date | None = None) -> Filters:
        today = today or timezone.localdate()
        return cls(datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))

    @classmethod
    def last_twelve_months(cls, today: datetime.date | None = None) -> Filters:
        today = today or timezone.localdate()
        start = _add_months(today.replace(day=1), -11)
        return cls(start, today)

    @property
    def dates(self) -> tuple[datetime.date, datetime.date]:
        return self.date_from, self.date_to


@dataclass
class Column:
    label: str
    kind: str = "number"  # "text" or "number"; an amount in kroner is a Decimal, a count an int


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    ticks: list[tuple[str, str]] = field(default_factory=list)  # a time series' short labels, for its chart

    def body(self) -> list[list[tuple]]:
        """The rows as (value, column kind) pairs, for the page's table."""
        return [[(value, column.kind) for value, column in zip(row, self.columns, strict=True)] for row in self.rows]

    def series(self, column: int = 1) -> list[tuple[str, int | Decimal]]:
        """(label, value) pairs of one column, for a chart."""
        return [(str(row[0]), row[column]) for row in self.rows]


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def divisions_of(section: str) -> list[str]:
    """The two-digit NACE divisions of a section letter (F → 41, 42, 43)."""
    return [code for code in (f"{d:02d}" for d in range(1, 100)) if nace.section_of(code) == section]


def sector_q(field_name: str, sector: str) -> Q:
    """Cases whose NACE class (41.20) lies in a section (F) or a division (41)."""
    divisions = divisions_of(sector) if sector.isalpha() else [sector]
    return Q(**{f"{field_name}__regex": rf"^({'|'.join(divisions)})\."})


def _display(model, values: dict, prefix: str) -> str:
    """The reader's name of an agency or sanction kind from a values() row, without a query."""
    return model(name=values[f"{prefix}__name"], name_nb=values[f"{prefix}__name_nb"]).display_name


def _local_date(value) -> datetime.date:
    return timezone.localtime(value).date() if isinstance(value, datetime.datetime) else value


class Statistics:
    def __init__(self, user, filters: Filters):
        self.user, self.filters = user, filters
        self.bucket = "month" if self._months() <= MONTHS_BY_MONTH else "year"

    def _months(self) -> int:
        start, end = self.filters.dates
        return (end.year - start.year) * 12 + end.month - start.month + 1

    # --- what is counted -----------------------------------------------------------

    def cases(self):
        """Visible cases of the chosen unit, agency (taking part) and sector, of any date."""
        f = self.filters
        qs = Case.objects.filter(case_visibility_q(self.user))
        if f.unit is not None:
            qs = qs.filter(unit=f.unit)
        if f.agency is not None:
            qs = qs.filter(Exists(Case.agencies.through.objects.filter(case_id=OuterRef("pk"), agency_id=f.agency.pk)))
        if f.sector:
            qs = qs.filter(sector_q("sector", f.sector))
        return qs

    def _opened(self) -> Q:
        return Q(received_on__range=self.filters.dates)

    def _closed(self) -> Q:
        return Q(closed_at__date__range=self.filters.dates)

    def controls(self):
        """Visible controls of the period (by start), not cancelled, of the chosen unit, agency
        (taking part) and sector (serving a case in it)."""
        f = self.filters
        qs = (
            controls_visible_to(self.user)
            .prefetch_related(None)
            .select_related(None)
            .filter(starts_at__date__range=f.dates)
            .exclude(status=ControlStatus.CANCELLED)
        )
        if f.unit is not None:
            qs = qs.filter(unit=f.unit)
        if f.agency is not None:
            link = JointControl.agencies.through.objects.filter(jointcontrol_id=OuterRef("pk"), agency_id=f.agency.pk)
            qs = qs.filter(Exists(link))
        if f.sector:
            served = JointControl.cases.through.objects.filter(jointcontrol_id=OuterRef("pk")).filter(
                sector_q("case__sector", f.sector)
            )
            qs = qs.filter(Exists(served))
        return qs

    def carried_out(self):
        return self.controls().filter(status__in=CARRIED_OUT)

    def findings(self):
        """Sanctions and measures recorded at the period's controls (by the chosen agency)."""
        qs = Finding.objects.filter(control__in=self.controls().values("pk"))
        if self.filters.agency is not None:
            qs = qs.filter(agency=self.filters.agency)
        return qs

    # --- figures -----------------------------------------------------------------

    def totals(self) -> Table:
        """One row per measure. Five queries."""
        cases = self.cases().aggregate(
            opened=Count("pk", filter=self._opened()), closed=Count("pk", filter=self._closed())
        )
        carried = self.carried_out().values("pk")
        controls = self.carried_out().count()
        organisations = (
            JointControl.target_organisations.through.objects.filter(jointcontrol_id__in=carried)
            .values("organisation_id")
            .distinct()
            .count()
        )
        persons = (
            JointControl.target_persons.through.objects.filter(jointcontrol_id__in=carried)
            .values("person_id")
            .distinct()
            .count()
        )
        found = self.findings().aggregate(n=Count("pk"), amount=Sum("amount_nok"), persons=Sum("persons_count"))
        rows = [
            [_("Cases opened"), cases["opened"]],
            [_("Cases closed"), cases["closed"]],
            [_("Controls carried out"), controls],
            [_("Organisations controlled"), organisations],
            [_("Persons controlled"), persons],
            [_("Sanctions and measures"), found["n"]],
            [_("Amount (NOK)"), found["amount"] or Decimal(0)],
            [_("Persons sanctioned"), found["persons"] or 0],
        ]
        return Table("totals", _("Totals"), [Column(_("Measure"), "text"), Column(_("Number"))], rows)

    def _periods(self) -> list[datetime.date]:
        start, end = self.filters.dates
        first = start.replace(day=1) if self.bucket == "month" else start.replace(month=1, day=1)
        step = 1 if self.bucket == "month" else 12
        periods = []
        while first <= end:
            periods.append(first)
            first = _add_months(first, step)
        return periods

    def _period_label(self, day: datetime.date) -> str:
        return formats.date_format(day, "YEAR_MONTH_FORMAT") if self.bucket == "month" else str(day.year)

    def _count_by_period(self, qs, date_field: str) -> dict[datetime.date, int]:
        rows = qs.annotate(period=Trunc(date_field, self.bucket)).values("period").annotate(n=Count("pk")).order_by()
        return {_local_date(row["period"]): row["n"] for row in rows}

    def by_period(self, *, closed: bool = True, controls: bool = True) -> Table:
        """Cases opened and closed and controls carried out per month (per year over long
        periods). One query per column."""
        opened = self._count_by_period(self.cases().filter(self._opened()), "received_on")
        columns = [Column(_("Month") if self.bucket == "month" else _("Year"), "text"), Column(_("Cases opened"))]
        counts = [opened]
        if closed:
            counts.append(self._count_by_period(self.cases().filter(self._closed()), "closed_at"))
            columns.append(Column(_("Cases closed")))
        if controls:
            counts.append(self._count_by_period(self.carried_out(), "starts_at"))
            columns.append(Column(_("Controls carried out")))
        periods = self._periods()
        rows = [[self._period_label(p), *(c.get(p, 0) for c in counts)] for p in periods]
        title = _("Per month") if self.bucket == "month" else _("Per year")
        return Table("period", title, columns, rows, self._ticks(periods))

    def _ticks(self, periods: list[datetime.date]) -> list[tuple[str, str]]:
        """(jan, 2026): a month under each column, its year under the first and each January."""
        if self.bucket == "year":
            return [(str(p.year), "") for p in periods]
        month = "b" if translation.get_language() in ("nb", "no", "nn") else "M"  # "jan" in Norwegian, "Jan" in English
        return [
            (formats.date_format(p, month), str(p.year) if i == 0 or p.month == 1 else "")
            for i, p in enumerate(periods)
        ]

    def cases_by_status(self) -> Table:
        """The caseload now: every open case, and those closed within the period. One query."""
        qs = self.cases().filter(~Q(status=CaseStatus.CLOSED) | self._closed())
        counts = {row["status"]: row["n"] for row in qs.values("status").annotate(n=Count("pk")).order_by()}
        rows = [[status.label, counts.get(status.value, 0)] for status in CaseStatus]
        return Table("status", _("Cases by status"), [Column(_("Status"), "text"), Column(_("Cases"))], rows)

    def by_unit(self) -> Table:
        """Three queries: cases, controls, findings, each grouped by unit."""
        cases = (
            self.cases()
            .filter(self._opened() | self._closed())
            .values("unit__code", "unit__name")
            .annotate(opened=Count("pk", filter=self._opened()), closed=Count("pk", filter=self._closed()))
            .order_by()
        )
        controls = self.carried_out().values("unit__code", "unit__name").annotate(n=Count("pk")).order_by()
        found = (
            self.findings()
            .values("control__unit__code", "control__unit__name")
            .annotate(n=Count("pk"), amount=Sum("amount_nok"))
            .order_by()
        )
        units: dict[str, list] = {}  # code -> [name, opened, closed, controls, sanctions, amount]

        def unit(code, name):
            return units.setdefault(code, [name, 0, 0, 0, 0, Decimal(0)])

        for row in cases:
            unit(row["unit__code"], row["unit__name"])[1:3] = [row["opened"], row["closed"]]
        for row in controls:
            unit(row["unit__code"], row["unit__name"])[3] = row["n"]
        for row in found:
            unit(row["control__unit__code"], row["control__unit__name"])[4:6] = [row["n"], row["amount"] or Decimal(0)]
        rows = [units[code] for code in sorted(units)]
        columns = [
            Column(_("Unit"), "text"),
            Column(_("Cases opened")),
            Column(_("Cases closed")),
            Column(_("Controls carried out")),
            Column(_("Sanctions and measures")),
            Column(_("Amount (NOK)")),
        ]
        return Table("unit", _("Per unit"), columns, rows)

    def by_agency(self) -> Table:
        """Cases opened and controls carried out that each agency took part in, and its own
        sanctions. Four queries (the agencies' names included)."""
        opened = dict(
            Case.agencies.through.objects.filter(case_id__in=self.cases().filter(self._opened()).values("pk"))
            .values_list("agency_id")
            .annotate(n=Count("case_id"))
            .order_by()
        )
        controls = dict(
            JointControl.agencies.through.objects.filter(jointcontrol_id__in=self.carried_out().values("pk"))
            .values_list("agency_id")
            .annotate(n=Count("jointcontrol_id"))
            .order_by()
        )
        found = {
            row["agency_id"]: row
            for row in self.findings()
            .values("agency_id")
            .annotate(n=Count("pk"), amount=Sum("amount_nok"), persons=Sum("persons_count"))
            .order_by()
        }
        agencies = Agency.objects.filter(Q(is_active=True) | Q(pk__in=set(opened) | set(controls) | set(found)))
        if self.filters.agency is not None:
            agencies = agencies.filter(pk=self.filters.agency.pk)
        rows = [
            [
                agency.display_name,
                opened.get(agency.pk, 0),
                controls.get(agency.pk, 0),
                found.get(agency.pk, {}).get("n", 0),
                found.get(agency.pk, {}).get("amount") or Decimal(0),
                found.get(agency.pk, {}).get("persons") or 0,
            ]
            for agency in sorted(agencies, key=lambda a: a.display_name)
        ]
        columns = [
            Column(_("Agency"), "text"),
            Column(_("Cases opened")),
            Column(_("Controls carried out")),
            Column(_("Sanctions and measures")),
            Column(_("Amount (NOK)")),
            Column(_("Persons sanctioned")),
        ]
        return Table("agency", _("Per agency"), columns, rows)

    def by_sector(self) -> Table:
        """Cases opened and closed per NACE section (per division within a chosen section or
        division). One query, per division, summed up here."""
        rows = (
            self.cases()
            .filter(self._opened() | self._closed())
            .annotate(division=Substr("sector", 1, 2))
            .values("division")
            .annotate(opened=Count("pk", filter=self._opened()), closed=Count("pk", filter=self._closed()))
            .order_by()
        )
        by_division = bool(self.filters.sector)
        totals: dict[str, list[int]] = {}
        for row in rows:
            key = row["division"] if by_division else nace.section_of(row["division"])
            pair = totals.setdefault(key, [0, 0])
            pair[0] += row["opened"]
            pair[1] += row["closed"]
        table_rows = [[f"{key} {nace.label(key)}".strip(), *totals[key]] for key in sorted(totals)]
        columns = [Column(_("Sector"), "text"), Column(_("Cases opened")), Column(_("Cases closed"))]
        return Table("sector", _("Per sector"), columns, table_rows)

    def sanctions(self) -> Table:
        """Sanctions and measures by kind and agency. One query."""
        prefixes = ("agency", "sanction_kind")
        rows = (
            self.findings()
            .values(*(f"{p}__{f}" for p in prefixes for f in ("code", "name", "name_nb")))
            .annotate(n=Count("pk"), amount=Sum("amount_nok"), persons=Sum("persons_count"))
            .order_by("agency__code", "sanction_kind__code")
        )
        table_rows = [
            [
                _display(Agency, row, "agency"),
                _display(SanctionKind, row, "sanction_kind"),
                row["n"],
                row["amount"] or Decimal(0),
                row["persons"] or 0,
            ]
            for row in rows
        ]
        columns = [
            Column(_("Agency"), "text"),
            Column(_("Sanction or measure"), "text"),
            Column(_("Number")),
            Column(_("Amount (NOK)")),
            Column(_("Persons")),
        ]
        return Table("sanctions", _("Sanctions and measures by kind"), columns, table_rows)

    def report(self) -> list[Table]:
        """Every table of the statistics page, in its order (the exports follow it)."""
        return [self.totals(), self.by_period(), self.by_unit(), self.by_agency(), self.by_sector(), self.sanctions()]
