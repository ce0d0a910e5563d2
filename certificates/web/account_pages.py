"""A learner's own account pages (issue 13, ADR 0038): ``/activate`` (an invited account, with its activation
code), ``/login/forgot`` (ask for a reset code) and ``/login/reset`` (a new password with that code).

Thin: the codes, their limits and the one-winner decision are ``training.auth.codes``. Each form carries the
CSRF token of ``training.web.security`` as ``/login`` does (``certificates.web.learner``); a right code signs
her in with a new session (``start_session``: the same piccolo session ``/login`` creates). ``/login/forgot``
answers the same page whatever was typed, so it tells nobody whether an account exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template
from msgspec import Struct
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from certificates.web.pages import page
from training.auth.codes import ACTIVATION, RESET, RESET_MINUTES, Redeemed, redeem, request_reset
from training.auth.signin import SignInLocked
from training.core.config import behind_https, session_hours, session_max_hours
from training.core.enums import Role
from training.core.errors import DomainError
from training.core.i18n import _
from training.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_MESSAGE,
    SESSION_COOKIE,
    csrf_matches,
    expected_csrf_token,
    new_csrf_token,
)


class CodeIn(Struct):
    identifier: str = ""
    code: str = ""
    password: str = ""
    password_again: str = ""
    csrftoken: str = ""


class ForgotIn(Struct):
    identifier: str = ""
    csrftoken: str = ""


FORM = Body(media_type=RequestEncodingType.URL_ENCODED)


def form_page(request: Request, template: str, title: str, status: int = 200, **context) -> Template:
    """A page with a form: the CSRF token in the page (and its cookie, when the browser has none yet)."""
    token = expected_csrf_token(request.cookies)
    fresh = token is None
    token = token or new_csrf_token()
    response = page(template, title, status=status, token=token, csrf_field=CSRF_FIELD, **context)
    if fresh:
        response.set_cookie(CSRF_COOKIE, token, samesite="lax", path="/", secure=behind_https())
    return response


async def start_session(request: Request, user_id: int, target: str) -> Response:
    """Sign the user in (a new piccolo session, the old one ended) and go to ``target``."""
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await SessionsBase.remove_session(old)
    now = dt.datetime.now()
    session = await SessionsBase.create_session(user_id, expiry_date=now + dt.timedelta(hours=session_hours()),
                                                max_expiry_date=now + dt.timedelta(hours=session_max_hours()))
    response = Redirect(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax", path="/", secure=behind_https())
    return response


def _code_page(request: Request, purpose: str, message: str = "", data: CodeIn | None = None,
               status: int = 200) -> Template:
    title = _("Activate your account") if purpose == ACTIVATION else _("Choose a new password")
    response = form_page(request, "account_code.html", title, status=status, message=message,
                         identifier=data.identifier if data else request.query_params.get("identifier", ""),
                         action="/activate" if purpose == ACTIVATION else "/login/reset", purpose=purpose)
    return response


async def _redeem(request: Request, data: CodeIn, purpose: str) -> Response:
    if not csrf_matches(request.cookies, data.csrftoken):
        return _code_page(request, purpose, _(CSRF_MESSAGE), data, status=403)
    try:
        done: Redeemed = await redeem(data.identifier, data.code, purpose, data.password, data.password_again,
                                      request.client.host if request.client else "")
    except SignInLocked as exc:
        response = _code_page(request, purpose, exc.text(), data, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except DomainError as exc:
        return _code_page(request, purpose, " ".join(e.text() for e in exc.errors), data, status=exc.status)
    user = await BaseUser.select(BaseUser.active).where(BaseUser.id == done.user_id).first().run()
    if not user or not user["active"]:
        return Redirect("/login", status_code=303)
    target = {Role.learner: "/me", Role.trainer: "/sessions/today"}.get(done.role, "/admin/")
    return await start_session(request, done.user_id, target)


@get("/activate", include_in_schema=False)
async def activate_page(request: Request) -> Response:
    return _code_page(request, ACTIVATION)


@post("/activate", include_in_schema=False, status_code=200)
async def activate(request: Request, data: Annotated[CodeIn, FORM]) -> Response:
    return await _redeem(request, data, ACTIVATION)


@get("/login/reset", include_in_schema=False)
async def reset_page(request: Request) -> Response:
    return _code_page(request, RESET)


@post("/login/reset", include_in_schema=False, status_code=200)
async def reset(request: Request, data: Annotated[CodeIn, FORM]) -> Response:
    return await _redeem(request, data, RESET)


def _forgot_page(request: Request, sent: bool = False, message: str = "", identifier: str = "",
                 status: int = 200) -> Template:
    return form_page(request, "forgot.html", _("Forgot your password?"), status=status, sent=sent, message=message,
                     identifier=identifier, minutes=RESET_MINUTES)


@get("/login/forgot", include_in_schema=False)
async def forgot_page(request: Request) -> Response:
    return _forgot_page(request)


@post("/login/forgot", include_in_schema=False, status_code=200)
async def forgot(request: Request, data: Annotated[ForgotIn, FORM]) -> Response:
    if not csrf_matches(request.cookies, data.csrftoken):
        return _forgot_page(request, message=_(CSRF_MESSAGE), identifier=data.identifier, status=403)
    try:
        await request_reset(data.identifier, request.client.host if request.client else "")
    except SignInLocked as exc:
        response = _forgot_page(request, message=exc.text(), identifier=data.identifier, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    return _forgot_page(request, sent=True, identifier=data.identifier)


def account_router() -> Router:
    return Router(path="/", route_handlers=[activate_page, activate, reset_page, reset, forgot_page, forgot])
