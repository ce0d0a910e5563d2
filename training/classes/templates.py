"""Blank files to fill in: the roster import's template and a class's sign-in sheet (issue 12, item 5; ADR 0035).

Both are written through the one safe writer (``training.spreadsheets.writer``) with the Vietnamese headers the
importers recognise (``training.people.parsing.HEADER_ALIASES``, ``training.classes.sheets.session_header``).

* The roster template has one example row of valid fake data (``EXAMPLE``: a CCCD of birth province 001,
  a date of birth, …) so the coordinator sees how each cell is written. The CCCD and phone columns are text
  cells, so Excel keeps their leading zeros. The roster import refuses a row with the example's CCCD
  ("delete the example row"): a forgotten example is never enrolled.
* The sign-in sheet of a class is pre-filled instead of carrying a fake row (a sheet only imports learners of
  that class): one row per learner whose attendance is taken (name and date of birth, as the user may see
  them), one column per session headed by its date (and start time when the day has two), cells empty.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from training.auth.access import Actor, check_table_access, mask_personal
from training.classes import attendance
from training.classes.tables import ClassSession, Enrolment, TrainingClass
from training.core.collation import vi_name_key
from training.core.i18n import N_, _
from training.people.privacy import record_access
from training.records.rows import visible_row
from training.records.validation import cccd_for
from training.spreadsheets.writer import XlsxBook

ROSTER_HEADERS = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD", "Đơn vị", "Loại cán bộ", "Tỉnh/Thành phố",
                  "Điện thoại", "Email"]
EXAMPLE_DOB = dt.date(1990, 3, 15)
#: the example row's CCCD (birth province 001, a woman born in 1990): a row with it is the example, not a learner
EXAMPLE_CCCD = cccd_for(EXAMPLE_DOB, "female", "01", 123456)
EXAMPLE = [1, "Nguyễn Thị Mẫu", EXAMPLE_DOB, "Nữ", EXAMPLE_CCCD, "Trung tâm Công tác xã hội tỉnh Khánh Hòa",
           "Cộng tác viên", "Khánh Hòa", "0912345678", "nguyen.thi.mau@example.com"]
_WIDTHS = (6, 28, 13, 10, 16, 40, 18, 18, 14, 30)
_TEXT_ROWS = 500  # rows whose CCCD and phone cells are text (Excel keeps their leading zeros)


def roster_template_xlsx(actor: Actor, language: str | None = None) -> bytes:
    """The roster import's template: a note, the recognised headers (bold), the example row; for those who
    may import rosters (not a trainer or a learner)."""
    check_table_access(Enrolment, actor, write=True)
    book = XlsxBook(_(N_("Roster"), language=language))
    sheet = book.sheet
    book.append([_(N_("Roster of a class: one learner per row from row 3; replace the example row (row 3) with "
                      "your learners. Required: Họ và tên, Giới tính, Loại cán bộ."), language=language)])
    sheet["A1"].font = Font(italic=True)
    book.append(ROSTER_HEADERS)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    book.append(EXAMPLE)
    sheet["C3"].number_format = "DD/MM/YYYY"
    for row in range(3, 3 + _TEXT_ROWS):
        for col in (5, 9):  # Số CCCD, Điện thoại
            sheet.cell(row, col).number_format = "@"
    for index, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    return book.to_bytes()


def _session_headers(sessions: list[dict[str, Any]]) -> list[str]:
    """"dd/mm/yyyy" per session, with the start time when the day has more than one session."""
    per_day: dict[dt.date, int] = {}
    for s in sessions:
        per_day[s["session_date"]] = per_day.get(s["session_date"], 0) + 1
    return [s["session_date"].strftime("%d/%m/%Y") + (f" {s['start_time']:%H:%M}" if per_day[s["session_date"]] > 1
                                                       else "") for s in sessions]


async def sheet_template_xlsx(class_id: int, actor: Actor, language: str | None = None) -> tuple[str, bytes]:
    """(class code, the class's sign-in sheet to print and fill): the codes, the headers, one row per learner."""
    cls = await visible_row(TrainingClass, class_id, actor)
    sessions = await ClassSession.select(ClassSession.session_date, ClassSession.start_time).where(
        ClassSession.training_class == class_id).order_by(ClassSession.session_date).order_by(
        ClassSession.start_time).run()
    learners = await Enrolment.select(
        Enrolment.person.full_name.as_alias("name"), Enrolment.person.date_of_birth.as_alias("dob"),
        Enrolment.person, Enrolment.person.province.as_alias("person_province"),
    ).where((Enrolment.training_class == class_id) & Enrolment.status.is_in(attendance.MARKABLE)).run()
    learners = [mask_personal(actor, r, aliases={"date_of_birth": "dob"}) for r in learners]
    learners.sort(key=lambda r: vi_name_key(r["name"]))

    book = XlsxBook(_(N_("Sign-in sheet"), language=language))
    sheet = book.sheet
    book.append([_(N_("Sign-in sheet of class {code}. Codes: x = present, M = late, P = excused, V or empty = "
                      "absent. Leave the column of a session not yet held empty."), language=language,
                   code=cls["code"])])
    sheet["A1"].font = Font(italic=True)
    book.append(["STT", "Họ và tên", "Ngày sinh", *_session_headers(sessions)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for number, learner in enumerate(learners, start=1):
        book.append([number, learner["name"], learner["dob"]])
        sheet.cell(sheet.max_row, 3).number_format = "DD/MM/YYYY"
    for index, width in enumerate((6, 30, 13), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for index in range(4, 4 + len(sessions)):
        sheet.column_dimensions[get_column_letter(index)].width = 17
    sheet.freeze_panes = "D3"
    content = book.to_bytes()
    await record_access(actor, "export", count=len(learners), export=f"sign-in-sheet:{class_id}")
    return cls["code"], content
