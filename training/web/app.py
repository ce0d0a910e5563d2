"""The Litestar application factory."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.handlers import asgi
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.params import FromPath
from litestar.response import File, Redirect
from litestar.types import Receive, Scope, Send
from msgspec import Struct

from training.core.errors import DomainError, ErrorBody, FieldError
from training.core.i18n import N_, _, negotiate, reset_language, set_language
from training.core.logs import install as install_log_masking
from training.web.inputs import input_guard
from training.web.openapi_ui import SelfHostedSwagger, schema_asset
from training.web.security import security_middleware
from training.web.templating import STATIC_DIR, static_files_router, template_config, tool_scripts_router

log = logging.getLogger("training")


# --- language ------------------------------------------------------------------------------

def language_middleware(app):
    """Sets the request language from ?lang=, the ``lang`` cookie or Accept-Language (vi default)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        from urllib.parse import parse_qs

        query = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [None])[0]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        cookie_lang = None
        for part in headers.get("cookie", "").split(";"):
            name, _sep, value = part.strip().partition("=")
            if name == "lang":
                cookie_lang = value
        # The admin follows its own language switch (mirrored into the cookie by /admin-labels.js),
        # not the browser's Accept-Language: Vietnamese unless the user chose English.
        accept = None if scope.get("path", "").startswith("/admin") else headers.get("accept-language")
        token = set_language(negotiate(query, cookie_lang, accept))
        try:
            await app(scope, receive, send)
        finally:
            reset_language(token)

    return middleware


def route_middleware(app):
    """Names the request path for the personal data access log (``training.people.privacy``)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        from training.people.privacy import current_route, set_route

        # raw_path: the path as sent (the admin's mount strips "/admin" from ``path``)
        path = (scope.get("raw_path") or scope.get("path", "").encode()).decode("latin-1").split("?")[0]
        token = set_route(f"{scope.get('method', '')} {path}")
        try:
            await app(scope, receive, send)
        finally:
            current_route.reset(token)

    return middleware


# --- errors: one JSON shape ----------------------------------------------------------------

def _error(status: int, code: str, message: str, field: str | None = None,
           errors: list[dict[str, Any]] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "field": field, "errors": errors or []}}
    return Response(body, status_code=status, media_type="application/json")


def domain_error_handler(_request: Request, exc: DomainError) -> Response:
    return Response(exc.payload(), status_code=exc.status, media_type="application/json")


def validation_error_handler(_request: Request, exc: ValidationException) -> Response:
    details = exc.extra if isinstance(exc.extra, list) else []
    errors = []
    for item in details:
        key = item.get("key") if isinstance(item, dict) else None
        errors.append({"code": "invalid_value", "field": key,
                       "message": _("the value is not valid ({detail})", detail=item.get("message", ""))})
    field = errors[0]["field"] if errors else None
    message = _("The request is not valid.")
    if errors:
        from training.core.labels import field_label

        message = "; ".join(
            f"{field_label(e['field'])}: {e['message']}" if e["field"] else e["message"] for e in errors)
    return _error(400, "invalid_request", message, field, errors)


_HTTP_MESSAGES = {
    401: ("unauthenticated", N_("Please sign in first.")),
    403: ("forbidden", N_("Your account cannot do this.")),
    404: ("not_found", N_("The page or row you asked for does not exist.")),
    405: ("method_not_allowed", N_("This action is not allowed here.")),
    413: ("too_large", N_("The file or request is too large.")),
    429: ("rate_limited", N_("Too many requests; please wait a moment and try again.")),
}


def http_error_handler(_request: Request, exc: HTTPException) -> Response:
    code, msgid = _HTTP_MESSAGES.get(exc.status_code, ("http_error", N_("The request could not be handled.")))
    return _error(exc.status_code, code, _(msgid))


def undecodable_text_handler(_request: Request, exc: UnicodeDecodeError) -> Response:
    """Text a client sent that is not UTF-8 (e.g. a multipart part without a file name, which
    Litestar then reads as a text field)."""
    return _error(400, "not_utf8", _("The request contains text that is not UTF-8 (a file sent without a file name?)."))


def internal_error_handler(request: Request, exc: Exception) -> Response:
    log.exception("Unhandled error on %s %s", request.method, request.url.path)
    return _error(500, "internal_error", _("Something went wrong on our side; the error has been logged."))


ERROR_RESPONSES = {
    400: ResponseSpec(ErrorBody, description="The request is not valid: the one error shape, Vietnamese message "
                                             "(or English with ?lang=en)."),
    "4XX": ResponseSpec(ErrorBody, description="Any other refusal (401, 403, 404, 409, 413, 422, 429): the same "
                                               "shape."),
}


def document_errors(app: Litestar) -> None:
    """Every documented operation answers its errors in the one shape: say so in the OpenAPI schema
    (instead of Litestar's own ``{status_code, detail}``), unless a handler documents a code itself."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if getattr(handler, "include_in_schema", False) and hasattr(handler, "responses"):
                handler.responses = {**ERROR_RESPONSES, **(handler.responses or {})}


# --- basic endpoints -----------------------------------------------------------------------

class Health(Struct):
    status: str
    database: str


@get("/health", tags=["System"], summary="Service and database status")
async def health() -> Response[Health]:
    from training.reference.tables import Province

    try:
        await Province.count().run()
        return Response(Health(status="ok", database="ok"))
    except Exception:  # the database is down: say so, with 503
        log.exception("Health check: database unavailable")
        return Response(Health(status="error", database="unavailable"), status_code=503)


class ProvinceOut(Struct):
    code: str
    name: str
    kind: str


class LegacyProvinceOut(Struct):
    code: str
    name: str
    kind: str
    code_2025: str


@get("/api/provinces", tags=["Reference data"], summary="The 34 provinces in force since 1 July 2025")
async def list_provinces() -> list[ProvinceOut]:
    from training.reference.tables import Province

    rows = await Province.select(Province.code, Province.name, Province.kind).order_by(Province.code).run()
    return [ProvinceOut(**r) for r in rows]


@get("/api/provinces/legacy", tags=["Reference data"],
     summary="The 63 provinces before the 2025 merger, with the 2025 province each belongs to")
async def list_legacy_provinces() -> list[LegacyProvinceOut]:
    from training.reference.tables import LegacyProvince

    rows = await LegacyProvince.select(
        LegacyProvince.code, LegacyProvince.name, LegacyProvince.kind,
        LegacyProvince.province.code.as_alias("code_2025"),
    ).order_by(LegacyProvince.code).run()
    return [LegacyProvinceOut(**r) for r in rows]


@get("/api/provinces/{code:str}", tags=["Reference data"], summary="One 2025 province by its code")
async def get_province(code: FromPath[str]) -> ProvinceOut:
    from training.reference.provinces import province_by_code

    row = await province_by_code(code)
    if row is None:
        raise DomainError(FieldError("unknown_province", N_("There is no province with code {code}."),
                                     "province", {"code": code}), status=404)
    return ProvinceOut(code=row["code"], name=row["name"], kind=row["kind"])


@get("/", include_in_schema=False)
async def index() -> Redirect:
    return Redirect("/admin/")


@get("/admin-labels.js", include_in_schema=False)
async def admin_labels() -> File:
    """The admin page's script (a static file; its texts come from ``/admin-labels.json``)."""
    return File(path=STATIC_DIR / "admin-labels.js", media_type="application/javascript",
                content_disposition_type="inline")


@get("/admin-labels.json", include_in_schema=False)
async def admin_labels_texts(state: State) -> dict:
    return state.admin_labels


API_TITLE = "Đào tạo và chứng nhận công tác xã hội — API"


def create_app(run_migrations: bool = False, use_pool: bool = False) -> Litestar:
    """The web app. ``use_pool`` opens a PostgreSQL connection pool for the app's lifetime (the
    server does; tests don't, because they also query from other event loops)."""
    from admin.signin import guard_admin_login
    from admin.site import build_admin, labels_data
    from certificates.signing import check_signing_keys
    from training.core.db import engine
    from training.reference.provinces import migrate_and_load_provinces

    install_log_masking()
    admin_app = guard_admin_login(build_admin())

    @asgi("/admin", is_mount=True, copy_scope=True)
    async def admin(scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("raw_path", b"").rstrip(b"?") == b"/admin" or scope["path"] in ("", "/admin"):
            # The SPA loads its assets relative to /admin/: without the slash they break.
            await send({"type": "http.response.start", "status": 308,
                        "headers": [(b"location", b"/admin/"), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await admin_app(scope, receive, send)  # type: ignore[arg-type]

    async def on_startup(app: Litestar) -> None:
        if run_migrations:
            await migrate_and_load_provinces()
        try:
            await check_signing_keys()
        except DomainError as exc:  # keys lost or locked: refuse to start, and say how to restore them
            log.error("%s", exc.text())
            raise
        db = engine()
        if use_pool and db.engine_type == "postgres":
            await db.start_connection_pool(min_size=2, max_size=20)

    async def on_shutdown(app: Litestar) -> None:
        shutdown_workers()  # no PDF renderer outlives the service
        db = engine()
        if use_pool and db.engine_type == "postgres":
            await db.close_connection_pool()

    from certificates.storage import shutdown_workers
    from certificates.web.api import CertificateController
    from certificates.web.learner import learner_router
    from certificates.web.pages import public_router
    from certificates.web.tools import certificates_page
    from training.web.classes import ClassController, counts
    from training.web.coverage import CoverageController
    from training.web.dashboard import national_dashboard, province_dashboard
    from training.web.pages import roster_page, sheet_page, staff_page
    from training.web.privacy import PrivacyController
    from training.web.roster import RosterController
    from training.web.staff import StaffController

    app = Litestar(
        route_handlers=[ClassController, RosterController, CoverageController, StaffController, counts,
                        national_dashboard, province_dashboard, roster_page, sheet_page, staff_page, health,
                        CertificateController, public_router(), learner_router(), certificates_page,
                        list_provinces, list_legacy_provinces, get_province, index, admin_labels,
                        admin_labels_texts, schema_asset, admin, PrivacyController, static_files_router(),
                        tool_scripts_router()],
        template_config=template_config(),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        middleware=[language_middleware, route_middleware, input_guard],
        exception_handlers={
            DomainError: domain_error_handler,
            ValidationException: validation_error_handler,
            UnicodeDecodeError: undecodable_text_handler,
            NotFoundException: http_error_handler,
            HTTPException: http_error_handler,
            Exception: internal_error_handler,
        },
        openapi_config=OpenAPIConfig(
            title=API_TITLE,
            version="0.1.0",
            description="Training and certification of Vietnam's social-work workforce. "
                        "Errors share one shape: {error: {code, message, field, errors}}; "
                        "messages are Vietnamese unless ?lang=en or Accept-Language: en.",
            path="/schema",
            render_plugins=[SelfHostedSwagger(API_TITLE)],  # no CDN: see training.web.openapi_ui
        ),
        state=State({"admin_labels": labels_data()}),
    )
    document_errors(app)
    # Outside everything (also 404s and the admin mount): headers, Secure cookies, client address,
    # session-bound CSRF token. See training.web.security.
    app.asgi_handler = security_middleware(app.asgi_handler)
    return app
