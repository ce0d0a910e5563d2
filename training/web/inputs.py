"""One gate for every request's input, before any handler (ours or the admin's) reads it.

The database cannot store what some inputs carry, and a handler that meets them half-way answers
500. This middleware refuses them once, for the API, the pages and the mounted admin alike, with
the one error shape (400):

- a NUL character (``%00``, ``\\u0000``) in the path, a query parameter, a JSON string or key, or
  a form field (PostgreSQL cannot store it in text);
- text that is not UTF-8 in the query or a form body;
- an integer path or query parameter of a handler, or any integer in a JSON body, outside the
  INTEGER range (``training.records.validation.INT_MIN .. INT_MAX``, -2^31 .. 2^31-1): every id and count
  of the schema is an INTEGER column on PostgreSQL, and SQLite overflows past 2^63 — one bound on
  both engines (``clean`` checks the same range for rows from the admin, imports and the CLI);
- a JSON body that is not valid JSON, is nested deeper than ``MAX_JSON_DEPTH``, or is not an
  object (every JSON body of the API and of the admin is an object).

Multipart bodies (file uploads) are passed through untouched: files are binary by nature.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from training.core.errors import DomainError, FieldError
from training.core.i18n import N_
from training.records.validation import INT_MAX, INT_MIN, in_int_range

MAX_JSON_DEPTH = 32
MAX_CHECKED_BODY = 10 * 1024 * 1024  # JSON and form bodies; uploads are multipart and not read here

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def bad_input(code: str, message: str, field: str | None = None, **params: Any) -> DomainError:
    return DomainError(FieldError(code, message, field, params), status=400)


def nul_error(field: str | None) -> DomainError:
    return bad_input("nul_character", N_("must not contain the NUL character (\\0)"), field)


def range_error(field: str | None) -> DomainError:
    return bad_input("out_of_range", N_("must be a whole number from {low} to {high}"), field,
                     low=INT_MIN, high=INT_MAX)


def check_text(value: str, field: str | None) -> None:
    if "\x00" in value:
        raise nul_error(field)


def _pairs(raw: bytes, message: str) -> list[tuple[str, str]]:
    """Query-string style pairs, percent-decoded as UTF-8, strictly."""
    try:
        return parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise bad_input("not_utf8", message) from None


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest, counted without recursion (strings do not count)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    return max(accumulate(1 if b in b"[{" else -1 for b in brackets), default=0)


def check_json(body: bytes) -> None:
    if json_depth(body) > MAX_JSON_DEPTH:
        raise bad_input("too_deep", N_("The JSON body is nested more than {limit} levels deep."),
                        limit=MAX_JSON_DEPTH)
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise bad_input("invalid_json", N_("The request body is not valid JSON.")) from None
    if not isinstance(value, dict):
        raise bad_input("json_not_object", N_("The request body must be a JSON object."))
    stack: list[tuple[Any, str | None]] = [(value, None)]
    while stack:
        item, field = stack.pop()
        if isinstance(item, str):
            check_text(item, field)
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            continue
        elif isinstance(item, int):
            if not in_int_range(item):
                raise range_error(field)
        elif isinstance(item, dict):
            for key, child in item.items():
                check_text(key, None)
                stack.append((child, key))
        elif isinstance(item, list):
            stack.extend((child, field) for child in item)


_INT_QUERIES: dict[Any, frozenset[str]] = {}


def _int_query_names(handler: Any) -> frozenset[str]:
    """Names of a Litestar handler's integer query parameters (worked out once per handler)."""
    if handler in _INT_QUERIES:
        return _INT_QUERIES[handler]
    names = set()
    signature = getattr(handler, "parsed_fn_signature", None)
    for name, definition in (signature.parameters.items() if signature else ()):
        types = definition.inner_types if definition.is_optional else (definition,)
        if any(t.is_subclass_of(int) and not t.is_subclass_of(bool) for t in types):
            alias = getattr(definition.kwarg_definition, "query", None)
            names.add(alias or name)
    _INT_QUERIES[handler] = frozenset(names)
    return _INT_QUERIES[handler]


def check_request_line(scope: Scope) -> None:
    """Path, path parameters and query string."""
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("raw_path", b"") or b"\x00" in scope.get(
            "raw_path", b""):
        raise bad_input("nul_character", N_("The address contains a NUL character (%00)."))
    for name, value in (scope.get("path_params") or {}).items():
        if isinstance(value, str):
            check_text(value, name)
        elif isinstance(value, int) and not isinstance(value, bool) and not in_int_range(value):
            raise range_error(name)
    query = scope.get("query_string", b"")
    if not query:
        return
    int_names = _int_query_names(scope.get("route_handler"))
    for name, value in _pairs(query, N_("The address contains text that is not UTF-8.")):
        check_text(name, None)
        check_text(value, name)
        if name in int_names and re.fullmatch(r"\s*[+-]?\d+\s*", value) and not in_int_range(int(value)):
            raise range_error(name)


def _media_type(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key.lower() == b"content-type":
            return value.decode("latin-1").split(";")[0].strip().lower()
    return ""


async def _read_body(receive: Receive) -> tuple[bytes, list[Message]]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_CHECKED_BODY:
            raise DomainError(FieldError("too_large", N_("The file or request is too large.")), status=413)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), []


def input_guard(app: ASGIApp) -> ASGIApp:
    """The middleware (see the module's docstring)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        check_request_line(scope)
        media_type = _media_type(scope)
        is_json = media_type in ("", "application/json", "text/plain") or media_type.endswith("+json")
        is_form = media_type == "application/x-www-form-urlencoded"
        if scope.get("method") not in _BODY_METHODS or not (is_json or is_form):
            await app(scope, receive, send)
            return
        body, pending = await _read_body(receive)
        if body.strip():
            if is_form:
                for name, value in _pairs(body, N_("The form contains text that is not UTF-8.")):
                    check_text(name, None)
                    check_text(value, name)
            else:
                check_json(body)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            if pending:
                return pending.pop(0)
            return await receive()

        await app(scope, replay, send)

    return middleware
