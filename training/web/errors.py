"""The web's error answers: every refusal, whatever raised it (a domain rule, Litestar's own request
validation, an HTTP error, an unexpected exception), in the one JSON shape of ``training.core.errors``,
and the OpenAPI schema saying so. ``training.web.app`` registers these handlers."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Litestar, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import ResponseSpec
from litestar.response import Template

from training.core.db import database_unavailable
from training.core.errors import DomainError, ErrorBody
from training.core.i18n import N_, _
from training.core.labels import field_label
from training.core.metrics import DATABASE_UNAVAILABLE

log = logging.getLogger("training")


def _error(status: int, code: str, message: str, field: str | None = None,
           errors: list[dict[str, Any]] | None = None, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"code": code, "message": message, "field": field, "errors": errors or []}}
    return Response(body, status_code=status, media_type="application/json", headers=headers)


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
    response = _error(exc.status_code, code, _(msgid))
    if exc.status_code == 429 and exc.headers:  # Retry-After and the RateLimit-* headers of a refusal
        response.headers.update(exc.headers)
    return response


def undecodable_text_handler(_request: Request, exc: UnicodeDecodeError) -> Response:
    """Text a client sent that is not UTF-8 (e.g. a multipart part without a file name, which
    Litestar then reads as a text field)."""
    return _error(400, "not_utf8", _("The request contains text that is not UTF-8 (a file sent without a file name?)."))


UNAVAILABLE_MESSAGE = N_("The service is briefly unavailable: the database cannot be reached. Your data is safe; "
                         "please try again in a minute.")
RETRY_AFTER = "30"  # seconds: what a 503 asks a client to wait


def wants_html(request: Request) -> bool:
    """A person's browser on a page (the public /verify page above all), not a program on the API."""
    path = request.url.path
    return not path.startswith(("/api/", "/admin/api", "/health", "/metrics")) and \
        "text/html" in request.headers.get("accept", "")


def unavailable_answer(request: Request, exc: BaseException) -> Response:
    """503 while the database is down: one log line (no traceback: an outage would otherwise write
    megabytes of identical ones), then the one error shape, or a Vietnamese page for a browser."""
    DATABASE_UNAVAILABLE.inc()
    route = request.scope.get("path_template") or request.url.path
    log.warning("Database unavailable on %s %s: %s: %s", request.method, route, type(exc).__name__,
                str(exc).splitlines()[0][:200] if str(exc) else "")
    headers = {"Retry-After": RETRY_AFTER, "Cache-Control": "no-store"}
    if wants_html(request):
        return Template(template_name="unavailable.html", status_code=503, media_type="text/html", headers=headers,
                        context={"title": _("The service is briefly unavailable"), "message": _(UNAVAILABLE_MESSAGE),
                                 "verifying": request.url.path.startswith("/verify")})
    return _error(503, "database_unavailable", _(UNAVAILABLE_MESSAGE), headers=headers)


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if database_unavailable(exc):
        return unavailable_answer(request, exc)
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
