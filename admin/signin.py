"""The admin's sign-in, guarded around piccolo-admin's own login endpoint (``POST
/admin/public/login/``):

- the limits of ``training.auth.signin`` (failures only, in the database, per username and
  client address): a locked-out attempt gets 429 with a Vietnamese message and ``Retry-After``;
- learner and trainer accounts are refused (403): they sign in at ``/login``, and the session
  piccolo-admin made for them is deleted at once.

piccolo-admin's own per-process limiter counts every request; it is replaced by ``NoLimitProvider``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from piccolo_api.rate_limiting.middleware import RateLimitProvider
from piccolo_api.session_auth.tables import SessionsBase

from training.auth.signin import SignInLocked, attempt_succeeded, begin_attempt, role_of
from training.core.enums import Role
from training.core.errors import DomainError, PermissionDenied
from training.core.i18n import N_
from training.web.security import SESSION_COOKIE, parse_cookies

MAX_LOGIN_BODY = 64 * 1024
LEARNER_REFUSED = N_("Learner accounts cannot sign in to the administration. Sign in on the learner page "
                     "(/login) to see your classes and certificates.")
TRAINER_REFUSED = N_("Trainer accounts cannot sign in to the administration. Sign in at /login to see the "
                     "sessions you teach and take their attendance.")


class NoLimitProvider(RateLimitProvider):
    """piccolo-admin's limiter, switched off: ``guard_admin_login`` counts failures in the database."""

    def increment(self, identifier: str) -> None:
        return None


def _username(body: bytes, content_type: str) -> str | None:
    try:
        if "json" in content_type:
            data = json.loads(body or b"{}")
            value = data.get("username") if isinstance(data, dict) else None
        else:
            value = parse_qs(body.decode("utf-8", "replace")).get("username", [None])[0]
    except ValueError:
        return None
    return value if isinstance(value, str) else None


async def _json(send, status: int, payload: dict, headers: list | None = None) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


def guard_admin_login(admin_app):
    """Wraps the admin ASGI app; only the login POST is handled here, everything else passes."""

    async def app(scope, receive, send) -> None:
        if (scope["type"] != "http" or scope.get("method") != "POST"
                or not scope.get("path", "").endswith("/public/login/")):
            await admin_app(scope, receive, send)
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > MAX_LOGIN_BODY:
                too_large = DomainError.single("too_large", N_("The file or request is too large."), http_status=413)
                await _json(send, 413, too_large.payload())
                return
            more = message.get("more_body", False)
        body = b"".join(chunks)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        username = _username(body, headers.get("content-type", ""))
        client = scope.get("client")
        try:
            attempt = await begin_attempt(username, client[0] if client else "")
        except SignInLocked as exc:
            await _json(send, 429, exc.payload(), [(b"retry-after", str(exc.retry_after).encode())])
            return

        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        captured: list[dict] = []

        async def capture(message) -> None:
            captured.append(message)

        await admin_app(scope, replay, capture)
        start = next((m for m in captured if m["type"] == "http.response.start"), None)
        status = start["status"] if start else 500
        if status != 401:  # 401 is a wrong username or password: the row stays as a failure
            await attempt_succeeded(attempt)
        if start is not None and status < 400:
            session = None
            for key, value in start.get("headers", []):
                if key.lower() == b"set-cookie":
                    session = parse_cookies(value.decode("latin-1").split(";", 1)[0]).get(SESSION_COOKIE) or session
            role = await role_of(username) if session else None
            if session and role in (Role.learner, Role.trainer):
                await SessionsBase.remove_session(session)
                refused = (PermissionDenied.single("learner_not_admin", LEARNER_REFUSED) if role == Role.learner
                           else PermissionDenied.single("trainer_not_admin", TRAINER_REFUSED))
                expired = f"{SESSION_COOKIE}=; Max-Age=0; Path=/".encode()
                await _json(send, 403, refused.payload(), [(b"set-cookie", expired)])
                return
        for message in captured:
            await send(message)

    return app
