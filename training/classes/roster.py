"""Roster import: a class's learners from an Excel workbook (.xlsx) or a CSV file.

A dry run (``commit=False``) reads and checks every row and says what would happen to each:
a new person, an existing person (same citizen ID), a possible duplicate (same name, date of
birth and organisation as a person without a citizen ID on record), or an error; and whether the
learner would be confirmed or waitlisted given the class's capacity. ``commit=True`` repeats the
checks inside one write transaction and saves everything (new organisations, people,
enrolments, audit log) or, if any row has an error, nothing at all.

Rows are numbered as in the spreadsheet (the header is usually row 1, so the first learner is
row 2). Headers are recognised without regard to case, accents, spaces or a trailing "(*)".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from training.auth.access import Actor, cccd_refused, check_table_access
from training.classes import states
from training.classes.tables import CoursePrerequisite, Enrolment, TrainingClass
from training.core.db import chunks, engine, lock_row, write_transaction
from training.core.enums import EnrolmentStatus, OrganisationKind, label
from training.core.errors import Conflict, DomainError, FieldError
from training.core.i18n import N_, _
from training.core.labels import field_label
from training.people.tables import Organisation, Person
from training.records.audit import audit_rows
from training.records.rows import create_row, visible_row
from training.records.validation import cccd_errors, clean, clean_text, formula_errors, mask_cccd
from training.reference.tables import LegacyProvince, Province
from training.spreadsheets.writer import XlsxBook

MAX_BYTES = 10 * 1024 * 1024
MAX_MB = 10

Progress = Callable[[str, int, int], None]

# --- headers ---------------------------------------------------------------------------------

REQUIRED = ["full_name", "sex", "staff_category"]

# Normalised header (lower case, no accents, punctuation as spaces) -> field.
HEADER_ALIASES: dict[str, list[str]] = {
    "full_name": ["ho va ten", "ho ten", "ho va ten hoc vien", "ho ten hoc vien", "ten hoc vien", "hoc vien",
                  "ho va ten nguoi hoc", "full name", "name"],
    # Two columns instead of one: "Họ và tên đệm" + "Tên" (lists sorted by given name are often kept so).
    "family_middle": ["ho va ten dem", "ho ten dem", "ho dem", "ho va dem", "ho va chu lot", "ho lot", "ho va ten lot"],
    "given_name": ["ten"],
    "date_of_birth": ["ngay sinh", "ngay thang nam sinh", "ngay thang sinh", "sinh ngay", "ngay sinh dd mm yyyy",
                      "nam sinh", "date of birth", "dob", "birth date"],
    "sex": ["gioi tinh", "gioi", "nam nu", "sex", "gender"],
    "citizen_id": ["so cccd", "cccd", "so dinh danh", "so dinh danh ca nhan", "ma dinh danh", "ma so dinh danh",
                   "can cuoc cong dan", "so can cuoc cong dan", "so can cuoc", "can cuoc", "cccd cmnd",
                   "so cccd cmnd", "so cmnd cccd", "citizen id"],
    "organisation": ["don vi", "co quan", "don vi cong tac", "co quan cong tac", "noi cong tac", "co quan don vi",
                     "don vi co quan", "ten don vi", "ten co quan", "organisation", "organization"],
    "staff_category": ["loai can bo", "loai", "doi tuong", "loai doi tuong", "nhom doi tuong", "loai can bo cong chuc",
                       "staff category", "category"],
    "province": ["tinh thanh pho", "tinh thanh", "tinh tp", "tinh", "thanh pho", "province"],
    "phone": ["dien thoai", "so dien thoai", "sdt", "dt", "dien thoai lien he", "phone", "so dt"],
    "email": ["email", "e mail", "thu dien tu", "dia chi email", "dia chi thu dien tu"],
}
_ALIAS_INDEX = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}

SEX_VALUES = {"nam": "male", "nam gioi": "male", "male": "male", "nu": "female", "nu gioi": "female",
              "female": "female"}
CATEGORY_VALUES = {
    "can bo": "cadre", "cb": "cadre", "cadre": "cadre",
    "cong chuc": "civil_servant", "cc": "civil_servant", "civil servant": "civil_servant",
    "vien chuc": "public_employee", "vc": "public_employee", "public employee": "public_employee",
    "nguoi lao dong": "worker", "nld": "worker", "lao dong": "worker", "lao dong hop dong": "worker",
    "hop dong": "worker", "worker": "worker",
    "cong tac vien": "collaborator", "ctv": "collaborator", "cong tac vien ctxh": "collaborator",
    "cong tac vien cong tac xa hoi": "collaborator", "collaborator": "collaborator",
}
CATEGORY_NAMES = "Cán bộ, Công chức, Viên chức, Người lao động, Cộng tác viên"

# A new organisation's kind, guessed from words of its name (first match wins).
ORG_KIND_WORDS: list[tuple[str, str]] = [
    ("trung tam cong tac xa hoi", "social_work_centre"), ("trung tam ctxh", "social_work_centre"),
    ("bao tro xa hoi", "social_assistance_facility"), ("tro giup xa hoi", "social_assistance_facility"),
    ("benh vien", "hospital"), ("trung tam y te", "hospital"), ("tram y te", "hospital"),
    ("dai hoc", "training_institution"), ("cao dang", "training_institution"), ("hoc vien", "training_institution"),
    ("truong", "school"), ("uy ban nhan dan", "commune_committee"), ("ubnd", "commune_committee"),
    ("so ", "provincial_department"), ("bo ", "ministry"), ("hoi ", "association"),
]
DEFAULT_ORG_KIND = "social_assistance_facility"


def fold(value: Any) -> str:
    """Lower case, accents removed (đ -> d), punctuation as single spaces: for tolerant matching."""
    text = unicodedata.normalize("NFD", str(value or "")).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def header_field(value: Any) -> str | None:
    if value is None:
        return None
    text = re.sub(r"\([^)]*\)", " ", str(value)).replace("*", " ")
    return _ALIAS_INDEX.get(fold(text))


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# --- reading the file ------------------------------------------------------------------------

def _file_error(code: str, msgid: str, status: int, **params) -> DomainError:
    return DomainError.single(code, msgid, http_status=status, **params)


def read_rows(filename: str, content: bytes) -> list[tuple[int, list[Any]]]:
    """(spreadsheet row number, cell values) of the first sheet of an XLSX file, or of a CSV file.

    Refuses (DomainError) files over 10 MB, files that are not what their name says, files
    that cannot be read and CSV files that are not UTF-8.
    """
    name = filename or "?"
    if len(content) > MAX_BYTES:
        raise _file_error("file_too_large", N_("The file is {size} MB; the limit is {limit} MB."), 413,
                          size=f"{len(content) / 1024 / 1024:.1f}".replace(".", ","), limit=MAX_MB)
    if not content.strip():
        raise _file_error("file_empty", N_("The file {name} is empty."), 422, name=name)
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = content[:4] == b"PK\x03\x04"
    is_ole = content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    if is_ole or ext == "xls":
        raise _file_error("file_old_excel", N_(
            "The file {name} is in the old Excel 97–2003 format (.xls) or is password-protected. "
            "Open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8."), 400, name=name)
    if ext in ("xlsx", "xlsm") or (is_zip and ext not in ("csv", "txt")):
        if not is_zip:
            raise _file_error("file_not_xlsx", N_(
                "The file {name} is not an Excel workbook (.xlsx): it may be a PDF or another kind of file. "
                "Open the roster in Excel and save it as an Excel Workbook (.xlsx) or as CSV UTF-8."),
                400, name=name)
        return _read_xlsx(name, content)
    if ext in ("csv", "txt", "") and not is_zip:
        return _read_csv(name, content)
    if is_zip and ext in ("csv", "txt"):
        return _read_xlsx(name, content)  # an .xlsx renamed to .csv: read what it really is
    raise _file_error("file_type", N_(
        "The file type .{ext} is not supported: send an Excel workbook (.xlsx) or a CSV file."), 400, ext=ext)


def _read_xlsx(name: str, content: bytes) -> list[tuple[int, list[Any]]]:
    import openpyxl

    unreadable = _file_error("file_unreadable", N_(
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
            raise _file_error("file_encoding", N_(
                "The CSV file {name} is not in UTF-8. In Excel choose Save As → \"CSV UTF-8 (Comma delimited)\", "
                "or save it as .xlsx."), 400, name=name) from None
    if "\x00" in text:
        raise _file_error("file_unreadable", N_(
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
        raise _file_error("file_unreadable", N_(
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
    from openpyxl.utils.datetime import from_excel

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


def province_index(provinces: list[dict], legacy: list[dict]) -> dict[str, tuple[int, int | None]]:
    """Folded name -> (2025 province id, legacy province id or None). 2025 names win over legacy ones."""
    index: dict[str, tuple[int, int | None]] = {}
    for row in legacy:
        index[fold(row["name"])] = (row["province"], row["id"])
    for row in provinces:
        index[fold(row["name"])] = (row["id"], None)
    by_name = {fold(r["name"]): r for r in provinces}
    legacy_by_name = {fold(r["name"]): r for r in legacy}
    extra = {"hcm": "ho chi minh", "tphcm": "ho chi minh", "sai gon": "ho chi minh",
             "thua thien hue": "hue", "ba ria vung tau": "ba ria vung tau", "brvt": "ba ria vung tau",
             "dak lak": "dak lak", "dac lac": "dak lak", "dak nong": "dak nong", "ha noi": "ha noi"}
    for alias, target in extra.items():
        if target in by_name:
            index.setdefault(alias, (by_name[target]["id"], None))
        elif target in legacy_by_name:
            index.setdefault(alias, (legacy_by_name[target]["province"], legacy_by_name[target]["id"]))
    return index


_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp)\s+")


def find_province(value: str, index: dict[str, tuple[int, int | None]]) -> tuple[int, int | None] | None:
    key = fold(value)
    if key in index:
        return index[key]
    stripped = _PROVINCE_PREFIX.sub("", key)
    if stripped in index:
        return index[stripped]
    return index.get(stripped.replace(" ", ""))


# --- results ---------------------------------------------------------------------------------

ROW_STATUSES = {
    "new": N_("new person"),
    "existing": N_("existing person"),
    "possible_duplicate": N_("possible duplicate"),
    "error": N_("error"),
}


@dataclass
class Issue:
    level: str  # "error" or "warning"
    code: str
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None
    column: str | None = None  # as the user sees it: "C (Ngày sinh)"

    def reason(self, language: str | None = None) -> str:
        return _(self.msgid, language=language, **self.params)

    def where(self, language: str | None = None) -> str:
        """The column as the user sees it ("C (Ngày sinh)"), else the field's label."""
        return self.column or (field_label(self.field, language) if self.field else "")

    def text(self, row: int, language: str | None = None) -> str:
        if self.where(language):
            return _(N_("Row {row}, column {column}: {message}"), language=language, row=row,
                     column=self.where(language), message=self.reason(language))
        return _(N_("Row {row}: {message}"), language=language, row=row, message=self.reason(language))


@dataclass
class RowOutcome:
    row: int
    full_name: str
    status: str = "new"
    person_id: int | None = None
    enrolment_status: str | None = None
    issues: list[Issue] = field(default_factory=list)
    # internal
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    person: dict[str, Any] | None = field(default=None, repr=False)
    new_org: str | None = field(default=None, repr=False)
    new_org_name: str | None = field(default=None, repr=False)

    @property
    def has_error(self) -> bool:
        return any(i.level == "error" for i in self.issues)

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {
            "row": self.row,
            "full_name": self.full_name,
            "status": self.status,
            "status_label": _(ROW_STATUSES[self.status], language=language),
            "person_id": self.person_id,
            "enrolment_status": self.enrolment_status,
            "enrolment_label": label(EnrolmentStatus, self.enrolment_status, language) or None,
            "messages": [{"level": i.level, "code": i.code, "field": i.field, "column": i.column,
                          "message": i.reason(language), "text": i.text(self.row, language)}
                         for i in self.issues],
        }


@dataclass
class RosterResult:
    class_id: int
    class_code: str
    filename: str
    header_row: int
    committed: bool = False
    rows: list[RowOutcome] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(r.has_error for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.rows), "new": 0, "existing": 0, "possible_duplicate": 0, "error": 0,
               "warnings": 0, "confirmed": 0, "waitlisted": 0}
        for r in self.rows:
            out[r.status] += 1
            out["warnings"] += sum(1 for i in r.issues if i.level == "warning")
            if r.enrolment_status in ("confirmed", "waitlisted"):
                out[r.enrolment_status] += 1
        return out

    def error_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.has_error]

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {"class_id": self.class_id, "class_code": self.class_code, "file": self.filename,
                "committed": self.committed, "header_row": self.header_row, **self.counts,
                "ignored_columns": self.ignored_columns, "new_organisations": self.new_organisations,
                "rows": [r.to_dict(language) for r in self.rows]}


def file_row_errors(result, code: str) -> list[FieldError]:
    """The errors of an imported file, all rows or none saved: a summary naming the rows, then the
    first 50 row errors (shared by the roster, staff and commune imports)."""
    rows = result.error_rows()
    shown = ", ".join(str(r) for r in rows[:30]) + (" …" if len(rows) > 30 else "")
    errors = [FieldError(code, N_("{count} row(s) of the file have errors (rows {rows}); nothing was saved."),
                         None, {"count": len(rows), "rows": shown})]
    for row in result.rows:
        for issue in row.issues:
            if issue.level == "error" and len(errors) <= 50:
                errors.append(FieldError(issue.code, issue.text(row.row), issue.field))
    return errors


class RosterError(DomainError):
    """A roster with row errors: nothing was saved. The JSON error also lists every row's outcome."""

    status = 422

    def __init__(self, result: RosterResult):
        self.result = result
        super().__init__(file_row_errors(result, "roster_has_errors"))

    def payload(self, language: str | None = None) -> dict[str, Any]:
        body = super().payload(language)
        body["error"]["result"] = self.result.to_dict(language)
        return body


# --- the import ------------------------------------------------------------------------------

@dataclass
class _Parsed:
    row: int
    values: dict[str, Any]
    issues: list[Issue]
    org_name: str | None = None
    province_text: str | None = None


def column_names(header: list[Any], mapping: dict[str, int]) -> dict[str, str]:
    """Field → how its column is named in messages: "C (Họ và tên)"."""
    names = {name: f"{column_letter(col)} ({clean_text(str(header[col]))})" for name, col in mapping.items()}
    if "full_name" not in mapping and "family_middle" in mapping and "given_name" in mapping:
        a, b = mapping["family_middle"], mapping["given_name"]
        names["full_name"] = (f"{column_letter(a)}–{column_letter(b)} ({clean_text(str(header[a]))}, "
                              f"{clean_text(str(header[b]))})")
    return names


def _parse_citizen_id_and_phone(raw_cccd: Any, raw_phone: Any, has_phone: bool, values: dict[str, Any],
                                issues: list[Issue], columns: dict[str, str], err: Callable[..., None]) -> None:
    """The citizen ID and phone of a row into ``values``: Excel's dropped leading zero restored (a
    warning), the ID checked against the date of birth and sex already parsed."""
    try:
        cccd, was_number = digits_cell(raw_cccd)
    except CellError as exc:
        cccd, was_number = None, False
        err("citizen_id", exc.code, exc.msgid, **exc.params)
    if cccd and cccd.isdigit() and len(cccd) == 11 and not cccd.startswith("0"):
        # Every CCCD starts with 0: an 11-digit one lost its zero when Excel made it a number.
        cccd = "0" + cccd
        issues.append(Issue("warning", "cccd_zero_restored",
                            N_("Excel had dropped the leading zero of the citizen ID; restored as {value}"),
                            {"value": mask_cccd(cccd)}, "citizen_id", columns.get("citizen_id")))
    values["citizen_id"] = cccd
    if cccd:
        for found in cccd_errors(cccd, values["date_of_birth"], values["sex"]):
            err("citizen_id", found.code, found.message, **found.params)
        if values["date_of_birth"] is None and not any(i.field == "date_of_birth" for i in issues):
            err("date_of_birth", "dob_required_with_cccd", N_("is required when a citizen ID is given"))

    try:
        phone, was_number = digits_cell(raw_phone) if has_phone else (None, False)
    except CellError as exc:
        phone, was_number = None, False
        err("phone", exc.code, exc.msgid, **exc.params)
    if phone and was_number and len(phone) == 9:
        phone = "0" + phone
        issues.append(Issue("warning", "phone_zero_restored",
                            N_("Excel had dropped the leading zero of the phone number; restored as {value}"),
                            {"value": phone}, "phone", columns.get("phone")))
    values["phone"] = phone


def parse_row(number: int, cells: list[Any], mapping: dict[str, int], columns: dict[str, str],
               all_columns: dict[int, str]) -> _Parsed:
    """One data row's values, parsed and checked on their own (no database): formulas, dates, sex,
    staff category, required fields, citizen ID and phone."""
    issues: list[Issue] = []

    def err(fld: str | None, code: str, msgid: str, /, column: str | None = None, **params) -> None:
        issues.append(Issue("error", code, msgid, params, fld, column or (columns.get(fld) if fld else None)))

    # A formula in a column the import reads is an error (its value is not in the file, or, in a CSV,
    # it is the text of a formula). Columns it ignores (an STT numbered with =ROW()-1) may hold them.
    for name, col in mapping.items():
        value = cells[col] if col < len(cells) else None
        if isinstance(value, str) and value.lstrip().startswith("="):
            err(name, "formula", N_("the cell holds a formula ({value}); type the value itself"),
                column=all_columns.get(col, column_letter(col)), value=value.strip()[:40])

    def cell(name: str) -> Any:
        col = mapping.get(name)
        if col is None or col >= len(cells):
            return None
        value = cells[col]
        if isinstance(value, str) and value.lstrip().startswith("="):
            return None  # reported above
        return value

    values: dict[str, Any] = {}
    if "full_name" in mapping:
        values["full_name"] = cell_text(cell("full_name"))
    else:  # "Họ và tên đệm" + "Tên"
        values["full_name"] = clean_text(" ".join(
            t for t in (cell_text(cell("family_middle")), cell_text(cell("given_name"))) if t)) or None
    for name in ("organisation", "province", "email"):
        values[name] = cell_text(cell(name))
    try:
        values["date_of_birth"] = parse_date(cell("date_of_birth"))
    except CellError as exc:
        values["date_of_birth"] = None
        err("date_of_birth", exc.code, exc.msgid, **exc.params)

    raw_sex = cell_text(cell("sex"))
    values["sex"] = None
    if raw_sex:
        values["sex"] = SEX_VALUES.get(fold(raw_sex))
        if values["sex"] is None:
            err("sex", "sex_unknown", N_("\"{value}\" is not a sex; write Nam or Nữ"), value=raw_sex)
    raw_category = cell_text(cell("staff_category"))
    values["staff_category"] = None
    if raw_category:
        values["staff_category"] = CATEGORY_VALUES.get(fold(raw_category))
        if values["staff_category"] is None:
            err("staff_category", "category_unknown",
                N_("\"{value}\" is not a staff category; write one of: {choices}"),
                value=raw_category, choices=CATEGORY_NAMES)
    for name in REQUIRED:
        if not values.get(name) and not any(i.field == name for i in issues):
            err(name, "required", N_("is required"))

    _parse_citizen_id_and_phone(cell("citizen_id"), cell("phone"), mapping.get("phone") is not None,
                                values, issues, columns, err)
    return _Parsed(number, values, issues, values.pop("organisation"), values.pop("province"))


def person_name_key(name: str | None) -> str:
    """A full name as compared when matching people: cleaned, case-folded (marks kept)."""
    return (clean_text(name) or "").casefold()


def guess_kind(name: str) -> str:
    """The organisation kind an organisation's name suggests ("UBND xã …" → commune committee)."""
    folded = fold(name) + " "
    for words, kind in ORG_KIND_WORDS:
        if folded.startswith(words) or f" {words}" in f" {folded}":
            return kind
    return DEFAULT_ORG_KIND


@dataclass
class _RosterLookups:
    """What the roster check reads once for the whole file (then it decides row by row, without queries)."""

    pindex: Any
    province_names: dict[int, str]
    orgs_by_name: dict[str, list[dict]]
    by_cccd: dict[str, dict]
    by_name_dob: dict[tuple[str, dt.date], list[dict]]
    enrolled: dict[int, str]  # person id -> enrolment status in this class
    required: list[dict]  # the course's prerequisites (required_course, code)
    completed: dict[int, set[int]]  # person id -> the courses they completed
    defaults: dict[str, Any]  # a new Person's default values

    def find_org(self, name: str, province: int | None) -> int | None:
        """The organisation of this name (exact, then folded), preferring one of ``province``, then a national one."""
        for key in (person_name_key(name), "~" + fold(name)):
            found = self.orgs_by_name.get(key) or []
            if not found:
                continue
            for wanted in (province, None):
                same = [o for o in found if o["province"] == wanted]
                if len(same) >= 1:
                    return same[0]["id"]
            if len({o["id"] for o in found}) == 1:
                return found[0]["id"]
        return None


@dataclass
class _SeenInFile:
    """The rows already checked, to find the same person twice in one file."""

    cccd: dict[str, int] = field(default_factory=dict)
    name_dob: dict[tuple[str, dt.date], int] = field(default_factory=dict)
    person: dict[int, int] = field(default_factory=dict)
    new_orgs: dict[str, str] = field(default_factory=dict)  # folded name -> name as first written


class RowCheck:
    """Adds the errors and warnings of one row to its outcome (anything with an ``issues`` list: a
    roster ``RowOutcome``, a staff ``ImportRow``), naming the column of each field."""

    def __init__(self, out: Any, columns: dict[str, str]):
        self.out, self.columns = out, columns

    def err(self, fld: str | None, code: str, msgid: str, /, **params) -> None:
        self.out.issues.append(Issue("error", code, msgid, params, fld, self.columns.get(fld) if fld else None))

    def warn(self, fld: str | None, code: str, msgid: str, /, **params) -> None:
        self.out.issues.append(Issue("warning", code, msgid, params, fld, self.columns.get(fld) if fld else None))


async def _organisation_index(actor: Actor) -> dict[str, list[dict]]:
    """The organisations the actor may use, by name key and by folded name (``~`` prefix)."""
    org_query = Organisation.select(Organisation.id, Organisation.name, Organisation.province)
    if actor.is_department:
        org_query = org_query.where((Organisation.province == actor.province_id) | Organisation.province.is_null())
    orgs_by_name: dict[str, list[dict]] = {}
    for org in await org_query.run():
        orgs_by_name.setdefault(person_name_key(org["name"]), []).append(org)
        orgs_by_name.setdefault("~" + fold(org["name"]), []).append(org)
    return orgs_by_name


async def _existing_people(parsed: list[_Parsed], actor: Actor
                           ) -> tuple[dict[str, dict], dict[tuple[str, dt.date], list[dict]]]:
    """The stored people the file may name: by citizen ID, and by (name key, date of birth); one
    query per chunk of citizen IDs and per chunk of names."""
    person_cols = (Person.id, Person.full_name, Person.date_of_birth, Person.citizen_id, Person.organisation,
                   Person.province)
    cccds = sorted({p.values["citizen_id"] for p in parsed if p.values.get("citizen_id")})
    by_cccd: dict[str, dict] = {}
    for chunk in chunks(cccds):
        for person in await Person.select(*person_cols).where(Person.citizen_id.is_in(chunk)).run():
            by_cccd[person["citizen_id"]] = person
    names = sorted({n for p in parsed if p.values.get("full_name") and p.values.get("date_of_birth")
                    for n in (p.values["full_name"], p.values["full_name"].title())})
    by_name_dob: dict[tuple[str, dt.date], list[dict]] = {}
    for chunk in chunks(names):
        query = Person.select(*person_cols).where(Person.full_name.is_in(chunk) & Person.date_of_birth.is_not_null())
        if actor.is_department:
            query = query.where(Person.province == actor.province_id)
        for person in await query.run():
            by_name_dob.setdefault((person_name_key(person["full_name"]), person["date_of_birth"]), []).append(person)
    return by_cccd, by_name_dob


async def _completed_courses(person_ids: list[int]) -> dict[int, set[int]]:
    """Person id -> the courses they have completed."""
    completed: dict[int, set[int]] = {}
    for chunk in chunks(person_ids):
        for r in await Enrolment.select(Enrolment.person, Enrolment.training_class.course.as_alias("course")).where(
                Enrolment.person.is_in(chunk) & (Enrolment.status == "completed")).run():
            completed.setdefault(r["person"], set()).add(r["course"])
    return completed


async def _load_lookups(cls: dict[str, Any], parsed: list[_Parsed], actor: Actor) -> _RosterLookups:
    """Read, once for the whole file, everything the row checks need."""
    provinces = await Province.select(Province.id, Province.name).run()
    legacy = await LegacyProvince.select(LegacyProvince.id, LegacyProvince.name, LegacyProvince.province).run()
    by_cccd, by_name_dob = await _existing_people(parsed, actor)
    enrolled = {r["person"]: r["status"] for r in await Enrolment.select(Enrolment.person, Enrolment.status).where(
        Enrolment.training_class == cls["id"]).run()}
    required = await CoursePrerequisite.select(
        CoursePrerequisite.required_course, CoursePrerequisite.required_course.code.as_alias("code")
    ).where(CoursePrerequisite.course == cls["course"]).run()
    completed: dict[int, set[int]] = {}
    if required:
        known = sorted({p["id"] for p in by_cccd.values()} | {p["id"] for ps in by_name_dob.values() for p in ps})
        completed = await _completed_courses(known)
    blank = Person(_ignore_missing=True)
    return _RosterLookups(
        pindex=province_index(provinces, legacy), province_names={r["id"]: r["name"] for r in provinces},
        orgs_by_name=await _organisation_index(actor), by_cccd=by_cccd, by_name_dob=by_name_dob,
        enrolled=enrolled, required=required, completed=completed,
        defaults={c._meta.name: getattr(blank, c._meta.name) for c in Person._meta.columns if c._meta.name != "id"})


def _row_province(item: _Parsed, cls: dict[str, Any], look: _RosterLookups,
                  check: RowCheck) -> tuple[int, int | None]:
    """The row's (2025 province id, legacy province id): the file's, else the class's host province."""
    if item.province_text:
        found = find_province(item.province_text, look.pindex)
        if found is not None:
            return found
        check.err("province", "province_unknown",
                  N_("\"{value}\" is not a province (neither one of 2025 nor one before 2025)"),
                  value=item.province_text)
    return cls["host_province"], None


def _check_in_file_duplicates(item: _Parsed, seen: _SeenInFile, check: RowCheck) -> None:
    """An error when an earlier row of the file has the same citizen ID, or the same name and date of birth."""
    values = item.values
    cccd, dob = values.get("citizen_id"), values.get("date_of_birth")
    name_key = person_name_key(values.get("full_name"))
    if cccd and cccd in seen.cccd:
        check.err("citizen_id", "duplicate_in_file",
                  N_("the same person is already on row {other} of this file (same citizen ID)"),
                  other=seen.cccd[cccd])
    elif name_key and dob and (name_key, dob) in seen.name_dob:
        check.err("full_name", "duplicate_in_file",
                  N_("the same person is already on row {other} of this file (same name and date of birth)"),
                  other=seen.name_dob[(name_key, dob)])
    if cccd and cccd not in seen.cccd:
        seen.cccd[cccd] = item.row
    if name_key and dob and (name_key, dob) not in seen.name_dob:
        seen.name_dob[(name_key, dob)] = item.row


def _match_person(item: _Parsed, org_id: int | None, look: _RosterLookups, actor: Actor,
                  check: RowCheck) -> tuple[dict | None, bool]:
    """The stored person the row names, if any, and whether one was found but is hidden from the
    actor (another province's). Sets the outcome's status to existing or possible_duplicate."""
    values, out = item.values, check.out
    cccd, dob = values.get("citizen_id"), values.get("date_of_birth")
    name_key = person_name_key(values.get("full_name"))
    person = look.by_cccd.get(cccd) if cccd else None
    if person is not None and actor.is_department and person["province"] != actor.province_id:
        # Someone of another province: say only that; their name and record are not the department's.
        refused = cccd_refused()  # the same answer as the staff import and the admin (no enumeration)
        check.err(refused.field, refused.code, refused.message)
        return None, True
    if person is not None:
        out.status = "existing"
        if person_name_key(person["full_name"]) != name_key and name_key:
            check.warn("full_name", "name_differs", N_(
                "this citizen ID belongs to {name} in the system; the name in the file differs and is not "
                "changed"), name=person["full_name"])
        if dob and person["date_of_birth"] and dob != person["date_of_birth"]:
            check.warn("date_of_birth", "dob_differs", N_(
                "the system has {date} as this person's date of birth; it is not changed"),
                date=person["date_of_birth"].strftime("%d/%m/%Y"))
        return person, False
    if name_key and dob:
        candidates = [p for p in look.by_name_dob.get((name_key, dob), []) if p["organisation"] == org_id
                      and not (item.org_name and org_id is None)]
        reusable = [p for p in candidates if not (cccd and p["citizen_id"])]
        if reusable:
            out.status = "possible_duplicate"
            check.warn("full_name", "possible_duplicate", N_(
                "possible duplicate of {name} (ID {id}: same name, date of birth and organisation, no citizen "
                "ID on record); that person is used"), name=reusable[0]["full_name"], id=reusable[0]["id"])
            return reusable[0], False
        if candidates:
            check.warn("full_name", "namesake", N_(
                "{name} (ID {id}) has the same name, date of birth and organisation but another citizen ID; "
                "a new person is created"), name=candidates[0]["full_name"], id=candidates[0]["id"])
    return None, False


def _check_known_person(person: dict, cls: dict[str, Any], item: _Parsed, look: _RosterLookups,
                        seen: _SeenInFile, check: RowCheck) -> None:
    """A stored person: not twice in the file, not already in the class."""
    out = check.out
    out.person_id, out.person = person["id"], person
    if person["id"] in seen.person:
        check.err("full_name", "duplicate_in_file",
                  N_("the same person is already on row {other} of this file"), other=seen.person[person["id"]])
    else:
        seen.person[person["id"]] = item.row
    if person["id"] in look.enrolled:
        check.err(None, "already_enrolled", N_("{name} is already in class {code} (status: {status})."),
                  name=person["full_name"], code=cls["code"], status=states.status_label(look.enrolled[person["id"]]))


async def _plan_new_person(item: _Parsed, province: int, legacy_id: int | None, org_id: int | None,
                           look: _RosterLookups, seen: _SeenInFile, actor: Actor, check: RowCheck) -> None:
    """A new person: in the actor's province, with a new organisation if the file names an unknown
    one, and every rule of ``validation.clean``; their values go to ``out.values``."""
    out = check.out
    if actor.is_department and province != actor.province_id:
        check.err("province", "person_other_province_new", N_(
            "you can only add people of your own province; {province} is another province"),
            province=look.province_names.get(province, ""))
    if item.org_name and org_id is None:
        key = fold(item.org_name)
        if key not in seen.new_orgs:
            seen.new_orgs[key] = item.org_name
            kind = guess_kind(item.org_name)
            check.warn("organisation", "organisation_new", N_(
                "the organisation \"{name}\" is not in the system yet; it will be created (kind: {kind}), "
                "check it afterwards"), name=item.org_name, kind=label(OrganisationKind, kind))
        out.new_org, out.new_org_name = key, seen.new_orgs[key]
        for e in formula_errors(item.org_name, "organisation"):
            check.err("organisation", e.code, e.message, **e.params)
    if out.has_error:
        return
    # Every rule of validation.clean applies, except the two that cost queries per row and that this
    # import has already checked for the whole file at once: the citizen ID (structure with
    # cccd_errors in parse_row, uniqueness with the batch lookup: a known ID makes the row
    # "existing") and the legacy province (the 2025 province was taken from the same mapping).
    # They are put back after cleaning.
    data = {**look.defaults, **item.values, "province": province, "organisation": org_id,
            "citizen_id": None, "legacy_province": None}
    try:
        out.values = {**await clean(Person, data), "citizen_id": item.values.get("citizen_id"),
                      "legacy_province": legacy_id}
    except DomainError as exc:
        for e in exc.errors:
            out.issues.append(Issue("error", e.code, e.message, dict(e.params), e.field,
                                    check.columns.get(e.field or "")))


def _check_prerequisites(person: dict | None, look: _RosterLookups, check: RowCheck) -> None:
    """An error when the person has not completed every course the class's course requires."""
    if not look.required:
        return
    done = look.completed.get(person["id"], set()) if person is not None else set()
    missing = [r["code"] for r in look.required if r["required_course"] not in done]
    if missing:
        check.err(None, "prerequisite_missing", N_("{name} must first complete: {courses}."),
                  name=check.out.full_name, courses=", ".join(missing))


async def _check_row(item: _Parsed, cls: dict[str, Any], look: _RosterLookups, seen: _SeenInFile,
                     columns: dict[str, str], actor: Actor) -> RowOutcome:
    """One row's outcome: its province, duplicates in the file, the person it matches (or the new
    person it makes) and the prerequisites."""
    out = RowOutcome(row=item.row, full_name=item.values.get("full_name") or "", issues=list(item.issues))
    check = RowCheck(out, columns)
    province, legacy_id = _row_province(item, cls, look, check)
    _check_in_file_duplicates(item, seen, check)
    org_id = look.find_org(item.org_name, province) if item.org_name else None
    person, hidden = _match_person(item, org_id, look, actor, check)
    if person is not None:
        _check_known_person(person, cls, item, look, seen, check)
    elif not hidden:
        await _plan_new_person(item, province, legacy_id, org_id, look, seen, actor, check)
    _check_prerequisites(person, look, check)
    if out.has_error:
        out.status = "error"
    return out


async def _assign_seats(cls: dict[str, Any], outcomes: list[RowOutcome]) -> None:
    """Seats in file order, by the rule of enrolment.enrol: confirmed while the class has room, then waitlisted."""
    taken = await states.seats_taken(cls["id"])
    for out in outcomes:
        if out.has_error:
            continue
        out.enrolment_status = states.arrival_status(taken, cls["capacity"])
        states.check_enrolment_move(None, out.enrolment_status, "enrol")
        if out.enrolment_status == "confirmed":
            taken += 1


async def _plan(cls: dict[str, Any], parsed: list[_Parsed], columns: dict[str, str], actor: Actor,
                progress: Progress | None) -> list[RowOutcome]:
    """Decide every row's outcome (reads only): read what the file may refer to once, check each
    row against it, then give the valid rows their seats."""
    look = await _load_lookups(cls, parsed, actor)
    seen = _SeenInFile()
    outcomes: list[RowOutcome] = []
    total = len(parsed)
    for position, item in enumerate(parsed, start=1):
        if progress and (position % 500 == 0 or position == total):
            progress("check", position, total)
        outcomes.append(await _check_row(item, cls, look, seen, columns, actor))
    await _assign_seats(cls, outcomes)
    return outcomes


async def insert_many(table, objects: list, progress: Progress | None, stage: str) -> list[int]:
    """Insert rows many at a time; their new ids in the order given."""
    ids: list[int] = []
    for chunk in chunks(objects):
        try:
            returned = await table.insert(*chunk).returning(table._meta.primary_key).run()
        except Exception as exc:
            name = type(exc).__name__
            if "Integrity" in name or "Unique" in name or "ForeignKey" in name:
                raise Conflict.single("conflict", N_("This conflicts with an existing row; reload and try again."),
                                      http_status=409) from exc
            raise
        ids.extend(sorted(r["id"] for r in returned))  # serial ids follow the VALUES order
        if progress:
            progress(stage, len(ids), len(objects))
    return ids


async def _apply(cls: dict[str, Any], result: RosterResult, org_names: dict[str, str], actor: Actor,
                 progress: Progress | None) -> None:
    outcomes = result.rows
    org_ids: dict[str, int] = {}
    for key, name in org_names.items():
        row = next(o for o in outcomes if o.new_org == key and o.status == "new")
        org = await create_row(Organisation, {"name": name, "kind": guess_kind(name),
                                              "province": row.values["province"]}, actor)
        org_ids[key] = org["id"]
        result.new_organisations.append(name)
    new = [o for o in outcomes if o.status == "new"]
    for o in new:
        if o.new_org:
            o.values["organisation"] = org_ids[o.new_org]
    people = [{k: v for k, v in o.values.items() if k != "id"} for o in new]
    ids = await insert_many(Person, [Person(**p) for p in people], progress, "people")
    for o, person_id, data in zip(new, ids, people, strict=True):
        o.person_id = person_id
        data["id"] = person_id
    await audit_rows(actor, "create", Person, people)

    start = dt.datetime.now(dt.UTC)
    enrolments = []
    for position, o in enumerate(outcomes):
        enrolments.append({"training_class": cls["id"], "person": o.person_id, "status": o.enrolment_status,
                           "score": None, "classification": None,
                           # one microsecond apart: the waitlist keeps the order of the file
                           "enrolled_at": start + dt.timedelta(microseconds=position)})
    ids = await insert_many(Enrolment, [Enrolment(**e) for e in enrolments], progress, "enrolments")
    for data, enrolment_id in zip(enrolments, ids, strict=True):
        data["id"] = enrolment_id
    await audit_rows(actor, "create", Enrolment, enrolments)
    counts = result.counts
    await audit_rows(actor, "import", TrainingClass, [{
        "id": cls["id"], "file": result.filename, "rows": counts["total"], "new_people": counts["new"],
        "existing_people": counts["existing"] + counts["possible_duplicate"],
        "confirmed": counts["confirmed"], "waitlisted": counts["waitlisted"],
        "new_organisations": result.new_organisations}])


async def import_roster(class_id: int, filename: str, content: bytes, actor: Actor, commit: bool = False,
                        progress: Progress | None = None) -> RosterResult:
    """Check (dry run) or import (``commit=True``, all or nothing) a roster file into a class."""
    cls = await visible_row(TrainingClass, class_id, actor)
    check_table_access(Person, actor, write=True)
    check_table_access(Enrolment, actor, write=True)
    _check_open(cls)

    rows = read_rows(filename, content)
    found = find_header(rows, header_field, ("full_name", "given_name"))
    if found is None:
        first = next(((n, c) for n, c in rows if not all(is_blank(x) for x in c)), None)
        if first is None:
            raise _file_error("file_empty", N_("The file {name} is empty."), 422, name=filename)
        mapping = {}
        for col, value in enumerate(first[1]):
            name = header_field(value)
            if name and name not in mapping:
                mapping[name] = col
        header_index = rows.index(first)
        header_cells = first[1]
    else:
        header_index, header_cells, mapping = found
    header_row = rows[header_index][0]
    present = set(mapping) | ({"full_name"} if {"family_middle", "given_name"} <= set(mapping) else set())
    missing = [name for name in REQUIRED if name not in present]
    if missing:
        raise DomainError.single(
            "roster_missing_columns",
            N_("The file lacks the required column(s): {columns} (header row {row}). Required: {required}."),
            http_status=422, columns=", ".join(field_label(n) for n in missing), row=header_row,
            required=", ".join(field_label(n) for n in REQUIRED))
    data_rows = [(n, c) for n, c in rows[header_index + 1:] if not all(is_blank(x) for x in c)]
    if not data_rows:
        raise DomainError.single("roster_no_rows", N_(
            "The file has a header row (row {row}) but no learners under it."), http_status=422,
            row=header_row)

    columns = column_names(header_cells, mapping)
    all_columns = {col: f"{column_letter(col)} ({clean_text(str(v))})" if not is_blank(v) else column_letter(col)
                   for col, v in enumerate(header_cells)}
    ignored = [clean_text(str(v)) for col, v in enumerate(header_cells)
               if not is_blank(v) and col not in mapping.values() and fold(v) not in ("stt", "tt", "so tt", "ghi chu")]
    parsed = [parse_row(n, c, mapping, columns, all_columns) for n, c in data_rows]
    result = RosterResult(class_id=class_id, class_code=cls["code"], filename=filename, header_row=header_row,
                          ignored_columns=[c for c in ignored if c])

    if not commit:
        async with engine().transaction():  # one connection for all the reads
            result.rows = await _plan(cls, parsed, columns, actor, progress)
        return result

    async with write_transaction():
        await lock_row(TrainingClass, class_id)
        cls = await TrainingClass.select().where(TrainingClass.id == class_id).first().run()
        _check_open(cls)
        result.rows = await _plan(cls, parsed, columns, actor, progress)
        if result.has_errors:
            raise RosterError(result)
        org_names = {o.new_org: o.new_org_name for o in result.rows if o.new_org and o.status == "new"}
        await _apply(cls, result, org_names, actor, progress)
    result.committed = True
    return result


def _check_open(cls: dict[str, Any]) -> None:
    if cls["status"] != "open":
        raise Conflict.single("class_not_open",
                              N_("Class {code} is not open for enrolment (its status is {status})."),
                              "training_class", code=cls["code"], status=states.status_label(cls["status"]))


# --- the errors as a workbook ----------------------------------------------------------------

def errors_xlsx(result: RosterResult, language: str | None = None) -> bytes:
    """Every error (then every warning) of a roster check as an Excel workbook, in Vietnamese by default."""
    from openpyxl.styles import Alignment, Font

    book = XlsxBook(_(N_("Errors"), language=language))
    sheet = book.sheet
    book.append([_(N_("Errors in the roster {file} for class {code}"), language=language,
                   file=result.filename, code=result.class_code)])
    sheet["A1"].font = Font(bold=True, size=13)
    headers = [_(N_("Row number"), language=language), _(N_("Column"), language=language),
               _(N_("Full name"), language=language), _(N_("Kind"), language=language),
               _(N_("Reason"), language=language)]
    book.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    error_word, warning_word = _(N_("Error"), language=language), _(N_("Warning"), language=language)
    for level in ("error", "warning"):
        for row in result.rows:
            for issue in row.issues:
                if issue.level == level:
                    book.append([row.row, issue.where(language), row.full_name,
                                 error_word if level == "error" else warning_word, issue.reason(language)])
    for letter, width in zip("ABCDE", (8, 24, 28, 12, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    for cells in sheet.iter_rows(min_row=3, min_col=5, max_col=5):
        cells[0].alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A3"
    return book.to_bytes()

