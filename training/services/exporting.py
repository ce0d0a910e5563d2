"""Tables as downloads: CSV (UTF-8 with BOM, as Excel opens it) and XLSX, formulas neutralised.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) would run as a
formula when the file is opened in a spreadsheet (CSV injection): such text cells get a leading
single quote. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def xlsx_bytes(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]],
               percent_columns: Sequence[int] = (), heading: str | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet1"
    first = 1
    if heading:
        sheet.append([neutralise(heading)])
        sheet["A1"].font = Font(bold=True, size=13)
        first = 2
    sheet.append([neutralise(h) for h in headers])
    for cell in sheet[first]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([neutralise(v) for v in row])
    for col in percent_columns:
        for cells in sheet.iter_rows(min_row=first + 1, min_col=col + 1, max_col=col + 1):
            cells[0].number_format = "0.0%"
    for index, header in enumerate(headers):
        sheet.column_dimensions[_letter(index)].width = max(10, min(40, len(str(header)) + 4))
    sheet.freeze_panes = sheet.cell(row=first + 1, column=1)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
