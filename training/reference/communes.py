"""The statistics office's commune list import (code, name, province): every row saved or none.
It follows the staff import's rules and shares its result types and header finder
(``training.people.staff``) and the spreadsheet reader and cell parsers (``training.spreadsheets.reading``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from training.auth.access import Actor
from training.core.db import write_transaction
from training.core.errors import DomainError, PermissionDenied
from training.core.i18n import N_
from training.core.labels import field_label
from training.core.metrics import record_import
from training.core.text import clean_text
from training.people.staff import ImportError_, ImportResult, ImportRow, file_header
from training.records.audit import audit_rows
from training.reference.province_names import find_province, province_index
from training.reference.tables import Commune, LegacyProvince, Province
from training.spreadsheets.importing import Issue, Progress, insert_many
from training.spreadsheets.reading import cell_text, column_letter, digits_cell, fold, is_blank, read_rows

# --- communes ----------------------------------------------------------------------------------

COMMUNE_ALIASES: dict[str, list[str]] = {
    "code": ["ma", "ma xa", "ma phuong xa", "ma xa phuong", "ma dvhc", "ma don vi hanh chinh", "ma don vi", "code"],
    "name": ["ten", "ten xa", "ten phuong xa", "ten xa phuong", "ten dvhc", "ten don vi hanh chinh", "xa phuong",
             "ten don vi", "name"],
    "province": ["tinh", "tinh thanh pho", "tinh thanh", "ten tinh", "ten tinh thanh pho", "ma tinh", "ma tp",
                 "ma tinh thanh pho", "province"],
    "kind": ["cap", "loai", "kind", "cap hanh chinh"],
}
_COMMUNE_INDEX = {alias: name for name, aliases in COMMUNE_ALIASES.items() for alias in aliases}


def commune_header(value: Any) -> str | None:
    if value is None:
        return None
    key = fold(str(value))
    found = _COMMUNE_INDEX.get(key)
    if found == "province" and key.startswith("ma"):
        return "province_code"
    return found


def _commune_province(raw_code: Any, raw_name: Any, by_code: dict[str, int], pindex: Any,
                      err: Callable[..., None]) -> int | None:
    """A commune row's 2025 province: by its code column if filled, else by its name (or code) in
    the province column."""
    if not is_blank(raw_code):
        pcode, _w = digits_cell(raw_code)
        province = by_code.get((pcode or "").zfill(2))
        if province is None:
            err("province", "province_unknown", N_("There is no province with code {code}."), code=pcode)
        return province
    if not is_blank(raw_name):
        text = cell_text(raw_name) or ""
        found = find_province(text, pindex) if not text.isdigit() else None
        province = found[0] if found else by_code.get(text.zfill(2)) if text.isdigit() else None
        if province is None:
            err("province", "province_unknown",
                N_("\"{value}\" is not a province (neither one of 2025 nor one before 2025)"), value=text)
        return province
    err("province", "required", N_("is required"))
    return None


async def _apply_communes(result: ImportResult, actor: Actor, progress: Progress | None) -> None:
    """Insert the new communes and rename the changed ones, with their audit entries."""
    new = [r for r in result.rows if r.status == "new"]
    ids = await insert_many(Commune, [Commune(**r.values) for r in new], progress, "communes")
    for r, commune_id in zip(new, ids, strict=True):
        r.record_id = commune_id
    await audit_rows(actor, "create", Commune, [{"id": r.record_id, **r.values} for r in new])
    for r in (r for r in result.rows if r.status == "updated"):
        await Commune.update({getattr(Commune, k): v for k, v in r.changes.items()}).where(
            Commune.id == r.record_id).run()
    await audit_rows(actor, "update", Commune, [{"id": r.record_id, **r.changes} for r in result.rows
                                                    if r.status == "updated"])


async def import_communes(filename: str, content: bytes, actor: Actor, commit: bool = False,
                          progress: Progress | None = None) -> ImportResult:
    """The statistics office's commune list (code, name, province): new communes added, names updated."""
    if not actor.is_coordinator:
        raise PermissionDenied.single("forbidden", N_("Only training coordinators can import the commune list."))
    rows = read_rows(filename, content)
    index, header_cells, mapping = file_header(rows, commune_header, ("code",), ["code", "name"], filename)
    if "province" not in mapping and "province_code" not in mapping:
        raise DomainError.single("import_missing_columns", N_(
            "The file lacks the required column(s): {columns} (header row {row}). Required: {required}."),
            http_status=422, columns=field_label("province"), row=rows[index][0],
            required=", ".join(field_label(n) for n in ("code", "name", "province")))
    header_row = rows[index][0]
    columns = {name: f"{column_letter(col)} ({clean_text(str(header_cells[col]))})" for name, col in mapping.items()}
    columns.setdefault("province", columns.get("province_code", ""))
    provinces = await Province.select(Province.id, Province.code, Province.name).run()
    legacy = await LegacyProvince.select(LegacyProvince.id, LegacyProvince.name, LegacyProvince.province).run()
    pindex = province_index(provinces, legacy)
    by_code = {p["code"]: p["id"] for p in provinces}
    result = ImportResult(kind="communes", filename=filename, header_row=header_row)

    def cell(cells, name):
        col = mapping.get(name)
        return cells[col] if col is not None and col < len(cells) else None

    async def plan() -> None:
        existing = {c["code"]: c for c in await Commune.select().run()}
        seen: dict[str, int] = {}
        data_rows = [(n, c) for n, c in rows[index + 1:] if not all(is_blank(x) for x in c)]
        for position, (number, cells) in enumerate(data_rows, start=1):
            if progress and (position % 1000 == 0 or position == len(data_rows)):
                progress("check", position, len(data_rows))
            raw_code, _w = digits_cell(cell(cells, "code"))
            name = cell_text(cell(cells, "name"))
            row = ImportRow(row=number, label=name or "")
            result.rows.append(row)

            def err(fld, code, msgid, /, _row=row, **params):
                _row.issues.append(Issue("error", code, msgid, params, fld, columns.get(fld)))

            code = raw_code.zfill(5) if raw_code and raw_code.isdigit() and len(raw_code) <= 5 else None
            if not raw_code:
                err("code", "required", N_("is required"))
            elif code is None:
                err("code", "commune_code", N_("\"{value}\" is not a commune code (up to 5 digits)"), value=raw_code)
            if not name:
                err("name", "required", N_("is required"))
            province = _commune_province(cell(cells, "province_code"), cell(cells, "province"), by_code, pindex, err)
            if code and code in seen:
                err("code", "duplicate_in_file", N_("the same code is already on row {other} of this file"),
                    other=seen[code])
            elif code:
                seen[code] = number
            if row.has_error:
                row.status = "error"
                continue
            row.values = {"code": code, "name": name, "province": province}
            current = existing.get(code)
            if current is None:
                row.status = "new"
            else:
                row.record_id = current["id"]
                row.changes = {k: v for k, v in row.values.items() if current[k] != v}
                row.status = "updated" if row.changes else "unchanged"

    if not commit:
        await plan()
        return result
    async with write_transaction():
        await plan()
        if result.has_errors:
            raise ImportError_(result)
        await _apply_communes(result, actor, progress)
    result.committed = True
    record_import("communes")
    return result
