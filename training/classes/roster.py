"""Roster import: a class's learners from an Excel workbook (.xlsx) or a CSV file.

A dry run (``commit=False``) reads and checks every row and says what would happen to each:
a new person, an existing person (same citizen ID), a possible duplicate (same name, date of
birth and organisation as a person without a citizen ID on record), or an error; and whether the
learner would be confirmed or waitlisted given the class's capacity. ``commit=True`` repeats the
checks inside one write transaction and saves everything (new organisations, people,
enrolments, audit log) or, if any row has an error, nothing at all. A save needs the ``fingerprint`` the
dry run of the same file (same class, same person) answered (``training.spreadsheets.importing``).

Rows are numbered as in the spreadsheet (the header is usually row 1, so the first learner is
row 2). Headers are recognised without regard to case, accents, spaces or a trailing "(*)".

Steps: read the file (``training.spreadsheets.reading``), parse each row on its own
(``training.people.parsing.parse_row``), plan (``_plan``: read what the file may refer to once, match
people with ``training.people.matching``, check each row, give seats), apply (``_apply``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from openpyxl.styles import Alignment, Font

from training.auth.access import Actor, check_table_access
from training.classes import notices, states
from training.classes.tables import CoursePrerequisite, Enrolment, TrainingClass
from training.classes.templates import EXAMPLE_CCCD
from training.core.db import chunks, engine, lock_row, write_transaction
from training.core.enums import EnrolmentStatus, OrganisationKind, label
from training.core.errors import Conflict, DomainError
from training.core.i18n import N_, _
from training.core.labels import field_label
from training.core.metrics import record_import
from training.core.text import clean_text
from training.people.matching import (
    existing_people,
    guess_kind,
    match_person,
    org_key,
    organisation_index,
    person_name_key,
)
from training.people.parsing import REQUIRED, ParsedRow, column_names, header_field, parse_row
from training.people.tables import Organisation, Person
from training.records.audit import audit_rows
from training.records.rows import create_row, visible_row
from training.records.validation import clean, formula_errors
from training.reference.province_names import find_province, province_index
from training.reference.tables import LegacyProvince, Province
from training.spreadsheets.importing import (
    Issue,
    Progress,
    RowCheck,
    dry_run_fingerprint,
    file_row_errors,
    insert_many,
    require_dry_run,
)
from training.spreadsheets.reading import column_letter, file_error, find_header, fold, is_blank, read_rows
from training.spreadsheets.writer import XlsxBook

# --- results ---------------------------------------------------------------------------------

ROW_STATUSES = {
    "new": N_("new person"),
    "existing": N_("existing person"),
    "possible_duplicate": N_("possible duplicate"),
    "error": N_("error"),
    "skipped": N_("already in the class, skipped"),
}


@dataclass
class RowOutcome:
    row: int
    full_name: str
    status: str = "new"
    person_id: int | None = None
    enrolment_status: str | None = None
    issues: list[Issue] = field(default_factory=list)
    citizen_id_restored: str | None = None  # the full CCCD after Excel's lost leading zeros were put back
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
            "citizen_id_restored": self.citizen_id_restored,
            "messages": [i.to_dict(self.row, language) for i in self.issues],
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
    fingerprint: str | None = None  # a dry run's proof that it checked this file (what the save must send)

    @property
    def has_errors(self) -> bool:
        return any(r.has_error for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        out = {"total": len(self.rows), "new": 0, "existing": 0, "possible_duplicate": 0, "error": 0,
               "skipped": 0, "warnings": 0, "confirmed": 0, "waitlisted": 0}
        for r in self.rows:
            out[r.status] += 1
            out["warnings"] += sum(1 for i in r.issues if i.level == "warning")
            if r.enrolment_status in ("confirmed", "waitlisted"):
                out[r.enrolment_status] += 1
        return out

    def error_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.has_error]

    def skipped_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.status == "skipped"]

    def notices(self, language: str | None = None) -> list[str]:
        """What the coordinator should know about the whole file: rows skipped, columns ignored."""
        out = []
        skipped = self.skipped_rows()
        if skipped:
            out.append(_(N_("{count} row(s) skipped (rows {rows}): these learners are already in the class; "
                            "the other rows are not affected."), language=language, count=len(skipped),
                         rows=", ".join(str(r) for r in skipped)))
        if self.ignored_columns:
            out.append(_(N_("Column(s) not recognised and ignored: {columns}. Rename a column if it holds "
                            "data to import."), language=language,
                         columns=", ".join(f"\"{c}\"" for c in self.ignored_columns)))
        return out

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {"class_id": self.class_id, "class_code": self.class_code, "file": self.filename,
                "committed": self.committed, "header_row": self.header_row, **self.counts,
                "skipped_rows": self.skipped_rows(), "notices": self.notices(language),
                "ignored_columns": self.ignored_columns, "new_organisations": self.new_organisations,
                "fingerprint": self.fingerprint, "rows": [r.to_dict(language) for r in self.rows]}


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


# --- checking the rows -----------------------------------------------------------------------

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
        """The organisation of this name (exact, then by ``org_key``: abbreviations written out), preferring
        one of ``province``, then a national one."""
        for key in (person_name_key(name), "~" + org_key(name)):
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

    cccd: dict[str, RowOutcome] = field(default_factory=dict)
    name_dob: dict[tuple[str, dt.date], RowOutcome] = field(default_factory=dict)
    person: dict[int, RowOutcome] = field(default_factory=dict)
    new_orgs: dict[str, str] = field(default_factory=dict)  # org_key -> name as first written


async def _completed_courses(person_ids: list[int]) -> dict[int, set[int]]:
    """Person id -> the courses they have completed."""
    completed: dict[int, set[int]] = {}
    for chunk in chunks(person_ids):
        for r in await Enrolment.select(Enrolment.person, Enrolment.training_class.course.as_alias("course")).where(
                Enrolment.person.is_in(chunk) & (Enrolment.status == "completed")).run():
            completed.setdefault(r["person"], set()).add(r["course"])
    return completed


async def _load_lookups(cls: dict[str, Any], parsed: list[ParsedRow], actor: Actor) -> _RosterLookups:
    """Read, once for the whole file, everything the row checks need."""
    provinces = await Province.select(Province.id, Province.name).run()
    legacy = await LegacyProvince.select(LegacyProvince.id, LegacyProvince.name, LegacyProvince.province).run()
    by_cccd, by_name_dob = await existing_people(parsed, actor)
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
        orgs_by_name=await organisation_index(actor), by_cccd=by_cccd, by_name_dob=by_name_dob,
        enrolled=enrolled, required=required, completed=completed,
        defaults={c._meta.name: getattr(blank, c._meta.name) for c in Person._meta.columns if c._meta.name != "id"})


def _row_province(item: ParsedRow, cls: dict[str, Any], look: _RosterLookups,
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


_ALSO_ON = {
    "citizen_id": N_("the same person is also on row(s) {other} of this file (same citizen ID)"),
    "full_name": N_("the same person is also on row(s) {other} of this file (same name and date of birth)"),
    None: N_("the same person is also on row(s) {other} of this file"),
}


def _flag_first(first: RowOutcome, fld: str | None, row: int, columns: dict[str, str]) -> None:
    """Both rows of a duplicate pair are flagged: the first row names every later row with the same person."""
    found = next((i for i in first.issues if i.code == "duplicate_in_file" and i.msgid == _ALSO_ON[fld]), None)
    if found is None:
        first.issues.append(Issue("error", "duplicate_in_file", _ALSO_ON[fld], {"other": str(row)}, fld,
                                  columns.get(fld) if fld else None))
    elif str(row) not in found.params["other"].split(", "):
        found.params["other"] += f", {row}"
    first.status = "error"
    first.enrolment_status = None


def _check_in_file_duplicates(item: ParsedRow, seen: _SeenInFile, check: RowCheck) -> None:
    """An error on both rows when two rows of the file have the same citizen ID, or the same name and
    date of birth."""
    values = item.values
    cccd, dob = values.get("citizen_id"), values.get("date_of_birth")
    name_key = person_name_key(values.get("full_name"))
    if cccd and cccd in seen.cccd:
        check.err("citizen_id", "duplicate_in_file",
                  N_("the same person is already on row {other} of this file (same citizen ID)"),
                  other=seen.cccd[cccd].row)
        _flag_first(seen.cccd[cccd], "citizen_id", item.row, check.columns)
    elif name_key and dob and (name_key, dob) in seen.name_dob:
        check.err("full_name", "duplicate_in_file",
                  N_("the same person is already on row {other} of this file (same name and date of birth)"),
                  other=seen.name_dob[(name_key, dob)].row)
        _flag_first(seen.name_dob[(name_key, dob)], "full_name", item.row, check.columns)
    if cccd and cccd not in seen.cccd:
        seen.cccd[cccd] = check.out
    if name_key and dob and (name_key, dob) not in seen.name_dob:
        seen.name_dob[(name_key, dob)] = check.out


def _check_known_person(person: dict, cls: dict[str, Any], item: ParsedRow, look: _RosterLookups,
                        seen: _SeenInFile, check: RowCheck) -> None:
    """A stored person: not twice in the file; one already in the class is skipped (not an error)."""
    out = check.out
    out.person_id, out.person = person["id"], person
    first = seen.person.get(person["id"])
    if first is not None:
        if not any(i.code == "duplicate_in_file" for i in out.issues):  # not already said by CCCD or name
            check.err("full_name", "duplicate_in_file",
                      N_("the same person is already on row {other} of this file"), other=first.row)
            _flag_first(first, None, item.row, check.columns)
    else:
        seen.person[person["id"]] = out
    if person["id"] in look.enrolled:
        out.status = "skipped"
        check.warn(None, "already_enrolled", N_("{name} is already in class {code} (status: {status}); "
                                                "this row is skipped."),
                   name=person["full_name"], code=cls["code"], status=states.status_label(look.enrolled[person["id"]]))


async def _plan_new_person(item: ParsedRow, province: int, legacy_id: int | None, org_id: int | None,
                           look: _RosterLookups, seen: _SeenInFile, actor: Actor, check: RowCheck) -> None:
    """A new person: in the actor's province, with a new organisation if the file names an unknown
    one, and every rule of ``validation.clean``; their values go to ``out.values``."""
    out = check.out
    if actor.is_department and province != actor.province_id:
        check.err("province", "person_other_province_new", N_(
            "you can only add people of your own province; {province} is another province"),
            province=look.province_names.get(province, ""))
    if item.org_name and org_id is None:
        key = org_key(item.org_name)
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


async def _check_row(item: ParsedRow, cls: dict[str, Any], look: _RosterLookups, seen: _SeenInFile,
                     columns: dict[str, str], actor: Actor) -> RowOutcome:
    """One row's outcome: its province, duplicates in the file, the person it matches (or the new
    person it makes) and the prerequisites."""
    out = RowOutcome(row=item.row, full_name=item.values.get("full_name") or "", issues=list(item.issues),
                     citizen_id_restored=item.cccd_restored)
    check = RowCheck(out, columns)
    if item.values.get("citizen_id") == EXAMPLE_CCCD:
        check.err("citizen_id", "template_example", N_("this is the template's example row; replace it with your "
                                                       "learners or delete it"))
    province, legacy_id = _row_province(item, cls, look, check)
    _check_in_file_duplicates(item, seen, check)
    org_id = look.find_org(item.org_name, province) if item.org_name else None
    person, hidden = match_person(item, org_id, look.by_cccd, look.by_name_dob, actor, check)
    if person is not None:
        _check_known_person(person, cls, item, look, seen, check)
    elif not hidden:
        await _plan_new_person(item, province, legacy_id, org_id, look, seen, actor, check)
    if out.status != "skipped":
        _check_prerequisites(person, look, check)
    if out.has_error:
        out.status = "error"
    return out


async def _assign_seats(cls: dict[str, Any], outcomes: list[RowOutcome]) -> None:
    """Seats in file order, by the rule of enrolment.enrol: confirmed while the class has room, then waitlisted."""
    taken = await states.seats_taken(cls["id"])
    for out in outcomes:
        if out.has_error or out.status == "skipped":
            continue
        out.enrolment_status = states.arrival_status(taken, cls["capacity"])
        states.check_enrolment_move(None, out.enrolment_status, "enrol")
        if out.enrolment_status == "confirmed":
            taken += 1


async def _plan(cls: dict[str, Any], parsed: list[ParsedRow], columns: dict[str, str], actor: Actor,
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


# --- the import ------------------------------------------------------------------------------

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
    for position, o in enumerate(o for o in outcomes if o.status != "skipped"):
        enrolments.append({"training_class": cls["id"], "person": o.person_id, "status": o.enrolment_status,
                           "score": None, "classification": None,
                           # one microsecond apart: the waitlist keeps the order of the file
                           "enrolled_at": start + dt.timedelta(microseconds=position)})
    ids = await insert_many(Enrolment, [Enrolment(**e) for e in enrolments], progress, "enrolments")
    for data, enrolment_id in zip(enrolments, ids, strict=True):
        data["id"] = enrolment_id
    await audit_rows(actor, "create", Enrolment, enrolments)
    await notices.enrolled(cls["id"], enrolments)  # one message per learner, in this transaction (ADR 0043)
    counts = result.counts
    await audit_rows(actor, "import", TrainingClass, [{
        "id": cls["id"], "file": result.filename, "rows": counts["total"], "new_people": counts["new"],
        "existing_people": counts["existing"] + counts["possible_duplicate"],
        "confirmed": counts["confirmed"], "waitlisted": counts["waitlisted"],
        "new_organisations": result.new_organisations}])


def checker(actor: Actor) -> str:
    """Who checked a file, as a dry run's fingerprint names them."""
    return f"{actor.user_id}:{actor.username}"


async def import_roster(class_id: int, filename: str, content: bytes, actor: Actor, commit: bool = False,
                        progress: Progress | None = None, fingerprint: str | None = None) -> RosterResult:
    """Check (dry run) or import (``commit=True``, all or nothing) a roster file into a class. A save needs the
    ``fingerprint`` of a dry run of the same file for the same class by the same person (409 otherwise)."""
    cls = await visible_row(TrainingClass, class_id, actor)
    check_table_access(Person, actor, write=True)
    check_table_access(Enrolment, actor, write=True)
    _check_open(cls)

    rows = read_rows(filename, content)
    found = find_header(rows, header_field, ("full_name", "given_name"))
    if found is None:
        first = next(((n, c) for n, c in rows if not all(is_blank(x) for x in c)), None)
        if first is None:
            raise file_error("file_empty", N_("The file {name} is empty."), 422, name=filename)
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
    if commit:  # the file's own faults (above) first, then: was this very file checked?
        require_dry_run(fingerprint, "roster", class_id, checker(actor), content)
    if not commit:
        async with engine().transaction():  # one connection for all the reads
            result.rows = await _plan(cls, parsed, columns, actor, progress)
        result.fingerprint = dry_run_fingerprint("roster", class_id, checker(actor), content)
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
    record_import("roster")
    return result


def _check_open(cls: dict[str, Any]) -> None:
    if cls["status"] != "open":
        raise Conflict.single("class_not_open",
                              N_("Class {code} is not open for enrolment (its status is {status})."),
                              "training_class", code=cls["code"], status=states.status_label(cls["status"]))


# --- the errors as a workbook ----------------------------------------------------------------

def errors_xlsx(result: RosterResult, language: str | None = None) -> bytes:
    """Every error (then every warning) of a roster check as an Excel workbook, in Vietnamese by default."""
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
