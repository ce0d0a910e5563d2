"""The rate-limit middleware of the public routes: ``training.auth.ratelimit`` counts in the database
(shared by every worker and server); a refused request gets 429 in the one error shape with
``Retry-After``, and every answer carries the ``RateLimit-*`` headers."""

from __future__ import annotations

from litestar.exceptions import TooManyRequestsException
from litestar.middleware import DefineMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from training.auth.ratelimit import SharedLimit


def shared_rate_limit(bucket: str, limit: int, window: int = 60) -> DefineMiddleware:
    """Middleware allowing ``limit`` requests per ``window`` seconds and client address (the address
    ``training.web.security`` put in the scope, from TRAINING_TRUSTED_PROXIES)."""
    counter = SharedLimit(bucket, limit, window)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            address = (scope.get("client") or ("unknown", 0))[0]
            verdict = await counter.hit(address)
            headers = {"RateLimit-Policy": f"{limit}; w={window}", "RateLimit-Limit": str(limit),
                       "RateLimit-Remaining": str(verdict.remaining), "RateLimit-Reset": str(verdict.reset_seconds)}
            if not verdict.allowed:
                raise TooManyRequestsException(headers={**headers, "Retry-After": str(verdict.reset_seconds)})

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"] = [*message["headers"],
                                          *[(k.lower().encode(), v.encode()) for k, v in headers.items()]]
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return DefineMiddleware(factory)
