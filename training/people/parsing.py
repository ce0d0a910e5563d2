"""A person read from one spreadsheet row: the columns we recognise and how their cells become values.

Used by the class roster import and the staff registry import. Headers are recognised without regard
to case, accents, spaces or a trailing "(*)" (``HEADER_ALIASES``); ``parse_row`` checks a row on its own,
without the database: formulas, dates, sex, staff category, required fields, citizen ID and phone
(Excel's dropped leading zero restored, with a warning).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from training.core.i18n import N_
from training.core.text import clean_text
from training.records.validation import cccd_errors
from training.spreadsheets.importing import Issue
from training.spreadsheets.reading import CellError, cell_text, column_letter, digits_cell, fold, parse_date

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
                     "don vi co quan", "co quan don vi cong tac", "don vi co quan cong tac",
                     "ten don vi", "ten co quan", "organisation", "organization"],
    "staff_category": ["loai can bo", "loai", "doi tuong", "loai doi tuong", "nhom doi tuong", "loai can bo cong chuc",
                       "chuc danh loai can bo", "loai can bo chuc danh",
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


def header_field(value: Any) -> str | None:
    """The field a header cell names ("Họ và tên (*)" → full_name), or None."""
    if value is None:
        return None
    text = re.sub(r"\([^)]*\)", " ", str(value)).replace("*", " ")
    return _ALIAS_INDEX.get(fold(text))


@dataclass
class ParsedRow:
    """One data row's values, checked on their own; the organisation and province as written."""

    row: int
    values: dict[str, Any]
    issues: list[Issue]
    org_name: str | None = None
    province_text: str | None = None
    cccd_restored: str | None = None  # the citizen ID with the leading zeros Excel lost put back


def column_names(header: list[Any], mapping: dict[str, int]) -> dict[str, str]:
    """Field → how its column is named in messages: "C (Họ và tên)"."""
    names = {name: f"{column_letter(col)} ({clean_text(str(header[col]))})" for name, col in mapping.items()}
    if "full_name" not in mapping and "family_middle" in mapping and "given_name" in mapping:
        a, b = mapping["family_middle"], mapping["given_name"]
        names["full_name"] = (f"{column_letter(a)}–{column_letter(b)} ({clean_text(str(header[a]))}, "
                              f"{clean_text(str(header[b]))})")
    return names


def _parse_citizen_id_and_phone(raw_cccd: Any, raw_phone: Any, has_phone: bool, values: dict[str, Any],
                                issues: list[Issue], columns: dict[str, str], err: Callable[..., None]) -> str | None:
    """The citizen ID and phone of a row into ``values``: Excel's dropped leading zeros restored (a
    warning), the ID checked against the date of birth and sex already parsed. Returns the restored
    citizen ID, if one was restored."""
    try:
        cccd, was_number = digits_cell(raw_cccd)
    except CellError as exc:
        cccd, was_number = None, False
        err("citizen_id", exc.code, exc.msgid, **exc.params)
    restored = restore_cccd_zeros(cccd, values["date_of_birth"], values["sex"])
    if restored is not None:
        issues.append(Issue("warning", "cccd_zero_restored", N_(
            "Excel had dropped the leading zero of the citizen ID ({count} zero(s)); added the zero(s) at the "
            "start, restored as {value}: check it against the card"),
            {"value": restored, "count": len(restored) - len(cccd or "")}, "citizen_id", columns.get("citizen_id")))
        cccd = restored
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
    return restored


def restore_cccd_zeros(cccd: str | None, date_of_birth: Any, sex: str | None) -> str | None:
    """The 12-digit CCCD a 10- or 11-digit one was before Excel dropped its leading zeros (every CCCD
    starts with 0; codes 001–009 start with 00), or None when none was lost or when putting the zeros
    back would not make a valid CCCD (for this date of birth and sex): then the row keeps its error."""
    if not cccd or not cccd.isdigit() or len(cccd) not in (10, 11):
        return None
    candidate = cccd.zfill(12)
    return None if cccd_errors(candidate, date_of_birth, sex) else candidate


def parse_row(number: int, cells: list[Any], mapping: dict[str, int], columns: dict[str, str],
               all_columns: dict[int, str]) -> ParsedRow:
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

    restored = _parse_citizen_id_and_phone(cell("citizen_id"), cell("phone"), mapping.get("phone") is not None,
                                           values, issues, columns, err)
    return ParsedRow(number, values, issues, values.pop("organisation"), values.pop("province"), restored)
