"""Staff registry and commune list imports over HTTP. Thin over training.people.staff."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException
from litestar.params import Parameter
from msgspec import Struct

from training.auth.access import Actor
from training.people import staff
from training.reference import communes
from training.web.auth import provide_actor
from training.web.roster import BODY_LIMIT, Upload, upload_content, upload_too_large

ActorDep = NamedDependency[Actor]


class ImportMessageOut(Struct):
    level: str
    code: str
    field: str | None
    column: str | None
    message: str
    text: str


class ImportRowOut(Struct):
    row: int
    name: str
    status: str
    status_label: str
    id: int | None
    messages: list[ImportMessageOut]


class ImportOut(Struct):
    kind: str
    file: str
    committed: bool
    header_row: int
    total: int
    new: int
    updated: int
    unchanged: int
    error: int
    warnings: int
    new_organisations: list[str]
    rows: list[ImportRowOut]


def _out(result: staff.ImportResult) -> ImportOut:
    data: dict[str, Any] = result.to_dict()
    data["rows"] = [ImportRowOut(**{**r, "messages": [ImportMessageOut(**m) for m in r["messages"]]})
                    for r in data["rows"]]
    return ImportOut(**data)


DryRun = Annotated[bool, Parameter(description="check only, save nothing")]


class StaffController(Controller):
    path = "/api"
    tags = ["Staff registry"]
    dependencies = {"actor": Provide(provide_actor)}
    exception_handlers = {HTTPException: upload_too_large}

    @post("/staff/import", summary="Import a staff list (XLSX or CSV): dry run or commit", status_code=200,
          request_max_body_size=BODY_LIMIT,
          description="Multipart field `file`. Headers (Vietnamese, tolerant): Họ và tên, Ngày sinh, Giới tính, "
                      "Số CCCD, Đơn vị, Loại cán bộ, Tỉnh/Thành phố, Xã/Phường, Ngày bắt đầu, Ngày nghỉ, Điện "
                      "thoại, Email. People are matched by CCCD (else name + date of birth in the province) and "
                      "updated, or created. A person in two provinces over overlapping periods is refused. "
                      "`dry_run=true` (default) reports every row; `dry_run=false` saves all rows or none (422 "
                      "listing the rows). A department imports only its own province's staff.")
    async def import_staff(self, data: Upload, actor: ActorDep, dry_run: DryRun = True) -> Response[ImportOut]:
        filename, content = await upload_content(data)
        result = await staff.import_staff(filename, content, actor, commit=not dry_run)
        return Response(_out(result), status_code=200 if dry_run else 201)

    @post("/communes/import", summary="Import the statistics office's commune list (coordinators)", status_code=200,
          request_max_body_size=BODY_LIMIT,
          description="Multipart field `file` (XLSX or CSV) with columns Mã (5 digits), Tên, and Tỉnh/Thành phố "
                      "(name) or Mã tỉnh (2025 code). New codes are added, changed names or provinces updated; all "
                      "rows or none.")
    async def import_communes(self, data: Upload, actor: ActorDep, dry_run: DryRun = True) -> Response[ImportOut]:
        filename, content = await upload_content(data)
        result = await communes.import_communes(filename, content, actor, commit=not dry_run)
        return Response(_out(result), status_code=200 if dry_run else 201)
