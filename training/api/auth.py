"""Who is calling the API: the admin's signed-in session (cookie ``id``) or a bearer token.

Writes authenticated by the session cookie must carry the ``X-CSRFToken`` header matching the
``csrftoken`` cookie (as the admin does); bearer-token calls need no CSRF token.
"""

from __future__ import annotations

import hmac

from litestar import Request
from piccolo.apps.user.tables import BaseUser
from piccolo_api.session_auth.tables import SessionsBase

from training.access import Actor, actor_for_user
from training.errors import DomainError, PermissionDenied
from training.i18n import N_
from training.services.tokens import user_id_for_token

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def _user_from_request(request: Request) -> dict | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user_id = await user_id_for_token(header[7:].strip())
        if user_id is None:
            return None
    else:
        session = request.cookies.get("id")
        if not session:
            return None
        user_id = await SessionsBase.get_user_id(session)
        if user_id is None:
            return None
        if request.method not in SAFE_METHODS:
            cookie, header_token = request.cookies.get("csrftoken"), request.headers.get("x-csrftoken")
            if not cookie or not header_token or not hmac.compare_digest(cookie, header_token):
                raise PermissionDenied.single("csrf", N_("The form is out of date; reload the page and try again."))
    return await BaseUser.select(BaseUser.id, BaseUser.username, BaseUser.superuser, BaseUser.active).where(
        BaseUser.id == user_id).first().run()


async def provide_actor(request: Request) -> Actor:
    """Litestar dependency: the calling actor, or 401."""
    user = await _user_from_request(request)
    if user is None or not user["active"]:
        raise DomainError.single("unauthenticated", N_("Please sign in first."), http_status=401)
    actor = await actor_for_user(user)
    if actor is None:
        raise PermissionDenied.single("no_role", N_("Your account has no role in this system."))
    return actor
