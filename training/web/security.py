"""HTTP security for the whole service, as one ASGI middleware around everything (Litestar pages,
the API, /schema, static files and the mounted piccolo-admin):

- security headers on every response: Content-Security-Policy (``frame-ancestors 'none'``),
  ``X-Frame-Options: DENY``, ``Referrer-Policy``, ``X-Content-Type-Options: nosniff``, and HSTS
  when ``TRAINING_BASE_URL`` is https;
- behind https every cookie the service sets is ``Secure``;
- the client address: the socket peer, or the address in ``X-Forwarded-For`` when the peer is one
  of ``TRAINING_TRUSTED_PROXIES`` (written into ``scope["client"]`` for everything downstream);
- the CSRF token is bound to the session: with a session cookie ``id``, the ``csrftoken`` cookie is
  HMAC(secret key, session id), which the admin (and our tool pages) read and send back in
  ``X-CSRFToken``; writes to the admin with a session must carry exactly that value. The API checks
  the same value in ``training.web.auth``; the learner's sign-in forms in ``certificates.web.learner``.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import secrets

from training.core.config import behind_https, hsts_max_age, secret_key, session_max_hours, trusted_proxies
from training.core.i18n import N_, _

SESSION_COOKIE = "id"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"
CSRF_FIELD = "csrftoken"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}

# Scripts only from this origin (no inline script, no eval): every page loads its scripts as static
# files (training/web/static). Inline styles are allowed: our pages use one stylesheet (/static/site.css)
# but the SVG charts carry a style attribute, and Vue (the admin) and Swagger UI set styles.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
               "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
               "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
# JSON, files and everything else: nothing may run or load in their context.
RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'"
# PDFs open in the browser's own viewer: only forbid framing.
PDF_POLICY = "frame-ancestors 'none'"

CSRF_MESSAGE = N_("The form is out of date; reload the page and try again.")


def csrf_token_for(session_id: str) -> str:
    """The CSRF token of one session: an HMAC of its id with the secret key."""
    return hmac.new(secret_key().encode(), b"csrf:" + session_id.encode(), hashlib.sha256).hexdigest()


def expected_csrf_token(cookies: dict[str, str]) -> str | None:
    """The token a write must carry: bound to the session when there is one, else the ``csrftoken``
    cookie (double submit, before sign-in)."""
    session = cookies.get(SESSION_COOKIE)
    if session:
        return csrf_token_for(session)
    return cookies.get(CSRF_COOKIE) or None


def csrf_matches(cookies: dict[str, str], sent: str | None) -> bool:
    expected = expected_csrf_token(cookies)
    return bool(expected and sent and hmac.compare_digest(expected.encode(), sent.encode()))


def new_csrf_token() -> str:
    return secrets.token_hex(32)


def parse_cookies(header: str) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in cookies:
            cookies[name] = value.strip().strip('"')
    return cookies


def client_address(peer: str | None, forwarded_for: str | None) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the right-most
    address of ``X-Forwarded-For`` that is not itself a trusted proxy."""
    peer = peer or ""
    proxies = trusted_proxies()
    if not proxies or not forwarded_for or not _is_trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # garbage from before the trusted proxies: stop at the last good hop
        client = hop
        if not _is_trusted(hop, proxies):
            break
    return client


def _is_trusted(address: str, proxies: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def _policy_for(content_type: str) -> str:
    if content_type.startswith("text/html"):
        return PAGE_POLICY
    if content_type.startswith("application/pdf"):
        return PDF_POLICY
    return RESOURCE_POLICY


def _cookie_name(set_cookie: str) -> str:
    return set_cookie.split("=", 1)[0].strip()


def _cookie_value(set_cookie: str) -> str:
    return set_cookie.split("=", 1)[1].split(";", 1)[0].strip().strip('"') if "=" in set_cookie else ""


def _refused(send, status: int, code: str, message: str):
    body = json.dumps({"error": {"code": code, "message": message, "field": None, "errors": []}},
                      ensure_ascii=False).encode()

    async def respond():
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    return respond()


def security_middleware(app):
    """The ASGI middleware described in the module docstring."""

    async def middleware(scope, receive, send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        headers = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        peer = scope.get("client")
        address = client_address(peer[0] if peer else None, headers.get("x-forwarded-for"))
        scope = dict(scope)
        scope["client"] = (address, peer[1] if peer else 0)
        cookies = parse_cookies(headers.get("cookie", ""))
        session = cookies.get(SESSION_COOKIE) or None
        method = scope.get("method", "GET").upper()

        if (method not in SAFE_METHODS and session and scope.get("path", "").startswith("/admin")
                and "authorization" not in headers):
            # piccolo-admin compares the header with the cookie (double submit); the token must
            # also be this session's own.
            if not csrf_matches(cookies, headers.get(CSRF_HEADER)):
                await _refused(send, 403, "csrf", _(CSRF_MESSAGE))
                return

        secure = behind_https()

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                names = {k.decode("latin-1").lower() for k, _v in out}
                content_type = next((v.decode("latin-1").lower() for k, v in out
                                     if k.decode("latin-1").lower() == "content-type"), "")
                # The session this response leaves the browser with (a new sign-in sets one).
                bound_session = session
                for k, v in out:
                    if k.decode("latin-1").lower() == "set-cookie":
                        text = v.decode("latin-1")
                        if _cookie_name(text) == SESSION_COOKIE:
                            bound_session = _cookie_value(text) or None
                rebind = bound_session is not None and (
                    bound_session != session or cookies.get(CSRF_COOKIE) != csrf_token_for(bound_session))
                rewritten = []
                for k, v in out:
                    if k.decode("latin-1").lower() == "set-cookie":
                        text = v.decode("latin-1")
                        if rebind and _cookie_name(text) == CSRF_COOKIE:
                            continue  # replaced by the session-bound token below
                        if secure and "secure" not in [p.strip().lower() for p in text.split(";")[1:]]:
                            text += "; Secure"
                        v = text.encode("latin-1")
                    rewritten.append((k, v))
                if rebind:
                    cookie = (f"{CSRF_COOKIE}={csrf_token_for(bound_session)}; Path=/; SameSite=Lax; "
                              f"Max-Age={int(session_max_hours() * 3600)}")
                    rewritten.append((b"set-cookie", (cookie + ("; Secure" if secure else "")).encode()))
                extra = {
                    "content-security-policy": _policy_for(content_type),
                    "x-frame-options": "DENY",
                    "referrer-policy": "strict-origin-when-cross-origin",
                    "x-content-type-options": "nosniff",
                }
                if secure:
                    extra["strict-transport-security"] = f"max-age={hsts_max_age()}; includeSubDomains"
                for name, value in extra.items():
                    if name not in names:
                        rewritten.append((name.encode(), value.encode()))
                message = {**message, "headers": rewritten}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
