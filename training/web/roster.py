"""Files of a class: roster import, attendance sign-in sheet, results export. Thin over the services."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.openapi import ResponseSpec
from litestar.params import Body, PathParameter, QueryParameter
from msgspec import Struct

from training.auth.access import Actor
from training.classes import roster, sheets, templates
from training.classes.tables import TrainingClass
from training.core.errors import DomainError
from training.core.filenames import safe_filename
from training.core.i18n import N_
from training.records.rows import visible_row
from training.spreadsheets import reading
from training.web.auth import provide_actor
from training.web.errors import http_error_handler

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The service refuses files over 10 MB with its own message; the body limit leaves room for the
# multipart envelope, and anything larger is refused before it is read (see upload_too_large).
BODY_LIMIT = 12 * 1024 * 1024


class FileIn(Struct):
    file: UploadFile | None = None
    # the dry run's answer "fingerprint", required to save (dry_run=false)
    fingerprint: str | None = None


async def upload_content(data: FileIn) -> tuple[str, bytes]:
    """The uploaded file's name and bytes; no file is a 400 in the one error shape."""
    if data.file is None:
        raise DomainError.single("file_missing", N_("Choose a file to upload (form field \"file\")."),
                                 http_status=400)
    return data.file.filename or "", await data.file.read()


class RowMessageOut(Struct):
    row: int
    level: str
    code: str
    field: str | None
    column: str | None
    message: str
    text: str


class RowOut(Struct):
    row: int
    full_name: str
    status: str
    status_label: str
    person_id: int | None
    enrolment_status: str | None
    enrolment_label: str | None
    citizen_id_restored: str | None
    messages: list[RowMessageOut]


class RosterOut(Struct):
    class_id: int
    class_code: str
    file: str
    committed: bool
    header_row: int
    total: int
    new: int
    existing: int
    possible_duplicate: int
    error: int
    skipped: int
    skipped_rows: list[int]
    notices: list[str]
    warnings: int
    confirmed: int
    waitlisted: int
    ignored_columns: list[str]
    new_organisations: list[str]
    fingerprint: str | None
    rows: list[RowOut]


class SessionMarksOut(Struct):
    session: int
    date: str
    start_time: str
    column: str
    marked: int
    counts: dict[str, int]


class SheetRowOut(Struct):
    row: int
    full_name: str
    status: str
    status_label: str
    messages: list[RowMessageOut]


class SheetOut(Struct):
    training_class: int
    class_code: str
    file: str
    committed: bool
    header_row: int
    total: int
    error: int
    sessions: list[SessionMarksOut]
    skipped_columns: list[str]
    warnings: list[str]
    fingerprint: str | None
    rows: list[SheetRowOut]


def _roster_out(result: roster.RosterResult) -> RosterOut:
    data: dict[str, Any] = result.to_dict()
    data["rows"] = [RowOut(**{**r, "messages": [RowMessageOut(**m) for m in r["messages"]]}) for r in data["rows"]]
    return RosterOut(**data)


def _sheet_out(result: sheets.SheetResult) -> SheetOut:
    data: dict[str, Any] = result.to_dict()
    data["sessions"] = [SessionMarksOut(**s) for s in data["sessions"]]
    data["rows"] = [SheetRowOut(**{**r, "messages": [RowMessageOut(**m) for m in r["messages"]]})
                    for r in data["rows"]]
    return SheetOut(**data)


def _code(class_code: str) -> str:
    """A class code as part of a download name (class codes may hold anything)."""
    return safe_filename(class_code.upper(), fallback="lop")


def upload_too_large(_request: Request, exc: HTTPException) -> Response:
    """Uploads over the body limit: the same Vietnamese message and shape as the service's own refusal."""
    if exc.status_code != 413 and "Entity Too Large" not in str(exc.detail):
        return http_error_handler(_request, exc)
    error = DomainError.single("file_too_large", N_("The file is larger than the limit of {limit} MB."),
                               http_status=413, limit=reading.MAX_MB)
    return Response(error.payload(), status_code=413, media_type="application/json")


ActorDep = NamedDependency[Actor]
ClassId = Annotated[int, PathParameter(description="ID of the class")]
Upload = Annotated[FileIn, Body(media_type=RequestEncodingType.MULTI_PART)]
DryRun = Annotated[bool, QueryParameter(description="check only, save nothing; to save (false), send the dry run's "
                                                    "`fingerprint` as a form field with the same file")]


class RosterController(Controller):
    path = "/api"
    tags = ["Classes"]
    dependencies = {"actor": Provide(provide_actor)}
    exception_handlers = {HTTPException: upload_too_large}

    @post("/classes/{class_id:int}/roster", summary="Import a roster file (XLSX or CSV): dry run or commit",
          status_code=200, request_max_body_size=BODY_LIMIT,
          responses={200: ResponseSpec(RosterOut, description="The dry run: every row's outcome and the fingerprint "
                                                              "to save with (201 on a save: the same shape)")},
          description="Multipart upload, field `file`: an Excel workbook (.xlsx) or a CSV file (UTF-8, comma or "
                      "semicolon) with Vietnamese headers (Họ và tên, Ngày sinh, Giới tính, Số CCCD, Đơn vị, "
                      "Loại cán bộ, Tỉnh/Thành phố, Điện thoại, Email). `dry_run=true` (default) checks every row "
                      "and says what would happen, with a `fingerprint` of the file; `dry_run=false` with that "
                      "`fingerprint` (form field) saves everything or, when a row has an error, nothing (422 "
                      "listing the rows, `error.result` the per-row table, `error.errors[].row` each row); "
                      "without a fingerprint of a dry run of the same file for the same class, 409 and "
                      "nothing is saved. `format=xlsx` on a dry run returns the errors "
                      "and warnings as an Excel file instead of JSON. Files over 10 MB are refused (413).")
    async def import_roster(self, class_id: ClassId, data: Upload, actor: ActorDep,
                            dry_run: DryRun = True,
                            format: Annotated[Literal["json", "xlsx"], QueryParameter(
                                description="xlsx: the errors as an Excel file (dry run)")] = "json",
                            ) -> Response:
        filename, content = await upload_content(data)
        result = await roster.import_roster(class_id, filename, content, actor, commit=not dry_run,
                                            fingerprint=data.fingerprint)
        if dry_run and format == "xlsx":
            return Response(roster.errors_xlsx(result), media_type=XLSX, headers={
                "Content-Disposition": f'attachment; filename="loi-danh-sach-{_code(result.class_code)}.xlsx"'})
        return Response(_roster_out(result), status_code=200 if dry_run else 201)

    @post("/classes/{class_id:int}/attendance-sheet", summary="Import a sign-in sheet (XLSX): dry run or save",
          status_code=200, request_max_body_size=BODY_LIMIT,
          description="One row per learner (matched by Số CCCD, else by Họ và tên), one column per session "
                      "headed by its date dd/mm/yyyy (add sáng/chiều or the start time when a day has two "
                      "sessions). Codes: x, có, P = present; M, muộn = late; CP, phép = excused; V, KP, vắng "
                      "or empty = absent. A column left entirely empty is skipped. `dry_run=true` (default) "
                      "checks every row and column and says what would be marked, with a `fingerprint`; "
                      "`dry_run=false` with that `fingerprint` (form field) saves every session or none (422 "
                      "with the per-row table in `error.result`); without it, 409 and nothing is saved.")
    async def attendance_sheet(self, class_id: ClassId, data: Upload, actor: ActorDep,
                               dry_run: DryRun = True) -> SheetOut:
        filename, content = await upload_content(data)
        result = await sheets.import_attendance_sheet(class_id, filename, content, actor, commit=not dry_run,
                                                      fingerprint=data.fingerprint)
        return _sheet_out(result)

    @get("/roster/template.xlsx", summary="The roster import's template (XLSX, with an example row)",
         media_type=XLSX)
    async def roster_template(self, actor: ActorDep) -> Response:
        return Response(templates.roster_template_xlsx(actor), media_type=XLSX, headers={
            "Content-Disposition": 'attachment; filename="mau-danh-sach-hoc-vien.xlsx"'})

    @get("/classes/{class_id:int}/attendance-sheet/template.xlsx",
         summary="The class's sign-in sheet to fill (XLSX: its learners, one column per session)", media_type=XLSX)
    async def sheet_template(self, class_id: ClassId, actor: ActorDep) -> Response:
        code, content = await templates.sheet_template_xlsx(class_id, actor)
        return Response(content, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="diem-danh-{_code(code)}.xlsx"'})

    @get("/classes/{class_id:int}/results.xlsx", summary="The class's results as an Excel file",
         media_type=XLSX)
    async def results(self, class_id: ClassId, actor: ActorDep) -> Response:
        cls = await visible_row(TrainingClass, class_id, actor)
        content = await sheets.results_xlsx(class_id, actor)
        return Response(content, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="ket-qua-{_code(cls["code"])}.xlsx"'})
