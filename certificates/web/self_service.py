"""The learner's self-service pages (issue 13, ADR 0039): ``/me/account`` (password, contact details,
message preferences), ``/me/record`` and its PDF; and ``/people/{id}/record.pdf``, the same PDF printed for
a person by a coordinator or the department of her province (anyone else: 404).

Thin: each handler reads the form (CSRF token in a hidden field, ``training.web.auth.form_actor``), calls
one domain function (``training.auth.self_service``, ``certificates.record``) and shapes the page.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response
from msgspec import Struct

from certificates.record import record_for_print, training_record
from certificates.record_pdf import record_pdf
from certificates.web.pages import NO_STORE, page
from training.auth import self_service
from training.auth.access import Actor
from training.core.enums import Role
from training.core.errors import DomainError
from training.core.i18n import N_, _, get_language
from training.people.tables import Person
from training.web.auth import form_actor, page_actor
from training.web.security import CSRF_FIELD, CSRF_MESSAGE, SESSION_COOKIE, expected_csrf_token

DONE = {"password": N_("Your password is changed. You were signed out on your other devices."),
        "contacts": N_("Your contact details are saved."),
        "preferences": N_("Your message preferences are saved.")}


class PasswordIn(Struct):
    current_password: str = ""
    new_password: str = ""
    new_password_again: str = ""
    csrftoken: str = ""


class ContactsIn(Struct):
    email: str = ""
    phone: str = ""
    csrftoken: str = ""


class PreferencesIn(Struct):
    language: str = "vi"
    reminders: str = ""
    csrftoken: str = ""


def _elsewhere(actor: Actor) -> Redirect:
    return Redirect("/sessions/today" if actor.role == Role.trainer else "/admin/")


async def _account_page(request: Request, actor: Actor, message: str = "", error: str = "", status: int = 200,
                        form: str = "") -> Response:
    person = await Person.select(Person.full_name, Person.email, Person.phone).where(
        Person.id == actor.person_id).first().run()
    prefs = await self_service.preferences(actor.person_id)
    return page("account.html", _("My account"), status=status, person=person, prefs=prefs, message=message,
                error=error, form=form, token=expected_csrf_token(request.cookies) or "", csrf_field=CSRF_FIELD)


@get("/me/account", include_in_schema=False)
async def account_page(request: Request, done: str = "") -> Response:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/login")
    if actor.role != Role.learner:
        return _elsewhere(actor)
    return await _account_page(request, actor, message=_(DONE[done]) if done in DONE else "")


async def _form(request: Request, token: str, form: str, action) -> Response:
    """Run one account form: the actor from the form's CSRF token, then ``action(actor)``."""
    try:
        actor = await form_actor(request, token)
    except DomainError as exc:
        if exc.code == "csrf":
            return Response(_(CSRF_MESSAGE), status_code=403, media_type="text/plain", headers=NO_STORE)
        raise
    if actor is None:
        return Redirect("/login")
    if actor.role != Role.learner:
        return _elsewhere(actor)
    try:
        await action(actor)
    except DomainError as exc:
        return await _account_page(request, actor, error=exc.text(), status=exc.status, form=form)
    return Redirect(f"/me/account?done={form}", status_code=303)


@post("/me/password", include_in_schema=False, status_code=303)
async def change_password(request: Request, data: Annotated[PasswordIn, Body(
        media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
    return await _form(request, data.csrftoken, "password", lambda actor: self_service.change_password(
        actor, data.current_password, data.new_password, data.new_password_again,
        request.cookies.get(SESSION_COOKIE)))


@post("/me/contacts", include_in_schema=False, status_code=303)
async def change_contacts(request: Request, data: Annotated[ContactsIn, Body(
        media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
    return await _form(request, data.csrftoken, "contacts",
                       lambda actor: self_service.change_contacts(actor, data.email, data.phone))


@post("/me/preferences", include_in_schema=False, status_code=303)
async def change_preferences(request: Request, data: Annotated[PreferencesIn, Body(
        media_type=RequestEncodingType.URL_ENCODED)]) -> Response:
    return await _form(request, data.csrftoken, "preferences", lambda actor: self_service.set_preferences(
        actor, data.language, data.reminders == "on"))


@get("/me/record", include_in_schema=False)
async def record_page(request: Request) -> Response:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/login")
    if actor.role != Role.learner or actor.person_id is None:
        return _elsewhere(actor)
    record = await training_record(actor.person_id, actor)
    return page("record.html", _("My training record"), record=record,
                token=expected_csrf_token(request.cookies) or "", csrf_field=CSRF_FIELD)


def _pdf(record: dict) -> Response:
    name = f"qua-trinh-dao-tao-{record['person']['id']}.pdf"
    return Response(record_pdf(record, get_language()), media_type="application/pdf",
                    headers={**NO_STORE, "Content-Disposition": f'inline; filename="{name}"'})


@get("/me/record.pdf", include_in_schema=False)
async def my_record_pdf(request: Request) -> Response:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/login")
    if actor.role != Role.learner or actor.person_id is None:
        return _elsewhere(actor)
    return _pdf(await record_for_print(actor.person_id, actor))


@get("/people/{person_id:int}/record.pdf", include_in_schema=False)
async def person_record_pdf(request: Request, person_id: int) -> Response:
    actor = await page_actor(request)
    if actor is None:
        return Redirect("/login")
    return _pdf(await record_for_print(person_id, actor))


def self_service_router() -> Router:
    return Router(path="/", route_handlers=[account_page, change_password, change_contacts, change_preferences,
                                            record_page, my_record_pdf, person_record_pdf])
