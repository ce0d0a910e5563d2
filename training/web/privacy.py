"""Personal data (PDPL) over HTTP: the access log, a person's data export, erasure. Thin over
``training.people.privacy``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, Parameter
from msgspec import Struct

from training.auth.access import Actor
from training.core.enums import Role
from training.core.errors import PermissionDenied
from training.core.i18n import N_
from training.people import privacy
from training.web.auth import provide_actor

ActorDep = NamedDependency[Actor]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Format = Annotated[Literal["json", "xlsx"], Parameter(description="json (default) or xlsx")]


class AccessOut(Struct):
    id: int
    created_at: dt.datetime
    user_id: int | None
    username: str
    role: str
    action: str
    person: int | None
    person_count: int
    export: str
    route: str


class EraseIn(Struct):
    reason: str


class EraseOut(Struct):
    person: int
    result: str


def _export_response(data: dict, fmt: str) -> Response:
    name = f"du-lieu-ca-nhan-{data['person']['id']}"
    if fmt == "xlsx":
        return Response(privacy.data_export_xlsx(data), media_type=XLSX,
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return Response(json.dumps(data, ensure_ascii=False, indent=1).encode(), media_type="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}.json"'})


class PrivacyController(Controller):
    path = "/api"
    tags = ["Personal data"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/personal-data-access", summary="Who read or exported personal data (coordinators)")
    async def access_log(self, actor: ActorDep,
                         person_id: Annotated[int | None, Parameter(description="only entries about this person",
                                                                   ge=1, le=2**31 - 1)] = None,
                         limit: Annotated[int, Parameter(ge=1, le=5000)] = 500) -> list[AccessOut]:
        return [AccessOut(**r) for r in await privacy.access_entries(actor, person_id, limit)]

    @get("/people/{person_id:int}/data-export", summary="Everything held about one person (access request)",
         description="Coordinators, or the department of the person's province. JSON or XLSX; recorded in the "
                     "personal data access log.")
    async def data_export(self, person_id: FromPath[int], actor: ActorDep, format: Format = "json") -> Response:
        return _export_response(await privacy.person_data(person_id, actor), format)

    @get("/me/data-export", summary="Everything held about the signed-in learner")
    async def my_data_export(self, actor: ActorDep, format: Format = "json") -> Response:
        if actor.role != Role.learner or actor.person_id is None:
            raise PermissionDenied.single("learners_only",
                                          N_("This page is for learners signed in with their own account."))
        return _export_response(await privacy.person_data(actor.person_id, actor), format)

    @post("/people/{person_id:int}/erase", status_code=200,
          summary="Erase a person's personal data at their request (coordinators)",
          description="Anonymises the person (or deletes them when nothing refers to them). 409 when the person "
                      "holds a certificate: certificates and the register are kept (docs/decisions.md).")
    async def erase(self, person_id: FromPath[int], actor: ActorDep, data: JSONBody[EraseIn]) -> EraseOut:
        return EraseOut(**await privacy.erase_person(person_id, data.reason, actor))
