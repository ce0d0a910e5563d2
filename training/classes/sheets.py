"""Spreadsheets of a class: the attendance sign-in sheet (import) and the results (export).

Sign-in sheet (XLSX, or CSV): one row per learner, found among the class's enrolments by citizen
ID (column "Số CCCD") or else by full name ("Họ và tên"; a "Ngày sinh" column separates
namesakes); one column per session, headed by the session's date dd/mm/yyyy (an Excel date cell
works too), followed by "sáng"/"chiều"/"tối" or the start time (e.g. "13:30") when the class has
two sessions that day. Other columns (STT, Đơn vị, Ghi chú …) are ignored.

Codes in the cells (case, accents and spaces do not matter)::

    present   x, có, có mặt, P, 1, ✓
    late      M, muộn, đi muộn, trễ
    excused   CP, phép, có phép, vắng có phép
    absent    V, KP, vắng, không, vắng không phép, 0 — and an empty cell

A session column left entirely empty is skipped (that session is not taken, nor changed). A row
of a withdrawn or waitlisted learner may stay empty; a mark there is an error. Every session goes
through ``attendance.mark_session`` (no future sessions, no withdrawn learners, no closed class)
inside one write transaction: all sessions are saved, or none.

A dry run (``commit=False``, the default) checks everything the same way and says, row by row, what is
wrong and, session by session, what would be marked; a save needs the ``fingerprint`` that the dry run of
the same file answered (``training.spreadsheets.importing.require_dry_run``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from training.auth.access import Actor, mask_personal, sees_personal_data
from training.classes import attendance
from training.classes.roster import checker
from training.classes.states import status_label
from training.classes.tables import ClassSession, Course, Enrolment, TrainingClass
from training.core.collation import vi_name_key
from training.core.db import write_transaction
from training.core.errors import Conflict, DomainError
from training.core.i18n import N_, _
from training.core.masking import mask_cccd
from training.core.metrics import record_import
from training.core.text import clean_text
from training.people.parsing import header_field
from training.people.privacy import record_access
from training.records.rows import visible_row
from training.spreadsheets.importing import Issue, dry_run_fingerprint, file_row_errors, require_dry_run
from training.spreadsheets.reading import column_letter, digits_cell, find_header, fold, is_blank, parse_date, read_rows
from training.spreadsheets.writer import XlsxBook

PRESENT, LATE, EXCUSED, ABSENT = "present", "late", "excused", "absent"
# Folded cell text -> attendance status. Symbols that fold to nothing are looked up as they are.
CODES: dict[str, str] = {
    **dict.fromkeys(["x", "co", "co mat", "1", "✓", "✔", "+"], PRESENT),
    **dict.fromkeys(["m", "muon", "di muon", "tre", "di tre"], LATE),
    # "P" is "có phép" on Vietnamese sign-in sheets, next to "KP" = "không phép".
    **dict.fromkeys(["p", "cp", "phep", "co phep", "vang co phep", "vcp", "nghi phep", "nghi co phep"], EXCUSED),
    **dict.fromkeys(["v", "kp", "vang", "khong", "vang khong phep", "vkp", "nghi khong phep", "0", "-"], ABSENT),
}
CODES_HELP = "x/có, M/muộn, P/CP/phép, V/KP/vắng"

_DATE_IN_HEADER = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_TIME = re.compile(r"\b(\d{1,2})(?:\s*[hg]\s*|\s+)?(\d{2})?\b")


def _status_of(value: Any) -> str | None:
    """The attendance status of a cell, ABSENT for an empty one, None for an unknown code."""
    if is_blank(value):
        return ABSENT
    if isinstance(value, bool):
        return PRESENT if value else ABSENT
    if isinstance(value, int | float):
        value = str(int(value)) if value == int(value) else str(value)
    text = clean_text(str(value)) or ""
    return CODES.get(fold(text)) or CODES.get(text.lower())


def session_header(value: Any) -> tuple[dt.date, str] | None:
    """(date, qualifier) of a session column header: an Excel date, or "dd/mm/yyyy [sáng|chiều|13:30]"."""
    if isinstance(value, dt.datetime):
        qualifier = value.strftime("%H:%M") if value.time() != dt.time(0, 0) else ""
        return value.date(), qualifier
    if isinstance(value, dt.date):
        return value, ""
    if not isinstance(value, str):
        return None
    match = _DATE_IN_HEADER.search(value)
    if not match:
        return None
    day, month, year = (int(g) for g in match.groups())
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return None
    rest = (value[:match.start()] + " " + value[match.end():]).replace("(", " ").replace(")", " ")
    rest = re.sub(r"\b(buoi|thu|tiet) \d+\b", " ", fold(rest))  # "Buổi 3", "Thứ 2" are not times
    rest = re.sub(r"\b(buoi|ngay|thu|cn|chu nhat)\b", " ", rest)
    return date, " ".join(rest.split())


def _sheet_matcher(value: Any) -> str | None:
    name = header_field(value)
    if name in ("full_name", "citizen_id", "date_of_birth"):
        return name
    return "session" if session_header(value) else None


def _pick_session(sessions: list[dict], qualifier: str) -> tuple[dict | None, str | None]:
    """The session a header names among the day's sessions, or why it names none. ``qualifier`` is
    folded text after the date: "sang", "chieu", "toi", or a start time ("13 30", "8h", "08h30")."""
    time = _TIME.search(qualifier)
    words = set(qualifier.split())
    if time:
        wanted = dt.time(int(time.group(1)) % 24, int(time.group(2) or 0) % 60)
        chosen = [s for s in sessions if s["start_time"] == wanted]
    elif "sang" in words:
        chosen = [s for s in sessions if s["start_time"] < dt.time(12, 0)]
    elif "chieu" in words:
        chosen = [s for s in sessions if dt.time(12, 0) <= s["start_time"] < dt.time(18, 0)]
    elif "toi" in words:
        chosen = [s for s in sessions if s["start_time"] >= dt.time(18, 0)]
    else:
        chosen = sessions
    if len(chosen) == 1:
        return chosen[0], None
    return None, "ambiguous" if chosen else "no_session"


@dataclass
class _Sheet:
    """A sign-in sheet as read: its rows, the header row and the columns it names."""

    rows: list[tuple[int, list[Any]]]
    header_index: int
    header: list[Any]
    mapping: dict[str, int]

    @property
    def header_row(self) -> int:
        return self.rows[self.header_index][0]

    def data_rows(self) -> list[tuple[int, list[Any]]]:
        return [(n, c) for n, c in self.rows[self.header_index + 1:] if not all(is_blank(x) for x in c)]

    def name_of(self, col: int) -> str:
        """"E (12/03/2026 sáng)": the column's letter and header."""
        text = self.header[col]
        text = text.strftime("%d/%m/%Y") if isinstance(text, dt.date | dt.datetime) else clean_text(str(text))
        return f"{column_letter(col)} ({text})"


@dataclass
class _Learners:
    """The class's enrolments as the actor may see them, and how a row finds one."""

    enrolments: list[dict]
    hidden: set[int]  # enrolments of another province's learners: matched by name only
    by_cccd: dict[str, dict]
    by_name: dict[str, list[dict]]


def _read_sheet(filename: str, content: bytes) -> _Sheet:
    """Parse the file and find its header: a name column and at least one session column."""
    rows = read_rows(filename, content)
    found = find_header(rows, _sheet_matcher, ("full_name",))
    if found is None or "session" not in found[2]:
        raise DomainError.single("sheet_no_header", N_(
            "No header row found: the sheet needs a \"Họ và tên\" column and one column per session headed by "
            "its date (dd/mm/yyyy)."), http_status=422)
    header_index, header, mapping = found
    return _Sheet(rows, header_index, header, mapping)


def _column_session(col: int, date: dt.date, qualifier: str, day: list[dict], cls: dict[str, Any], sheet: _Sheet,
                    session_cols: dict[int, dict]) -> tuple[dict | None, Issue | None]:
    """The session a column's header names among the class's sessions of that date, or the error."""
    when = date.strftime("%d/%m/%Y")
    if not day:
        return None, Issue("error", "sheet_no_session", N_("class {code} has no session on {date}"),
                           {"code": cls["code"], "date": when}, None, sheet.name_of(col))
    session, problem = _pick_session(day, qualifier)
    times = ", ".join(s["start_time"].strftime("%H:%M") for s in day)
    if problem == "no_session":
        return None, Issue("error", "sheet_no_such_session", N_(
            "class {code} has no such session on {date} (its sessions that day start at {times})"),
            {"code": cls["code"], "date": when, "times": times}, None, sheet.name_of(col))
    if session is None:
        return None, Issue("error", "sheet_session_ambiguous", N_(
            "class {code} has sessions at {times} on {date}: add \"sáng\", \"chiều\" or the start time to "
            "the header"), {"code": cls["code"], "times": times, "date": when}, None, sheet.name_of(col))
    other = next((c for c, s in session_cols.items() if s["id"] == session["id"]), None)
    if other is not None:
        return None, Issue("error", "sheet_session_twice", N_("the same session as column {other}"),
                           {"other": sheet.name_of(other)}, None, sheet.name_of(col))
    return session, None


async def _session_columns(sheet: _Sheet, cls: dict[str, Any], issues: list[tuple[int, Issue]]) -> dict[int, dict]:
    """Column -> the class session its header names; the columns that name none add an issue."""
    sessions = await ClassSession.select(ClassSession.id, ClassSession.session_date, ClassSession.start_time).where(
        ClassSession.training_class == cls["id"]).order_by(ClassSession.session_date).order_by(
        ClassSession.start_time).run()
    by_date: dict[dt.date, list[dict]] = {}
    for s in sessions:
        by_date.setdefault(s["session_date"], []).append(s)
    session_cols: dict[int, dict] = {}
    for col, value in enumerate(sheet.header):
        parsed = session_header(value)
        if parsed is None or header_field(value) is not None:
            continue
        date, qualifier = parsed
        session, issue = _column_session(col, date, qualifier, by_date.get(date, []), cls, sheet, session_cols)
        if issue is not None:
            issues.append((sheet.header_row, issue))
        else:
            session_cols[col] = session
    return session_cols


async def _class_learners(class_id: int, actor: Actor) -> _Learners:
    """The class's enrolments, masked for the actor, indexed by citizen ID and by name."""
    enrolments = await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.person.full_name.as_alias("name"),
        Enrolment.person.citizen_id.as_alias("cccd"), Enrolment.person.date_of_birth.as_alias("dob"),
        Enrolment.person, Enrolment.person.province.as_alias("person_province"),
    ).where(Enrolment.training_class == class_id).run()
    # A sheet may match a learner of another province by name only: their citizen ID and date of birth
    # are not the department's to confirm (training.auth.access).
    # A row whose citizen ID matches none of the others falls back to its name among these learners,
    # so the answer is the same whether or not the ID typed is theirs.
    hidden = {e["id"] for e in enrolments if not sees_personal_data(actor, e["person_province"], e["person"])}
    enrolments = [mask_personal(actor, e, aliases={"citizen_id": "cccd", "date_of_birth": "dob"})
                  for e in enrolments]
    by_name: dict[str, list[dict]] = {}
    for e in enrolments:
        by_name.setdefault((clean_text(e["name"]) or "").casefold(), []).append(e)
    return _Learners(enrolments, hidden, {e["cccd"]: e for e in enrolments if e["cccd"]}, by_name)


def _match_learner(name: str, cccd: str | None, dob_cell: Any, has_dob: bool,
                   learners: _Learners) -> tuple[dict | None, Issue | None]:
    """The enrolment a row names: by citizen ID (another province's learner by name), else by name
    (and date of birth among namesakes); or the error."""
    if cccd:
        enrolment = learners.by_cccd.get(cccd)
        if enrolment is None and learners.hidden:
            same_name = [c for c in learners.by_name.get(name.casefold(), []) if c["id"] in learners.hidden]
            enrolment = same_name[0] if len(same_name) == 1 else None
        if enrolment is None:
            return None, Issue("error", "sheet_unknown_cccd", N_(
                "no learner of this class has the citizen ID {value}"), {"value": mask_cccd(cccd)}, "citizen_id", None)
        return enrolment, None
    candidates = learners.by_name.get(name.casefold(), [])
    if len(candidates) > 1 and has_dob:
        try:
            dob = parse_date(dob_cell)
        except Exception:
            dob = None
        candidates = [c for c in candidates if c["dob"] == dob] or candidates
    if not candidates:
        return None, Issue("error", "sheet_unknown_name", N_("{name} is not enrolled in this class"),
                           {"name": name}, "full_name", None)
    if len(candidates) > 1:
        return None, Issue("error", "sheet_namesakes", N_(
            "{count} learners of this class are named {name}: add the \"Số CCCD\" column"),
            {"count": len(candidates), "name": name}, "full_name", None)
    return candidates[0], None


def _match_rows(sheet: _Sheet, session_cols: dict[int, dict], learners: _Learners, issues: list[tuple[int, Issue]],
                names: dict[int, str]) -> tuple[dict[int, tuple[int, dict, list[Any]]], dict[int, bool]]:
    """Each row's learner (enrolment id -> (row, enrolment, cells)), and which session columns hold
    any mark; ``names`` gets each learner row's name."""
    mapping = sheet.mapping
    filled = {col: False for col in session_cols}
    matched: dict[int, tuple[int, dict, list[Any]]] = {}
    for number, cells in sheet.data_rows():
        def cell(col: int | None, _cells: list[Any] = cells) -> Any:
            return _cells[col] if col is not None and col < len(_cells) else None

        name = clean_text(str(cell(mapping.get("full_name")) or "")) or ""
        try:
            cccd, _number = digits_cell(cell(mapping.get("citizen_id")))
        except Exception:
            cccd = None
        if cccd and len(cccd) == 11 and cccd.isdigit() and not cccd.startswith("0"):
            cccd = "0" + cccd
        if not name and not cccd:
            continue  # a signature or total line under the table
        names[number] = name
        enrolment, issue = _match_learner(name, cccd, cell(mapping.get("date_of_birth")),
                                          mapping.get("date_of_birth") is not None, learners)
        if issue is None and enrolment["id"] in matched:
            first = matched[enrolment["id"]][0]
            issue = Issue("error", "sheet_learner_twice", N_("{name} is already on row {other}"),
                          {"name": enrolment["name"], "other": first}, "full_name", None)
            issues.append((first, Issue("error", "sheet_learner_twice", N_("{name} is also on row {other}"),
                                        {"name": enrolment["name"], "other": number}, "full_name", None)))
        if issue is not None:
            issues.append((number, issue))
            continue
        matched[enrolment["id"]] = (number, enrolment, cells)
        for col in session_cols:
            if not is_blank(cell(col)):
                filled[col] = True
    return matched, filled


def _mark_issue(value: Any, enrolment: dict, markable: bool) -> tuple[str | None, Issue | None]:
    """The attendance status a cell gives a learner, or the error (None, None: an empty cell of a
    learner whose attendance is not taken)."""
    if isinstance(value, str) and value.lstrip().startswith("="):
        return None, Issue("error", "formula", N_("the cell holds a formula ({value}); type the value itself"),
                           {"value": value.strip()[:40]}, None, None)
    status = _status_of(value)
    if status is None:
        return None, Issue("error", "sheet_unknown_code", N_("\"{value}\" is not an attendance code; use {codes}"),
                           {"value": clean_text(str(value)), "codes": CODES_HELP}, None, None)
    if not markable:
        if not is_blank(value):
            return None, Issue("error", "not_markable", N_("{name} is {status}; no attendance is taken"),
                               {"name": enrolment["name"], "status": status_label(enrolment["status"])}, None, None)
        return None, None
    return status, None


def _collect_marks(sheet: _Sheet, matched: dict[int, tuple[int, dict, list[Any]]], session_cols: dict[int, dict],
                   active_cols: list[int], today: dt.date,
                   issues: list[tuple[int, Issue]]) -> dict[int, list[attendance.Mark]]:
    """Column -> the marks it gives; sessions still to come and bad cells add issues."""
    marks: dict[int, list[attendance.Mark]] = {col: [] for col in active_cols}
    for col in active_cols:
        if session_cols[col]["session_date"] > today:
            issues.append((sheet.header_row, Issue("error", "session_in_future", N_(
                "The session of {date} has not happened yet; attendance cannot be taken."),
                {"date": session_cols[col]["session_date"].strftime("%d/%m/%Y")}, None, sheet.name_of(col))))
    for number, enrolment, cells in sorted(matched.values(), key=lambda m: m[0]):
        markable = enrolment["status"] in attendance.MARKABLE
        for col in active_cols:
            status, issue = _mark_issue(cells[col] if col < len(cells) else None, enrolment, markable)
            if issue is not None:
                issue.column = sheet.name_of(col)
                issues.append((number, issue))
            elif status is not None:
                marks[col].append(attendance.Mark(enrolment["id"], status))
    return marks


SHEET_ROW_STATUSES = {"ok": N_("marks read"), "error": N_("error")}


@dataclass
class SheetRow:
    """One row of the sheet as the dry run shows it (the header row too, when a column names no session)."""

    row: int
    full_name: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def has_error(self) -> bool:
        return any(i.level == "error" for i in self.issues)

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        status = "error" if self.has_error else "ok"
        return {"row": self.row, "full_name": self.full_name, "status": status,
                "status_label": _(SHEET_ROW_STATUSES[status], language=language),
                "messages": [i.to_dict(self.row, language) for i in self.issues]}


@dataclass
class SheetResult:
    """What a sign-in sheet check found (and, once saved, what was marked)."""

    class_id: int
    class_code: str
    filename: str
    header_row: int
    committed: bool = False
    sessions: list[dict[str, Any]] = field(default_factory=list)
    skipped_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[SheetRow] = field(default_factory=list)
    fingerprint: str | None = None

    @property
    def has_errors(self) -> bool:
        return any(r.has_error for r in self.rows)

    def error_rows(self) -> list[int]:
        return [r.row for r in self.rows if r.has_error]

    def to_dict(self, language: str | None = None) -> dict[str, Any]:
        return {"training_class": self.class_id, "class_code": self.class_code, "file": self.filename,
                "committed": self.committed, "header_row": self.header_row,
                "total": sum(1 for r in self.rows if r.row != self.header_row), "error": len(self.error_rows()),
                "sessions": self.sessions, "skipped_columns": self.skipped_columns, "warnings": self.warnings,
                "fingerprint": self.fingerprint, "rows": [r.to_dict(language) for r in self.rows]}


class SheetError(DomainError):
    """A sign-in sheet with errors: nothing was saved. The JSON error also lists every row, as the dry run did."""

    status = 422

    def __init__(self, result: SheetResult):
        self.result = result
        super().__init__(file_row_errors(result, "sheet_has_errors"))

    def payload(self, language: str | None = None) -> dict[str, Any]:
        body = super().payload(language)
        body["error"]["result"] = self.result.to_dict(language)
        return body


def _sheet_rows(names: dict[int, str], issues: list[tuple[int, Issue]]) -> list[SheetRow]:
    """The per-row table: every learner row in order, each with its issues (column problems on the header row)."""
    rows = {number: SheetRow(number, name) for number, name in names.items()}
    for number, issue in issues:
        rows.setdefault(number, SheetRow(number, "")).issues.append(issue)
    return [rows[n] for n in sorted(rows)]


def _planned(sheet: _Sheet, session_cols: dict[int, dict], active_cols: list[int],
             marks: dict[int, list[attendance.Mark]]) -> list[dict[str, Any]]:
    """What a save would mark, session by session (the same summary as a save's)."""
    out = []
    for col in active_cols:
        session, counts = session_cols[col], {}
        for mark in marks[col]:
            counts[mark.status] = counts.get(mark.status, 0) + 1
        out.append({"session": session["id"], "date": session["session_date"].strftime("%d/%m/%Y"),
                    "start_time": session["start_time"].strftime("%H:%M"), "column": sheet.name_of(col),
                    "marked": len(marks[col]), "counts": counts})
    return out


async def _write_marks(sheet: _Sheet, session_cols: dict[int, dict], active_cols: list[int],
                       marks: dict[int, list[attendance.Mark]], actor: Actor, today: dt.date) -> list[dict[str, Any]]:
    """Mark every filled session, all or nothing; one summary per session."""
    out = []
    async with write_transaction():  # mark_session's own transactions join this one: all or nothing
        for col in active_cols:
            session = session_cols[col]
            result = await attendance.mark_session(session["id"], marks[col], actor, on=today)
            out.append({"session": session["id"], "date": session["session_date"].strftime("%d/%m/%Y"),
                        "start_time": session["start_time"].strftime("%H:%M"), "column": sheet.name_of(col),
                        "marked": result["marked"], "counts": result["counts"]})
    return out


async def import_attendance_sheet(class_id: int, filename: str, content: bytes, actor: Actor,
                                  on: dt.date | None = None, commit: bool = False,
                                  fingerprint: str | None = None) -> SheetResult:
    """Check (dry run) or take (``commit=True``, with the dry run's ``fingerprint``) the attendance of every
    filled session column of a sign-in sheet, all or nothing: read the sheet, match its columns to sessions
    and its rows to learners, check every mark, then write."""
    sheet = _read_sheet(filename, content)
    cls = await visible_row(TrainingClass, class_id, actor, write=True)
    if cls["status"] in ("closed", "cancelled"):
        raise Conflict.single("class_closed", N_("Class {code} is closed or cancelled; it cannot change."),
                              code=cls["code"])
    if commit:
        require_dry_run(fingerprint, "sheet", class_id, checker(actor), content)
    issues: list[tuple[int, Issue]] = []  # (row, issue); row = header row for column problems
    names: dict[int, str] = {}
    session_cols = await _session_columns(sheet, cls, issues)
    learners = await _class_learners(class_id, actor)
    matched, filled = _match_rows(sheet, session_cols, learners, issues, names)
    today = on or attendance.today()
    active_cols = [col for col, was in filled.items() if was]
    marks = _collect_marks(sheet, matched, session_cols, active_cols, today, issues)
    result = SheetResult(class_id, cls["code"], filename, sheet.header_row, rows=_sheet_rows(names, issues),
                         skipped_columns=[sheet.name_of(col) for col, was in filled.items() if not was])
    missing = [e["name"] for e in learners.enrolments
               if e["status"] in attendance.MARKABLE and e["id"] not in matched]
    if missing and active_cols:
        result.warnings.append(_(N_("{count} learner(s) of the class are not on the sheet; their marks were not "
                                    "changed: {names}"), count=len(missing), names=", ".join(missing[:20])))
    if not commit:
        result.sessions = _planned(sheet, session_cols, active_cols, marks)
        result.fingerprint = dry_run_fingerprint("sheet", class_id, checker(actor), content)
        return result
    if result.has_errors:
        raise SheetError(result)
    result.sessions = await _write_marks(sheet, session_cols, active_cols, marks, actor, today)
    result.committed = True
    record_import("sheet")
    return result


# --- results ---------------------------------------------------------------------------------

async def results_xlsx(class_id: int, actor: Actor) -> bytes:
    """The results of a class as an Excel workbook: title, then STT, Họ và tên, Ngày sinh, Đơn vị,
    Tỷ lệ chuyên cần, Điểm, Xếp loại, Kết quả (learners sorted the Vietnamese way)."""
    from openpyxl.styles import Alignment, Border, Font, Side

    cls = await visible_row(TrainingClass, class_id, actor)
    course = await Course.select(Course.name_vi).where(Course.id == cls["course"]).first().run()
    rows = await Enrolment.select(
        Enrolment.id, Enrolment.status, Enrolment.score, Enrolment.classification,
        Enrolment.person.full_name.as_alias("name"), Enrolment.person.date_of_birth.as_alias("dob"),
        Enrolment.person.organisation.name.as_alias("organisation"), Enrolment.person,
        Enrolment.person.province.as_alias("person_province"),
    ).where((Enrolment.training_class == class_id) & Enrolment.status.is_in(attendance.MARKABLE)).run()
    # Learners of another province: name, organisation and results only (training.auth.access).
    rows = [mask_personal(actor, r, aliases={"date_of_birth": "dob"}) for r in rows]
    rows.sort(key=lambda r: vi_name_key(r["name"]))
    shares = await attendance.attended_shares(class_id)

    book = XlsxBook(_(N_("Results")))
    sheet = book.sheet
    book.append([_(N_("RESULTS OF CLASS {code}"), code=cls["code"])])
    book.append([_(N_("{course}, from {start} to {end}"), course=course["name_vi"] if course else "",
                   start=cls["start_date"].strftime("%d/%m/%Y"), end=cls["end_date"].strftime("%d/%m/%Y"))])
    headers = [_(N_("No.")), _(N_("Full name")), _(N_("Date of birth")), _(N_("Organisation")),
               _(N_("Attendance rate")), _(N_("Score")), _(N_("Classification")), _(N_("Result"))]
    book.append([])
    book.append(headers)
    header_row = sheet.max_row
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=8)
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=8)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = sheet["A2"].alignment = Alignment(horizontal="center")
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
    outcome = {"completed": N_("Completed"), "failed": N_("Not completed")}
    in_progress = N_("In progress")
    for number, row in enumerate(rows, start=1):
        share = shares.get(row["id"], {}).get("share", 0.0)
        book.append([number, row["name"], row["dob"], row["organisation"] or "", share, row["score"],
                     row["classification"] or "", _(outcome.get(row["status"], in_progress))])
        r = sheet.max_row
        sheet.cell(r, 3).number_format = "DD/MM/YYYY"
        sheet.cell(r, 5).number_format = "0.0%"
        sheet.cell(r, 6).number_format = "0.0#"
        for col in range(1, 9):
            sheet.cell(r, col).border = border
    for letter, width in zip("ABCDEFGH", (6, 30, 13, 36, 16, 8, 12, 18), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)
    content = book.to_bytes()
    await record_access(actor, "export", count=len(rows), export=f"class-results:{class_id}")
    return content
