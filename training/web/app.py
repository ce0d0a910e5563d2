"""The Litestar application factory."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

from litestar import Litestar, get
from litestar.datastructures import State
from litestar.exceptions import HTTPException, NotFoundException, ValidationException
from litestar.handlers import asgi
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath
from litestar.response import File, Redirect
from litestar.types import Receive, Scope, Send
from msgspec import Struct

from admin.signin import guard_admin_login
from admin.site import build_admin, labels_data
from certificates.signing import check_signing_keys
from certificates.storage import shutdown_workers
from certificates.web.account_pages import account_router
from certificates.web.api import CertificateController
from certificates.web.learner import learner_router
from certificates.web.pages import public_router
from certificates.web.self_service import self_service_router
from certificates.web.tools import certificates_page
from training.core.config import db_pool_size, log_format
from training.core.db import engine
from training.core.errors import DomainError, FieldError
from training.core.i18n import N_, negotiate, reset_language, set_language
from training.core.logs import install as install_log_masking
from training.people.privacy import current_route, set_route
from training.reference.provinces import migrate_and_load_provinces, province_by_code
from training.reference.tables import LegacyProvince, Province
from training.web.admin_home import admin_home
from training.web.attendance_page import attendance_page, sessions_today
from training.web.background import start_sender, stop_sender
from training.web.classes import ClassController, counts
from training.web.coverage import CoverageController
from training.web.dashboard import national_dashboard, province_dashboard
from training.web.errors import (
    document_errors,
    domain_error_handler,
    http_error_handler,
    internal_error_handler,
    undecodable_text_handler,
    validation_error_handler,
)
from training.web.inputs import input_guard
from training.web.invitations import INVITATION_HANDLERS
from training.web.observability import health, metrics, observability_middleware, ready
from training.web.openapi_ui import SelfHostedSwagger, schema_asset
from training.web.pages import roster_page, sheet_page, staff_page
from training.web.privacy import PrivacyController
from training.web.roster import RosterController
from training.web.scores import ScoresController, close_page, scores_page
from training.web.security import security_middleware
from training.web.staff import StaffController
from training.web.templating import STATIC_DIR, static_files_router, template_config, tool_scripts_router
from training.web.trainers import list_trainers, trainers_page, workload_download
from training.web.workspace import candidates, class_page, classes_page

log = logging.getLogger("training")


# --- language ------------------------------------------------------------------------------

def language_middleware(app):
    """Sets the request language from ?lang=, the ``lang`` cookie or Accept-Language (vi default)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
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
        # raw_path: the path as sent (the admin's mount strips "/admin" from ``path``)
        path = (scope.get("raw_path") or scope.get("path", "").encode()).decode("latin-1").split("?")[0]
        token = set_route(f"{scope.get('method', '')} {path}")
        try:
            await app(scope, receive, send)
        finally:
            current_route.reset(token)

    return middleware


# --- basic endpoints -----------------------------------------------------------------------

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
    rows = await Province.select(Province.code, Province.name, Province.kind).order_by(Province.code).run()
    return [ProvinceOut(**r) for r in rows]


@get("/api/provinces/legacy", tags=["Reference data"],
     summary="The 63 provinces before the 2025 merger, with the 2025 province each belongs to")
async def list_legacy_provinces() -> list[LegacyProvinceOut]:
    rows = await LegacyProvince.select(
        LegacyProvince.code, LegacyProvince.name, LegacyProvince.kind,
        LegacyProvince.province.code.as_alias("code_2025"),
    ).order_by(LegacyProvince.code).run()
    return [LegacyProvinceOut(**r) for r in rows]


@get("/api/provinces/{code:str}", tags=["Reference data"], summary="One 2025 province by its code")
async def get_province(code: FromPath[str]) -> ProvinceOut:
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


def admin_mount():
    """The piccolo-admin app, behind its sign-in guard, mounted at /admin."""
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

    return admin


def lifespan_hooks(run_migrations: bool, use_pool: bool, run_sender: bool = False):
    """The app's start-up (migrations and reference data if asked, signing keys checked, the pool opened,
    the notification sender started if asked) and shut-down (sender and PDF renderers stopped, the pool
    closed)."""

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
            size = db_pool_size()
            await db.start_connection_pool(min_size=min(2, size), max_size=size)
        if run_sender:
            start_sender(app)

    async def on_shutdown(app: Litestar) -> None:
        await stop_sender(app)
        shutdown_workers()  # no PDF renderer outlives the service
        db = engine()
        if use_pool and db.engine_type == "postgres":
            await db.close_connection_pool()

    return on_startup, on_shutdown


def create_app(run_migrations: bool = False, use_pool: bool = False, run_sender: bool = False) -> Litestar:
    """The web app. ``use_pool`` opens a PostgreSQL connection pool for the app's lifetime (the
    server does; tests don't, because they also query from other event loops); ``run_sender`` runs the
    notification sender in the background (the server does, unless TRAINING_NOTIFY_SENDER=0)."""
    install_log_masking()
    on_startup, on_shutdown = lifespan_hooks(run_migrations, use_pool, run_sender)
    app = Litestar(
        route_handlers=[ClassController, RosterController, CoverageController, StaffController, counts,
                        national_dashboard, province_dashboard, roster_page, sheet_page, staff_page, attendance_page,
                        sessions_today, admin_home, classes_page, class_page, candidates, health, ready, metrics,
                        CertificateController, public_router(), learner_router(), self_service_router(),
                        account_router(), *INVITATION_HANDLERS,
                        certificates_page, list_provinces, list_legacy_provinces, get_province, index, admin_labels,
                        admin_labels_texts, schema_asset, admin_mount(), PrivacyController, static_files_router(),
                        tool_scripts_router(), list_trainers, trainers_page, workload_download,
                        ScoresController, scores_page, close_page],
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
        # JSON lines: the handlers are uvicorn's log_config (training.core.logs), not Litestar's own
        **({"logging_config": None} if log_format() == "json" else {}),
    )
    document_errors(app)
    # Outside everything (also 404s and the admin mount): headers, Secure cookies, client address,
    # session-bound CSRF token. See training.web.security.
    # Inside it: the request id, request metrics by route template (training.web.observability).
    app.asgi_handler = security_middleware(observability_middleware(app.asgi_handler))
    return app
