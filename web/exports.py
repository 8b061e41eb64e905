"""The statistics page's tables as CSV and XLSX files: the same tables the page shows, cell by
cell, with numbers as numbers (amounts in kroner with two decimals)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

from web.statistics import Table

NOK_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"


def _plain(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def to_csv(tables: list[Table], heading: list[str]) -> bytes:
    """One file, one block per table: its title, its header row, its rows, a blank line.
    UTF-8 with a byte-order mark, so that spreadsheet programs read æ, ø and å right."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in heading:
        writer.writerow([line])
    writer.writerow([])
    for table in tables:
        writer.writerow([table.title])
        writer.writerow([column.label for column in table.columns])
        for row in table.rows:
            writer.writerow([_plain(value) for value in row])
        writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _sheet_title(title: str, taken: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = re.sub(r"[\[\]:*?/\\]", "", title)[:31] or "Sheet"
    name, n = base, 2
    while name in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name)
    return name


def to_xlsx(tables: list[Table], heading: list[str]) -> bytes:
    """A workbook with one sheet per table, the filters written above each table."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        for line in heading:
            sheet.append([line])
        sheet.append([])
        sheet.append([column.label for column in table.columns])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for row in table.rows:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = NOK_FORMAT
                elif isinstance(cell.value, int):
                    cell.number_format = COUNT_FORMAT
        sheet.column_dimensions["A"].width = max([len(str(row[0])) for row in table.rows] + [24]) + 2
        for letter in "BCDEFG"[: len(table.columns) - 1]:
            sheet.column_dimensions[letter].width = 18
        sheet.freeze_panes = sheet.cell(row=len(heading) + 3, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
