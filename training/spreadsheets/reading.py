"""Reading a spreadsheet: the rows of an XLSX workbook or a CSV file, the header row, the cells.

Shared by every import (class rosters, the staff registry, the commune list, signed sign-in sheets):
``read_rows`` refuses what cannot be read with a clear message; ``find_header`` finds the header row
below any title rows; ``fold`` makes text comparable without regard to case, accents or punctuation;
``parse_date``, ``cell_text`` and ``digits_cell`` turn cells into values the way Vietnamese offices
type them (dd/mm/yyyy, Excel serial dates, a CCCD that Excel made a number). A bad cell raises
``CellError`` (a code and a message) for the caller to attach to its row.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel

from training.core.errors import DomainError
from training.core.i18n import N_
from training.core.text import clean_text

MAX_BYTES = 10 * 1024 * 1024
MAX_MB = 10


def fold(value: Any) -> str:
    """Lower case, accents removed (đ -> d), punctuation as single spaces: for tolerant matching."""
    text = unicodedata.normalize("NFD", str(value or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def column_letter(index: int) -> str:
    """The letter of a column (0 → A), as the user sees it in Excel."""
    return get_column_letter(index + 1)


def file_error(code: str, msgid: str, status: int, **params) -> DomainError:
    """An error about the whole file (not one of its rows), with its HTTP status."""
    return DomainError.single(code, msgid, http_status=status, **params)


def read_rows(filename: str, content: bytes) -> list[tuple[int, list[Any]]]:
    """(spreadsheet row number, cell values) of the first sheet of an XLSX file, or of a CSV file.

    Refuses (DomainError) files over 10 MB, files that are not what their name says, files
    that cannot be read and CSV files that are not UTF-8.
    """
    name = filename or "?"
    if len(content) > MAX_BYTES:
        raise file_error("file_too_large", N_("The file is {size} MB; the limit is {limit} MB."), 413,
                          size=f"{len(content) / 1024 / 1024:.1f}".replace(".", ","), limit=MAX_MB)
    if not content.strip():
        raise file_error("file_empty", N_("The file {name} is empty."), 422, name=name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = content[:4] == b"PK\x03\x04"
    is_ole = content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if is_ole or ext == "xls":
        raise file_error("file_old_excel", N_(
            "The file {name} is in the old Excel 97–2003 format (.xls) or is password-protected. "
            "Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8."), 400, name=name)
    if ext in ("xlsx", "xlsm") or (is_zip and ext not in ("csv", "txt")):
        if not is_zip:
            raise file_error("file_not_xlsx", N_(
                "The file {name} is not an Excel workbook (.xlsx): it may be a PDF or another kind of file. "
                "Open the roster in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8."),
                400, name=name)
        return _read_xlsx(name, content)
    if ext in ("csv", "txt", "") and not is_zip:
        return _read_csv(name, content)
    if is_zip and ext in ("csv", "txt"):
        return _read_xlsx(name, content)  # an .xlsx renamed to .csv: read what it really is
    raise file_error("file_type", N_(
        "The file type .{ext} is not supported: send an Excel workbook (.xlsx) or a CSV file."), 400, ext=ext)


def _read_xlsx(name: str, content: bytes) -> list[tuple[int, list[Any]]]:
    unreadable = file_error("file_unreadable", N_(
        "The file {name} could not be read; it may be damaged. Open it in Excel, save it again as .xlsx "
        "and retry."), 400, name=name)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise unreadable from exc
    except Exception as exc:  # openpyxl raises a variety of errors on broken files
        raise unreadable from exc
    try:
        sheet = workbook.active if workbook.active is not None else workbook.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the stored dimension is often wrong in files from other tools
        out = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = list(values)
            while cells and is_blank(cells[-1]):
                cells.pop()
            out.append((number, cells))
        return out
    except Exception as exc:
        raise unreadable from exc
    finally:
        workbook.close()


def _read_csv(name: str, content: bytes) -> list[tuple[int, list[Any]]]:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = content.decode("utf-16")  # Excel's "Unicode Text"
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise file_error("file_encoding", N_(
                "The CSV file {name} is not in UTF-8. In Excel choose Save As → \"CSV UTF-8 (Comma delimited)\", "
                "or save it as .xlsx."), 400, name=name) from None
    if "\x00" in text:
        raise file_error("file_unreadable", N_(
            "The file {name} could not be read; it may be damaged. Open it in Excel, save it again as .xlsx "
            "and retry."), 400, name=name)
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", ";", "\t"], key=lambda d: first.count(d))
    out = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for number, values in enumerate(reader, start=1):
            cells: list[Any] = [v if v.strip() else None for v in values]
            while cells and is_blank(cells[-1]):
                cells.pop()
            out.append((number, cells))
    except csv.Error as exc:
        raise file_error("file_unreadable", N_(
            "The file {name} could not be read; it may be damaged. Open it in Excel, save it again as .xlsx "
            "and retry."), 400, name=name) from exc
    return out


def is_blank(value: Any) -> bool:
    """True for an empty cell: None, or text of nothing but spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def find_header(rows: list[tuple[int, list[Any]]], matcher: Callable[[Any], str | None],
                keys: tuple[str, ...], scan: int = 10) -> tuple[int, list[Any], dict[str, int]] | None:
    """The first row (among the first ``scan`` non-blank rows) with one of ``keys`` and another known column:
    (its index in ``rows``, its cells, field -> column index). Title rows above it are skipped."""
    seen = 0
    for index, (_number, cells) in enumerate(rows):
        if all(is_blank(c) for c in cells):
            continue
        seen += 1
        if seen > scan:
            break
        mapping: dict[str, int] = {}
        for col, cell in enumerate(cells):
            name = matcher(cell)
            if name and name not in mapping:
                mapping[name] = col
        if any(key in mapping for key in keys) and len(mapping) >= 2:
            return index, cells, mapping
    return None


# --- cells -----------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMBER = re.compile(r"^\d+(?:[.,]0+)?$")
_SCIENTIFIC = re.compile(r"^\d+(?:[.,]\d+)?[eE]\+?\d+$")


class CellError(Exception):
    def __init__(self, code: str, msgid: str, **params):
        super().__init__(msgid)
        self.code, self.msgid, self.params = code, msgid, params


def parse_date(value: Any) -> dt.date | None:
    """A date from an Excel date cell, an Excel serial number, dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd."""
    if is_blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _serial(value, str(value))
    text = clean_text(str(value)) or ""
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    match = _ISO.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return _make_date(year, month, day, text)
    if _NUMBER.match(text):
        return _serial(float(text.replace(",", ".")), text)
    raise CellError("date_invalid", N_("\"{value}\" is not a date; write it as dd/mm/yyyy"), value=text)


def _make_date(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12:
            raise CellError("date_not_real", N_("{value} does not exist: month {month}/{year} has no day {day}"),
                            value=text, month=month, year=year, day=day) from None
        raise CellError("date_invalid", N_("\"{value}\" is not a date; write it as dd/mm/yyyy"),
                        value=text) from None


def _serial(number: float, text: str) -> dt.date:
    if number != int(number):
        number = int(number)  # a date-time serial: keep the day
    number = int(number)
    if 1900 <= number <= 2100:
        raise CellError("date_year_only", N_("only the year ({value}) is given; write the full date as dd/mm/yyyy"),
                        value=text)
    if not 1 <= number <= 2958465:
        raise CellError("date_invalid", N_("\"{value}\" is not a date; write it as dd/mm/yyyy"), value=text)
    return from_excel(number).date()


def cell_text(value: Any) -> str | None:
    """A cell as clean text (whole-number floats without ".0"); None for a blank cell."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value == int(value):
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%d/%m/%Y")
    return clean_text(str(value)) or None


def digits_cell(value: Any) -> tuple[str | None, bool]:
    """A CCCD or phone cell as text; True when Excel turned it into a number (leading zero lost)."""
    if is_blank(value):
        return None, False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int | float):
        if isinstance(value, float) and value != int(value):
            return str(value), False
        return str(int(value)), True
    text = (clean_text(str(value)) or "").lstrip("'")
    if _SCIENTIFIC.match(text):
        raise CellError("number_shortened", N_(
            "\"{value}\" was shortened by Excel into a number and lost digits; format the column as Text and type "
            "the number again"), value=text)
    text = re.sub(r"[\s.\-]", "", text)
    return text or None, False
