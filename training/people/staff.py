"""Staff registry import (each province's social-work staff list); the commune list import, which shares
its result types and header finder, is ``training.reference.communes``.

It follows the roster import's rules and reuse its reader and cell parsers (``training.classes.roster``):
XLSX or CSV (BOM, comma or semicolon), tolerant Vietnamese headers, dd/mm/yyyy dates, pre-2025 province
names, an 11-digit CCCD that lost its leading zero; a dry run says what would happen to every row
(numbered as in the spreadsheet); a commit saves everything in one transaction, or nothing.

Staff rows are matched by citizen ID, else by name + date of birth in the same province; a match is
updated (category, organisation, commune, active period, phone, email), anything else is a new person.
``Ngày bắt đầu`` / ``Ngày nghỉ`` (active from / to) decide who counts on a date: a person who left stops
counting. A person cannot be in two provinces at once: the same person twice in the file for two
provinces over overlapping periods, or a person still active in another province, is an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from training.auth.access import Actor, cccd_refused, check_table_access
from training.core.db import chunks, engine, write_transaction
from training.core.enums import OrganisationKind, label
from training.core.errors import DomainError
from training.core.i18n import N_, _
from training.core.labels import field_label
from training.core.metrics import record_import
from training.core.text import clean_text
from training.coverage import facts
from training.people.matching import guess_kind, org_key, person_name_key
from training.people.parsing import column_names, header_field, parse_row
from training.people.tables import Organisation, Person
from training.records.audit import audit_rows
from training.records.rows import create_row
from training.records.validation import clean, formula_errors
from training.reference.province_names import find_province, province_index
from training.reference.tables import Commune, LegacyProvince, Province
from training.spreadsheets.importing import Issue, Progress, RowCheck, file_row_errors, insert_many
from training.spreadsheets.reading import (
    CellError,
    cell_text,
    column_letter,
    find_header,
    fold,
    is_blank,
    parse_date,
    read_rows,
)

STAFF_EXTRA: dict[str, list[str]] = {
    "active_from": ["ngay bat dau", "tu ngay", "ngay vao lam", "bat dau cong tac", "ngay bat dau cong tac",
                    "ngay bat dau lam viec", "ngay tuyen dung", "active from", "start date"],
    "active_to": ["ngay nghi", "den ngay", "ngay ket thuc", "ngay nghi viec", "ngay thoi viec", "nghi tu ngay",
                  "ngay ket thuc cong tac", "active to", "end date", "left on"],
    "commune": ["xa phuong", "xa", "phuong", "xa phuong dac khu", "phuong xa", "ma xa", "ma xa phuong", "commune",
                "don vi hanh chinh cap xa"],
}
_STAFF_INDEX = {alias: name for name, aliases in STAFF_EXTRA.items() for alias in aliases}
STAFF_REQUIRED = ["full_name", "sex", "staff_category"]
UPDATABLE = ("staff_category", "organisation", "commune", "active_from", "active_to", "phone", "email")

STATUSES = {"new": N_("new person"), "updated": N_("updated"), "unchanged": N_("unchanged"), "error": N_("error")}


def staff_header(value: Any) -> str | None:
    if value is None:
        return None
    key = fold(str(value).replace("*", " "))
    return _STAFF_INDEX.get(key) or header_field(value)


@dataclass
class ImportRow:
    row: int
    label: str  # the person's name, or the commune's
    status: str = "new"
    record_id: int | None = None
    issues: list[Issue] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    changes: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def has_error(self) -> bool:
        return any(i.level == "error" for i in self.issues)

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {"row": self.row, "name": self.label, "status": self.status,
                "status_label": _(STATUSES[self.status], language=language), "id": self.record_id,
                "messages": [{"level": i.level, "code": i.code, "field": i.field, "column": i.column,
                              "message": i.reason(language), "text": i.text(self.row, language)}
                             for i in self.issues]}


@dataclass
class ImportResult:
    kind: str  # "staff" or "communes"
    filename: str
    header_row: int
    committed: bool = False
    rows: list[ImportRow] = field(default_factory=list)
    new_organisations: list[str] = field(default_factory=list)
    org_names: dict[tuple[int, str], str] = field(default_factory=dict, repr=False)

    @property
    def has_errors(self) -> bool:
        return any(r.has_error for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.rows), "new": 0, "updated": 0, "unchanged": 0, "error": 0, "warnings": 0}
        for r in self.rows:
            out[r.status] += 1
            out["warnings"] += sum(1 for i in r.issues if i.level == "warning")
        return out

    def error_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.has_error]

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {"kind": self.kind, "file": self.filename, "committed": self.committed, "header_row": self.header_row,
                **self.counts, "new_organisations": self.new_organisations,
                "rows": [r.to_dict(language) for r in self.rows]}


class ImportError_(DomainError):
    """A file with row errors: nothing was saved. The JSON error carries every row's outcome."""

    status = 422

    def __init__(self, result: ImportResult):
        self.result = result
        super().__init__(file_row_errors(result, "import_has_errors"))

    def payload(self, language: str | None = None) -> dict[str, Any]:
        body = super().payload(language)
        body["error"]["result"] = self.result.to_dict(language)
        return body


def file_header(rows, matcher, keys, required: list[str], filename: str) -> tuple[int, list[Any], dict[str, int]]:
    """The header row of an import file (index, cells, field → column), or the refusal naming what is missing."""
    found = find_header(rows, matcher, keys)
    if found is None:
        if not any(not all(is_blank(x) for x in c) for _n, c in rows):
            raise DomainError.single("file_empty", N_("The file {name} is empty."), http_status=422, name=filename)
        raise DomainError.single("import_no_header", N_(
            "No header row was found in the first rows of the file; required columns: {required}."),
            http_status=422, required=", ".join(field_label(n) for n in required))
    index, cells, mapping = found
    present = set(mapping) | ({"full_name"} if {"family_middle", "given_name"} <= set(mapping) else set())
    missing = [n for n in required if n not in present]
    if missing:
        raise DomainError.single(
            "import_missing_columns",
            N_("The file lacks the required column(s): {columns} (header row {row}). Required: {required}."),
            http_status=422, columns=", ".join(field_label(n) for n in missing), row=rows[index][0],
            required=", ".join(field_label(n) for n in required))
    return index, cells, mapping


def _overlap(a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None, b_to: dt.date | None) -> bool:
    lo = dt.date.min
    hi = dt.date.max
    return (a_from or lo) <= (b_to or hi) and (b_from or lo) <= (a_to or hi)


def _period(start: dt.date | None, end: dt.date | None) -> str:
    a = start.strftime("%d/%m/%Y") if start else "…"
    b = end.strftime("%d/%m/%Y") if end else "…"
    return f"{a} – {b}"


# --- staff -------------------------------------------------------------------------------------

async def import_staff(filename: str, content: bytes, actor: Actor, commit: bool = False,
                       progress: Progress | None = None) -> ImportResult:
    """Check (dry run) or import (``commit=True``, all or nothing) a staff registry file."""
    check_table_access(Person, actor, write=True)
    rows = read_rows(filename, content)
    index, header_cells, mapping = file_header(rows, staff_header, ("full_name", "given_name"), STAFF_REQUIRED,
                                               filename)
    header_row = rows[index][0]
    data_rows = [(n, c) for n, c in rows[index + 1:] if not all(is_blank(x) for x in c)]
    if not data_rows:
        raise DomainError.single("import_no_rows", N_("The file has a header row (row {row}) but no rows under it."),
                                 http_status=422, row=header_row)
    columns = column_names(header_cells, mapping)
    all_columns = {col: f"{column_letter(col)} ({clean_text(str(v))})" if not is_blank(v)
                   else column_letter(col) for col, v in enumerate(header_cells)}
    roster_mapping = {k: v for k, v in mapping.items() if k not in STAFF_EXTRA}
    parsed = []
    for number, cells in data_rows:
        item = parse_row(number, cells, roster_mapping, columns, all_columns)
        extra: dict[str, Any] = {}
        for name in ("active_from", "active_to"):
            col = mapping.get(name)
            try:
                extra[name] = parse_date(cells[col]) if col is not None and col < len(cells) else None
            except CellError as exc:
                extra[name] = None
                item.issues.append(Issue("error", exc.code, exc.msgid, exc.params, name, columns.get(name)))
        col = mapping.get("commune")
        extra["commune"] = cell_text(cells[col]) if col is not None and col < len(cells) else None
        parsed.append((item, extra))
    result = ImportResult(kind="staff", filename=filename, header_row=header_row)
    if not commit:
        async with engine().transaction():
            result.rows, result.org_names = await _plan_staff(parsed, columns, actor, progress)
        return result
    async with write_transaction():
        result.rows, result.org_names = await _plan_staff(parsed, columns, actor, progress)
        if result.has_errors:
            raise ImportError_(result)
        await _apply_staff(result, actor, progress)
    result.committed = True
    record_import("staff")
    return result


@dataclass
class _StaffLookups:
    """What the staff check reads once for the whole file."""

    pindex: Any
    province_names: dict[int, str]
    communes: dict[tuple[int, str], int]  # (province id, folded name with and without "xã"/"phường") -> id
    commune_codes: dict[str, tuple[int, int]]  # code -> (id, province id)
    orgs: dict[tuple[int | None, str], int]  # (province id, org_key of the name) -> id
    by_cccd: dict[str, dict]
    by_name: dict[tuple[str, dt.date, int], dict]  # people without a citizen ID: (name key, birth, province)
    defaults: dict[str, Any]  # a new Person's default values


@dataclass
class _StaffSeen:
    """The rows already checked: person key -> (row, province, period), and the new organisations."""

    people: dict[str, tuple[int, int, dt.date | None, dt.date | None]] = field(default_factory=dict)
    new_orgs: dict[tuple[int, str], str] = field(default_factory=dict)


async def _commune_index() -> tuple[dict[tuple[int, str], int], dict[str, tuple[int, int]]]:
    """Communes by (province, folded name, also without its "xã"/"phường" word) and by code."""
    communes: dict[tuple[int, str], int] = {}
    commune_codes: dict[str, tuple[int, int]] = {}
    for c in await Commune.select(Commune.id, Commune.code, Commune.name, Commune.province).run():
        commune_codes[c["code"]] = (c["id"], c["province"])
        folded = fold(c["name"])
        communes[(c["province"], folded)] = c["id"]
        for prefix in ("xa ", "phuong ", "dac khu ", "thi tran "):
            if folded.startswith(prefix):
                communes.setdefault((c["province"], folded[len(prefix):]), c["id"])
    return communes, commune_codes


async def _stored_staff(parsed) -> tuple[dict[str, dict], dict[tuple[str, dt.date, int], dict]]:
    """The stored people the file may name: by citizen ID, and (those without one) by name, birth
    and province."""
    cols = (Person.id, Person.full_name, Person.date_of_birth, Person.citizen_id, Person.province,
            Person.staff_category, Person.organisation, Person.commune, Person.active_from, Person.active_to,
            Person.phone, Person.email, Person.legacy_province)
    cccds = sorted({i.values["citizen_id"] for i, _x in parsed if i.values.get("citizen_id")})
    by_cccd: dict[str, dict] = {}
    for chunk in chunks(cccds):
        for p in await Person.select(*cols).where(Person.citizen_id.is_in(chunk)).run():
            by_cccd[p["citizen_id"]] = p
    plain = sorted({i.values["full_name"] for i, _x in parsed if i.values.get("full_name")
                    and not i.values.get("citizen_id") and i.values.get("date_of_birth")})
    by_name: dict[tuple[str, dt.date, int], dict] = {}
    for chunk in chunks(plain):
        for p in await Person.select(*cols).where(Person.full_name.is_in(chunk) & Person.citizen_id.is_null()).run():
            by_name.setdefault((person_name_key(p["full_name"]), p["date_of_birth"], p["province"]), p)
    return by_cccd, by_name


async def _load_staff_lookups(parsed) -> _StaffLookups:
    """Read, once for the whole file, everything the row checks need."""
    provinces = await Province.select(Province.id, Province.name).run()
    legacy = await LegacyProvince.select(LegacyProvince.id, LegacyProvince.name, LegacyProvince.province).run()
    communes, commune_codes = await _commune_index()
    orgs: dict[tuple[int | None, str], int] = {}
    for o in await Organisation.select(Organisation.id, Organisation.name, Organisation.province).run():
        orgs.setdefault((o["province"], org_key(o["name"])), o["id"])
    by_cccd, by_name = await _stored_staff(parsed)
    blank = Person(_ignore_missing=True)
    return _StaffLookups(
        pindex=province_index(provinces, legacy), province_names={r["id"]: r["name"] for r in provinces},
        communes=communes, commune_codes=commune_codes, orgs=orgs, by_cccd=by_cccd, by_name=by_name,
        defaults={c._meta.name: getattr(blank, c._meta.name) for c in Person._meta.columns if c._meta.name != "id"})


def _staff_province(item, look: _StaffLookups, actor: Actor, check: RowCheck) -> tuple[int | None, int | None]:
    """The row's (2025 province id, legacy province id): the file's, else the department's own;
    a department may only name its own."""
    province, legacy_id = (actor.province_id if actor.is_department else None), None
    if item.province_text:
        found = find_province(item.province_text, look.pindex)
        if found is None:
            check.err("province", "province_unknown",
                      N_("\"{value}\" is not a province (neither one of 2025 nor one before 2025)"),
                      value=item.province_text)
        else:
            province, legacy_id = found
    elif province is None:
        check.err("province", "required", N_("is required"))
    if actor.is_department and province is not None and province != actor.province_id:
        check.err("province", "person_other_province_new", N_(
            "you can only add people of your own province; {province} is another province"),
            province=look.province_names.get(province, ""))
    return province, legacy_id


def _staff_commune(text: str | None, province: int | None, look: _StaffLookups, check: RowCheck) -> int | None:
    """The commune the row names (by code or by name) within its province."""
    if not text or province is None:
        return None
    digits = text.strip()
    if digits.isdigit():
        found = look.commune_codes.get(digits.zfill(5))
        commune_id = found[0] if found is not None and found[1] == province else None
    else:
        commune_id = look.communes.get((province, fold(text)))
    if commune_id is None:
        check.err("commune", "commune_unknown", N_("\"{value}\" is not a commune of {province}"),
                  value=text, province=look.province_names.get(province, ""))
    return commune_id


def _check_staff_duplicates(item, province: int | None, start, end, look: _StaffLookups, seen: _StaffSeen,
                            check: RowCheck) -> None:
    """The same person twice in the file: for two provinces over overlapping periods, or simply twice."""
    values = item.values
    cccd, dob = values.get("citizen_id"), values.get("date_of_birth")
    key = f"c:{cccd}" if cccd else (f"n:{person_name_key(values.get('full_name'))}:{dob}" if dob else None)
    if key and key in seen.people and province is not None:
        other_row, other_province, other_start, other_end = seen.people[key]
        if other_province != province and _overlap(start, end, other_start, other_end):
            check.err("province", "two_provinces", N_(
                "this person is also on row {other} for {province} over an overlapping period: a person "
                "cannot work in two provinces at once"), other=other_row,
                province=look.province_names.get(other_province, ""))
        else:
            check.err("citizen_id" if cccd else "full_name", "duplicate_in_file",
                      N_("the same person is already on row {other} of this file"), other=other_row)
    elif key and province is not None:
        seen.people[key] = (item.row, province, start, end)


def _match_staff_person(values: dict[str, Any], province: int | None, start, end, look: _StaffLookups,
                        actor: Actor, check: RowCheck) -> dict | None:
    """The stored person of the row (by citizen ID, else by name, birth and province); someone
    recorded in another province is refused (department), active there (error) or moving (warning)."""
    cccd, dob = values.get("citizen_id"), values.get("date_of_birth")
    person = look.by_cccd.get(cccd) if cccd else (
        look.by_name.get((person_name_key(values.get("full_name")), dob, province)) if dob and province else None)
    if person is not None and province is not None and person["province"] != province:
        elsewhere = look.province_names.get(person["province"], "")
        if actor.is_department:
            refused = cccd_refused()  # says nothing of where the ID is recorded (no enumeration)
            check.err(refused.field, refused.code, refused.message)
        elif _overlap(start, end, person["active_from"], person["active_to"]):
            check.err("province", "active_elsewhere", N_(
                "{name} is active in {province} ({period}): a person cannot work in two provinces at once; "
                "record the end date there first"), name=person["full_name"], province=elsewhere,
                period=_period(person["active_from"], person["active_to"]))
        else:
            check.warn("province", "moves_province", N_("{name} moves from {province} to this province"),
                       name=person["full_name"], province=elsewhere)
    return person


def _staff_organisation(item, province: int | None, look: _StaffLookups, seen: _StaffSeen,
                        check: RowCheck) -> int | None:
    """The organisation the row names (in its province, else national); an unknown one is marked to
    be created (``changes["_new_org"]``)."""
    if not item.org_name or province is None:
        return None
    okey = org_key(item.org_name)
    org_id = look.orgs.get((province, okey)) or look.orgs.get((None, okey))
    if org_id is None and (province, okey) not in seen.new_orgs:
        seen.new_orgs[(province, okey)] = item.org_name
        check.warn("organisation", "organisation_new", N_(
            "the organisation \"{name}\" is not in the system yet; it will be created (kind: {kind}), "
            "check it afterwards"), name=item.org_name, kind=label(OrganisationKind, guess_kind(item.org_name)))
    if org_id is None:
        check.out.changes["_new_org"] = (province, okey)
        for e in formula_errors(item.org_name, "organisation"):
            check.err("organisation", e.code, e.message, **e.params)
    return org_id


def _plan_update(row: ImportRow, person: dict, fresh: dict[str, Any], province: int, legacy_id: int | None,
                 cccd: str | None) -> None:
    """A stored person: the changes the row brings (none: unchanged)."""
    row.record_id = person["id"]
    changes = {k: v for k, v in fresh.items() if v is not None and person.get(k) != v
               and (k != "organisation" or v is not None)}
    if "_new_org" in row.changes:
        changes["organisation"] = None
    if person["province"] != province:
        changes["province"] = province
        changes["legacy_province"] = legacy_id
    if cccd and person.get("legacy_province") is None and legacy_id and person["province"] == province:
        changes["legacy_province"] = legacy_id
    row.changes = {**row.changes, **changes}
    row.status = "updated" if changes else "unchanged"


async def _plan_new_staff(row: ImportRow, values: dict[str, Any], fresh: dict[str, Any], legacy_id: int | None,
                          look: _StaffLookups, columns: dict[str, str]) -> None:
    """A new person: every rule of ``validation.clean`` (the citizen ID and legacy province were
    checked for the whole file and are put back after cleaning)."""
    data = {**look.defaults, **values, **fresh, "citizen_id": None, "legacy_province": None}
    try:
        row.values = {**await clean(Person, data), "citizen_id": values.get("citizen_id"),
                      "legacy_province": legacy_id}
    except DomainError as exc:
        for e in exc.errors:
            row.issues.append(Issue("error", e.code, e.message, dict(e.params), e.field,
                                    columns.get(e.field or "")))
        row.status = "error"


async def _check_staff_row(item, extra: dict[str, Any], look: _StaffLookups, seen: _StaffSeen,
                           columns: dict[str, str], actor: Actor) -> ImportRow:
    """One row's outcome: province, period, commune, duplicates, the stored person it matches and
    the organisation; then the changes to that person, or the new person."""
    values = item.values
    row = ImportRow(row=item.row, label=values.get("full_name") or "", issues=list(item.issues))
    check = RowCheck(row, columns)
    province, legacy_id = _staff_province(item, look, actor, check)
    start, end = extra["active_from"], extra["active_to"]
    if start and end and end < start:
        check.err("active_to", "end_before_start", N_("must not be before {start} ({start_value})"),
                  start=field_label("active_from"), start_value=start.strftime("%d/%m/%Y"))
    commune_id = _staff_commune(extra["commune"], province, look, check)
    _check_staff_duplicates(item, province, start, end, look, seen, check)
    person = _match_staff_person(values, province, start, end, look, actor, check)
    org_id = _staff_organisation(item, province, look, seen, check)
    if row.has_error:
        row.status = "error"
        return row
    fresh = {"staff_category": values["staff_category"], "organisation": org_id, "commune": commune_id,
             "active_from": start, "active_to": end, "phone": values.get("phone"), "email": values.get("email"),
             "province": province}
    if person is not None:
        _plan_update(row, person, fresh, province, legacy_id, values.get("citizen_id"))
    else:
        await _plan_new_staff(row, values, fresh, legacy_id, look, columns)
    return row


async def _plan_staff(parsed, columns: dict[str, str], actor: Actor, progress: Progress | None
                      ) -> tuple[list[ImportRow], dict[tuple[int, str], str]]:
    """Decide every row's outcome (reads only); also the new organisations, by (province, folded name)."""
    look = await _load_staff_lookups(parsed)
    seen = _StaffSeen()
    out: list[ImportRow] = []
    total = len(parsed)
    for position, (item, extra) in enumerate(parsed, start=1):
        if progress and (position % 1000 == 0 or position == total):
            progress("check", position, total)
        out.append(await _check_staff_row(item, extra, look, seen, columns, actor))
    return out, seen.new_orgs


async def _apply_staff(result: ImportResult, actor: Actor, progress: Progress | None) -> None:
    org_ids: dict[tuple[int, str], int] = {}
    for row in result.rows:
        key = row.changes.pop("_new_org", None) if row.changes else None
        if key is None:
            continue
        if key not in org_ids:
            name = result.org_names[key]
            org = await create_row(Organisation, {"name": name, "kind": guess_kind(name), "province": key[0]},
                                   actor)
            org_ids[key] = org["id"]
            result.new_organisations.append(org["name"])
        if row.status == "new":
            row.values["organisation"] = org_ids[key]
        else:
            row.changes["organisation"] = org_ids[key]
    new = [r for r in result.rows if r.status == "new"]
    people = [{k: v for k, v in r.values.items() if k != "id"} for r in new]
    ids = await insert_many(Person, [Person(**p) for p in people], progress, "people")
    for r, person_id, data in zip(new, ids, people, strict=True):
        r.record_id = person_id
        data["id"] = person_id
    await audit_rows(actor, "create", Person, people)
    updated = [r for r in result.rows if r.status == "updated"]
    for position, r in enumerate(updated, start=1):
        await Person.update({getattr(Person, k): v for k, v in r.changes.items()}).where(
            Person.id == r.record_id).run()
        if progress and (position % 1000 == 0 or position == len(updated)):
            progress("updates", position, len(updated))
    await audit_rows(actor, "update", Person, [{"id": r.record_id, **r.changes} for r in updated])
    await facts.refresh_people(r.record_id for r in updated)
