"""The one writer of spreadsheets the product hands out: CSV (UTF-8 with BOM, as Excel opens it) and XLSX.

A text cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab, carriage return or line feed) would
run as a formula when the file is opened in a spreadsheet (CSV injection, e.g. a person named
``=HYPERLINK(…)`` or ``=cmd|…``): such text gets a leading single quote ``'``, in CSV and in XLSX alike,
so it shows as text and stays text when the file is saved again. Numbers, dates and empty cells are
written as they are (a negative number is a number, never text).

Every XLSX goes through ``XlsxBook`` (``xlsx_bytes`` for a plain table): ``append`` neutralises each value,
and ``to_bytes`` neutralises whatever else ended up in a cell (a value set with ``sheet.cell(...).value``)
before saving, so a workbook written through it never carries a formula. Every CSV goes through
``csv_bytes``. Input is checked too (``training.records.validation.formula_errors``), but old rows and imported
files may still hold such text: the writer is what guarantees the files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula, prefixed with ``'``; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def sheet_title(title: str) -> str:
    """A valid worksheet name: without []:*?/\\ and at most 31 characters."""
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet1"


class XlsxBook:
    """An openpyxl workbook with one sheet, written only with neutralised values.

    Style the cells through ``sheet`` (fonts, widths, number formats, merges); add rows with ``append``;
    get the file with ``to_bytes``.
    """

    def __init__(self, title: str):
        from openpyxl import Workbook

        self.workbook = Workbook()
        self.sheet = self.workbook.active
        self.sheet.title = sheet_title(title)

    def append(self, values: Iterable[Any]) -> int:
        """Add a row; returns its number."""
        self.sheet.append([neutralise(v) for v in values])
        return self.sheet.max_row

    def to_bytes(self) -> bytes:
        for sheet in self.workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and (cell.data_type == "f" or cell.value.startswith(FORMULA_START)):
                        cell.value = neutralise(cell.value)
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def xlsx_bytes(title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
               percent_columns: Sequence[int] = (), heading: str | None = None) -> bytes:
    """A plain table as a workbook: optional bold heading, bold headers, frozen header, percent columns."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = XlsxBook(title)
    sheet = book.sheet
    first = 1
    if heading:
        book.append([heading])
        sheet["A1"].font = Font(bold=True, size=13)
        first = 2
    book.append(headers)
    for cell in sheet[first]:
        cell.font = Font(bold=True)
    for row in rows:
        book.append(row)
    for col in percent_columns:
        for cells in sheet.iter_rows(min_row=first + 1, min_col=col + 1, max_col=col + 1):
            cells[0].number_format = "0.0%"
    for index, header in enumerate(headers):
        sheet.column_dimensions[get_column_letter(index + 1)].width = max(10, min(40, len(str(header)) + 4))
    sheet.freeze_panes = sheet.cell(row=first + 1, column=1)
    return book.to_bytes()
