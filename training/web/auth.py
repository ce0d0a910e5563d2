"""Who is calling the API: the admin's signed-in session (cookie ``id``) or a bearer token.

Writes authenticated by the session cookie must carry the ``X-CSRFToken`` header with the session's
own CSRF token (``training.web.security.csrf_token_for``: the ``csrftoken`` cookie the admin and the tool
pages read); a token of another session, or a cookie copied into the header, is refused. Bearer-token
calls need no CSRF token.
"""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from piccolo.apps.user.tables import BaseUser

from training.auth.access import Actor, actor_for_user, session_user
from training.auth.tokens import user_id_for_token
from training.core.enums import Role
from training.core.errors import DomainError, PermissionDenied
from training.core.i18n import N_
from training.web.security import CSRF_HEADER, CSRF_MESSAGE, csrf_matches

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def _user_from_request(request: Request | ASGIConnection, form_token: str | None = None) -> dict | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user_id = await user_id_for_token(header[7:].strip())
        if user_id is None:
            return None
    else:
        session = request.cookies.get("id")
        if not session:
            return None
        user = await session_user(session)  # the session, its user and Account in one query
        if user is None:
            return None
        if request.scope.get("method", "GET") not in SAFE_METHODS:
            sent = form_token if form_token is not None else request.headers.get(CSRF_HEADER)
            if not csrf_matches(request.cookies, sent):
                raise PermissionDenied.single("csrf", CSRF_MESSAGE)
        return user
    return await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.superuser, BaseUser.active).where(
        BaseUser.id == user_id).first().run()


async def provide_actor(request: Request) -> Actor:
    """Litestar dependency: the calling actor, or 401."""
    return await _actor_of(await _user_from_request(request))


async def form_actor(request: Request, form_token: str) -> Actor | None:
    """The actor of an HTML form's POST, whose CSRF token is in the form's field (``csrftoken``) instead of
    the header; None when nobody is signed in. A wrong token is refused (403) as in ``provide_actor``."""
    try:
        return await _actor_of(await _user_from_request(request, form_token or ""))
    except DomainError as exc:
        if exc.status == 401:
            return None
        raise


async def _actor_of(user: dict | None) -> Actor:
    if user is None or not user["active"]:
        raise DomainError.single("unauthenticated", N_("Please sign in first."), http_status=401)
    actor = await actor_for_user(user)
    if actor is None:
        raise PermissionDenied.single("no_role", N_("Your account has no role in this system."))
    return actor


async def refuse_learners(connection: ASGIConnection, handler) -> None:
    """Guard of the staff tool pages (``/tools/*``): a learner gets 403, and so does a trainer unless the page
    is one of theirs (``opt={"trainers": True}``: their start page and their sessions' attendance pages,
    ADR 0031). Nobody signed in passes on, to the page's own redirect to the sign-in."""
    try:
        actor = await provide_actor(connection)  # type: ignore[arg-type]  # reads headers and cookies only
    except DomainError:
        return
    if actor.role == Role.learner:
        raise PermissionDenied.single("learner_not_staff", N_("This page is for training staff; learners see "
                                                              "their classes and certificates at /me."))
    if actor.role == Role.trainer and not handler.opt.get("trainers"):
        raise PermissionDenied.single("trainer_not_staff", N_("This page is for training coordinators; trainers "
                                                              "see the sessions they teach at /sessions/today."))


async def page_actor(request: Request) -> Actor | None:
    """The actor of a page's request, or None when nobody is signed in (the page then sends them to the
    sign-in); any other refusal is raised as it is."""
    try:
        return await provide_actor(request)
    except DomainError as exc:
        if exc.status == 401:
            return None
        raise
