"""Health, request ids, request metrics and ``/metrics``.

- ``GET /health`` is liveness: the process answers. It touches nothing else (no database
  connection), so a load balancer may ask it as often as it likes.
- ``GET /health/ready`` is readiness: the database answers and accepts a write (rolled back;
  ``training.core.db.check_writable``) within ``TRAINING_READY_TIMEOUT`` seconds, else 503.
- ``observability_middleware`` gives every request an id (a sane ``X-Request-ID`` the client sent,
  or a new one), returned in the ``X-Request-ID`` header and carried by every log line written while
  the request runs (``training.core.logs.request_id``); it counts requests and their latency by route
  template (``/api/verify/{number}``, never the raw path) and, with ``TRAINING_LOG_FORMAT=json``
  and ``TRAINING_ACCESS_LOG=1``, writes one access line per request (route template, status, time).
- ``GET /metrics`` answers only the addresses of ``TRAINING_METRICS_ALLOW`` (404 to the others).
"""

from __future__ import annotations

import ipaddress
import logging
import time

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from msgspec import Struct
from prometheus_client.core import GaugeMetricFamily

from certificates.issuing import counts_by_status
from training.core.config import access_log, log_format, metrics_allow, ready_timeout, trusted_proxies
from training.core.db import check_writable, engine, pool_figures, rows_by_status
from training.core.logs import request_id, sane_request_id
from training.core.metrics import CONTENT_TYPE, HTTP_REQUESTS, HTTP_SECONDS, exposition
from training.web.errors import unavailable_answer

log = logging.getLogger("training")
access = logging.getLogger("training.access")

REQUEST_ID_HEADER = b"x-request-id"
UNMATCHED = "unmatched"  # a 404 outside every route: one label, not one per path tried
# The notification outbox (training.notifications): counted by status when its table exists.
OUTBOX_TABLE = "notification"


def observability_middleware(app):
    """The ASGI middleware described in the module docstring (inside ``security_middleware``, so the
    client address is already decided; Litestar writes the route template into the same scope)."""

    async def middleware(scope, receive, send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        sent = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == REQUEST_ID_HEADER), None)
        rid = sane_request_id(sent)
        token = request_id.set(rid)
        start = time.perf_counter()
        status = 500

        async def send_with_id(message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", []), (REQUEST_ID_HEADER, rid.encode())]}
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            method, route = scope.get("method", ""), route_template(scope)
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_SECONDS.labels(method=method, route=route).observe(elapsed)
            if access_log() and log_format() == "json":
                access.info("%s %s %s", method, route, status, extra={
                    "method": method, "route": route, "status": status, "duration_ms": round(elapsed * 1000, 2)})
            request_id.reset(token)

    return middleware


def route_template(scope) -> str:
    """The route a request matched, as declared (``/api/verify/{number}``); a mount (the admin, static
    files) by its path; ``unmatched`` for a path no route has."""
    if scope.get("path_template"):
        return scope["path_template"]
    handler = scope.get("route_handler")
    paths = sorted(getattr(handler, "paths", None) or ())
    return paths[0] if paths else UNMATCHED


class Health(Struct):
    status: str


class Readiness(Struct):
    status: str
    database: str


@get("/health", tags=["System"], summary="Liveness: the service answers (no database connection)")
async def health() -> Health:
    return Health(status="ok")


@get("/health/ready", tags=["System"], summary="Readiness: the database answers and accepts a write (503 if not)")
async def ready(request: Request) -> Response:
    try:
        await check_writable(ready_timeout())
    except Exception as exc:  # noqa: BLE001 (whatever the database says, the answer is "not ready")
        return unavailable_answer(request, exc)
    return Response(Readiness(status="ok", database="ok"))


def metrics_allowed(request: Request) -> bool:
    """The client (as ``training.web.security`` decided it) is one of ``TRAINING_METRICS_ALLOW``. A
    request forwarded by a proxy while no proxy is trusted is refused: behind a local nginx, every
    visitor would otherwise look like 127.0.0.1."""
    if request.headers.get("x-forwarded-for") and not trusted_proxies():
        return False
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(address in network for network in metrics_allow())


async def database_families() -> list:
    """What ``/metrics`` reads from the database: certificates by status, the notification outbox by
    status (while its table exists), the connection pool, and whether the database answered."""
    families = []
    pool = pool_figures()
    if pool is not None:
        for name, text in (("size", "connections open"), ("in_use", "connections in use"),
                           ("max", "most connections the pool may open")):
            families.append(GaugeMetricFamily(f"training_database_pool_{name}", f"PostgreSQL pool: {text}",
                                              value=pool[name]))
    up = GaugeMetricFamily("training_database_up", "1 when the database answered this scrape's queries",
                           labels=["engine"])
    try:
        certificates = await counts_by_status()
        outbox = await rows_by_status(OUTBOX_TABLE)
    except Exception as exc:  # noqa: BLE001 (the database is down: the scrape still answers)
        log.warning("Metrics: database figures unavailable: %s: %s", type(exc).__name__, exc)
        up.add_metric([engine().engine_type], 0)
        return [*families, up]
    up.add_metric([engine().engine_type], 1)
    issued = GaugeMetricFamily("training_certificates", "Certificates issued, by status", labels=["status"])
    for status, n in sorted(certificates.items()):
        issued.add_metric([status], n)
    families += [up, issued]
    if outbox is not None:
        notes = GaugeMetricFamily("training_notifications", "Notification outbox rows, by status", labels=["status"])
        for status, n in sorted(outbox.items()):
            notes.add_metric([status], n)
        families.append(notes)
    return families


@get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    if not metrics_allowed(request):
        raise NotFoundException()
    body = exposition(await database_families())
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})
