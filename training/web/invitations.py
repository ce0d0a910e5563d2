"""Invitations over HTTP (issue 13, ADR 0038): ``POST /api/classes/{id}/invitations``,
``POST /api/provinces/{code}/invitations``, the sheet's download ``GET /api/invitations/{id}/sheet.pdf``, and
the class workspace's page ``/classes/{id}/invitations`` (what happens, one button; then the counts and the
sheet). Thin over ``training.auth.invitations``, which decides who may invite whom."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter
from litestar.response import Redirect, Template
from msgspec import Struct

from training.auth.access import Actor
from training.auth.invitations import InvitationResult, invite, sheet_pdf
from training.classes.workspace import visible_class
from training.core.errors import DomainError, NotFound, PermissionDenied
from training.core.i18n import _
from training.web.auth import form_actor, page_actor, provide_actor, refuse_learners
from training.web.pages import tool_page
from training.web.security import CSRF_FIELD, expected_csrf_token

ClassId = Annotated[int, PathParameter(description="ID of the class")]
ActorDep = NamedDependency[Actor]
DESCRIPTION = ("Every learner of the class (each enrolment but the withdrawn) or of the province's staff registry "
               "without an account gets an inactive learner account and an activation code; an inactive account gets "
               "a new code (the old one stops working); active accounts are left alone. The code goes by email "
               "and/or SMS through the outbox when the learner has an address, otherwise onto one printable "
               "invitation sheet (PDF) that only the caller may download, until the codes expire. A department: "
               "the classes its province hosts and its own registry, people of its province only.")


class InvitationOut(Struct):
    created: int
    reinvited: int
    already_active: int
    by_email: int
    by_sms: int
    on_sheet: int
    label: str
    sheet: str | None


def _out(result: InvitationResult) -> InvitationOut:
    sheet = f"/api/invitations/{result.sheet_id}/sheet.pdf" if result.sheet_id else None
    return InvitationOut(**result.counts(), label=result.label, sheet=sheet)


@post("/api/classes/{class_id:int}/invitations", tags=["Accounts"], status_code=200,
      dependencies={"actor": Provide(provide_actor)}, summary="Invite a class's learners to activate accounts",
      description=DESCRIPTION)
async def invite_class(class_id: ClassId, actor: ActorDep) -> InvitationOut:
    return _out(await invite(actor, class_id=class_id))


@post("/api/provinces/{code:str}/invitations", tags=["Accounts"], status_code=200,
      dependencies={"actor": Provide(provide_actor)},
      summary="Invite a province's staff registry to activate accounts", description=DESCRIPTION)
async def invite_province(code: Annotated[str, PathParameter(description="2025 province code, e.g. 56")],
                          actor: ActorDep) -> InvitationOut:
    return _out(await invite(actor, province_code=code))


@get("/api/invitations/{sheet_id:int}/sheet.pdf", tags=["Accounts"], dependencies={"actor": Provide(provide_actor)},
     summary="The printable invitation sheet of one invitation",
     description="Only for the account that invited, until the codes expire (404 otherwise); each download is "
                 "recorded in the personal data access log.", media_type="application/pdf")
async def invitation_sheet(sheet_id: Annotated[int, PathParameter(description="ID of the sheet")],
                           actor: ActorDep) -> Response:
    name, pdf = await sheet_pdf(actor, sheet_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


class InviteFormIn(Struct):
    csrftoken: str = ""


async def _class_or_none(class_id: int, actor: Actor) -> dict | None:
    try:
        return await visible_class(class_id, actor)
    except NotFound:
        return None


def _page(request: Request, cls: dict, result: InvitationOut | None = None, message: str = "",
          status: int = 200) -> Template:
    response = tool_page("classes/invitations.html", _("Invite the learners to create their accounts"), {}, "",
                         crumb=cls["code"], cls=cls, result=result, message=message,
                         token=expected_csrf_token(request.cookies) or "", csrf_field=CSRF_FIELD)
    response.status_code = status
    return response


@get("/classes/{class_id:int}/invitations", include_in_schema=False, guards=[refuse_learners])
async def invitations_page(request: Request, class_id: ClassId) -> Template | Redirect:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/admin/")
    cls = await _class_or_none(class_id, actor)
    if cls is None:
        return Template(template_name="classes/missing.html", context={"title": _("Class not found"), "texts": {}},
                        status_code=404, media_type="text/html")
    return _page(request, cls)


@post("/classes/{class_id:int}/invitations", include_in_schema=False, guards=[refuse_learners], status_code=200)
async def invitations_post(request: Request, class_id: ClassId,
                           data: Annotated[InviteFormIn, Body(media_type=RequestEncodingType.URL_ENCODED)]
                           ) -> Response:
    try:
        actor = await form_actor(request, data.csrftoken)
    except PermissionDenied as exc:
        return Response(exc.text(), status_code=403, media_type="text/plain")
    if actor is None:
        return Redirect("/admin/")
    cls = await _class_or_none(class_id, actor)
    if cls is None:
        return Template(template_name="classes/missing.html", context={"title": _("Class not found"), "texts": {}},
                        status_code=404, media_type="text/html")
    try:
        result = _out(await invite(actor, class_id=class_id))
    except DomainError as exc:
        return _page(request, cls, message=exc.text(), status=exc.status)
    return _page(request, cls, result=result)


INVITATION_HANDLERS = [invite_class, invite_province, invitation_sheet, invitations_page, invitations_post]
