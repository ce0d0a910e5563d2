"""The learner's own pages: sign in, see classes, attendance and certificates, download the PDFs.

piccolo-admin admits only admin users, so learners sign in here. The session is piccolo's
(cookie ``id``), the same the API reads, so ``/api/me/certificates`` and the PDF downloads work
with it. A coordinator or department account signing in here is sent to the admin.

Both forms carry a CSRF token in a hidden field (``training.web.security``: bound to the session once
there is one, the ``csrftoken`` cookie before); sign-in (CCCD, phone, email or username:
``training.auth.learner_signin``) failures are limited by ``training.auth.signin`` (failures only, in the
database, per identifier, account and client address).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from urllib.parse import quote

from litestar import Request, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Response, Template
from msgspec import Struct
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from certificates import verification
from certificates.web.pages import page
from training.auth.access import actor_for_user
from training.auth.learner_signin import SignInRefused, sign_in
from training.auth.signin import SignInLocked
from training.core.config import behind_https, session_hours, session_max_hours
from training.core.enums import Role
from training.core.errors import DomainError
from training.core.i18n import _
from training.core.reads import read_snapshot
from training.web.auth import provide_actor
from training.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_MESSAGE,
    SESSION_COOKIE,
    csrf_matches,
    expected_csrf_token,
    new_csrf_token,
)


class LoginIn(Struct):
    username: str = ""
    password: str = ""
    csrftoken: str = ""


class LogoutIn(Struct):
    csrftoken: str = ""


def _token(request: Request) -> tuple[str, bool]:
    """The CSRF token for this browser's forms, and whether the cookie must be set now."""
    token = expected_csrf_token(request.cookies)
    return (token, False) if token else (new_csrf_token(), True)


def _login_page(request: Request, message: str = "", username: str = "", status: int = 200,
                refusal: str = "") -> Template:
    token, fresh = _token(request)
    response = page("login.html", _("Sign-in for learners and trainers"), status=status, message=message,
                    username=username, token=token, csrf_field=CSRF_FIELD, refusal=refusal)
    if fresh:
        response.set_cookie(CSRF_COOKIE, token, samesite="lax", path="/", secure=behind_https())
    return response


@get("/login", include_in_schema=False)
async def login_page(request: Request) -> Response:
    return _login_page(request)


@post("/login", include_in_schema=False, status_code=200)
async def login(request: Request, data: Annotated[LoginIn, Body(media_type=RequestEncodingType.URL_ENCODED)]
                ) -> Response:
    if not csrf_matches(request.cookies, data.csrftoken):
        return _login_page(request, _(CSRF_MESSAGE), data.username, status=403)
    try:
        account = await sign_in(data.username, data.password, request.client.host if request.client else "")
    except SignInLocked as exc:
        response = _login_page(request, exc.text(), data.username, status=429)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except SignInRefused as exc:
        return _login_page(request, exc.text(), data.username, status=exc.status, refusal=exc.code)
    user_id = account["user_id"]
    user = await BaseUser.select().where(BaseUser.id == user_id).first().run()
    actor = await actor_for_user(user)
    if actor is None:
        return _login_page(request, _("Your account has no role in this system."), status=403)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await SessionsBase.remove_session(old)
    now = dt.datetime.now()
    session = await SessionsBase.create_session(user_id, expiry_date=now + dt.timedelta(hours=session_hours()),
                                                max_expiry_date=now + dt.timedelta(hours=session_max_hours()))
    target = {Role.learner: "/me", Role.trainer: "/sessions/today"}.get(actor.role, "/admin/")
    response = Redirect(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax", path="/",
                        secure=behind_https())
    return response


@post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request, data: Annotated[LogoutIn, Body(media_type=RequestEncodingType.URL_ENCODED)]
                 ) -> Response:
    if not csrf_matches(request.cookies, data.csrftoken):
        return _login_page(request, _(CSRF_MESSAGE), status=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await SessionsBase.remove_session(token)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/me", include_in_schema=False)
async def my_page(request: Request) -> Response:
    async with read_snapshot():  # every query of the page on one connection (ADR 0044)
        return await _my_page(request)


async def _my_page(request: Request) -> Response:
    try:
        actor = await provide_actor(request)
    except DomainError:
        return Redirect("/login")
    if actor.role != Role.learner:
        return Redirect("/sessions/today" if actor.role == Role.trainer else "/admin/")
    person, classes = await verification.learner_overview(actor)
    certificates = [{**c, "issued": dt.date.fromisoformat(c["issued_on"]).strftime("%d/%m/%Y"),
                     "verify": f'/verify/{quote(c["number"])}?code={quote(c["verification_code"] or "")}'}
                    for c in await verification.my_certificates(actor)]
    return page("me.html", _("My certificates"), person=person, certificates=certificates, classes=classes,
                token=expected_csrf_token(request.cookies) or "", csrf_field=CSRF_FIELD)


def learner_router() -> Router:
    return Router(path="/", route_handlers=[login_page, login, logout, my_page])
