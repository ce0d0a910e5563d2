"""Domain errors: one shape for the API, the admin and the command line.

Messages are gettext msgids; they are translated when rendered (Vietnamese by default).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import msgspec

from training.core.i18n import _
from training.core.labels import field_label


@dataclass
class FieldError:
    code: str
    message: str  # msgid, with {placeholders}
    field: str | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    row: int | None = None  # the row of an imported file this error is about (its message names it too)
    column: str | None = None  # that row's column as the user sees it: "C (Ngày sinh)"

    def text(self, language: str | None = None) -> str:
        return _(self.message, language=language, **self.params)


class DomainError(Exception):
    """A rule of the domain was broken. ``status`` is the HTTP status it maps to."""

    status = 422

    def __init__(self, errors: list[FieldError] | FieldError, status: int | None = None):
        self.errors = errors if isinstance(errors, list) else [errors]
        if status is not None:
            self.status = status
        super().__init__(self.errors[0].message)

    @classmethod
    def single(cls, error_code: str, message: str, /, field: str | None = None, http_status: int | None = None,
               **params):
        return cls(FieldError(code=error_code, message=message, field=field, params=params), status=http_status)

    @property
    def code(self) -> str:
        return self.errors[0].code

    def text(self, language: str | None = None) -> str:
        """All messages joined, each prefixed by its field label (unless it is a row's error, whose message
        names the row and column itself): what a coordinator reads."""
        parts = []
        for err in self.errors:
            msg = err.text(language)
            if err.field and err.row is None:
                msg = f"{field_label(err.field, language)}: {msg}"
            parts.append(msg)
        return join_messages(parts)

    def payload(self, language: str | None = None) -> dict[str, Any]:
        """The JSON error body used everywhere: message, machine code, field, and every error."""
        first = self.errors[0]
        return {
            "error": {
                "code": first.code,
                "message": self.text(language),
                "field": first.field,
                "errors": [
                    {
                        "code": e.code,
                        "field": e.field,
                        "field_label": field_label(e.field, language) if e.field else None,
                        "message": e.text(language),
                        "row": e.row,
                        "column": e.column,
                    }
                    for e in self.errors
                ],
            }
        }


def join_messages(parts: list[str]) -> str:
    """Messages as one text: "a; b; c", without the full stop of a message that is not the last (never ".;")."""
    parts = [p.strip() for p in parts if p and p.strip()]
    return "; ".join(p[:-1] if p.endswith(".") and not p.endswith("..") and i < len(parts) - 1 else p
                     for i, p in enumerate(parts))


class PermissionDenied(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


# --- the same shape, as documented in the OpenAPI schema (training.web.app registers it for every 4xx) ---

class ErrorItem(msgspec.Struct):
    code: str
    message: str
    field: str | None
    field_label: str | None = None
    row: int | None = None  # an imported file's row (the spreadsheet's row number), else null
    column: str | None = None  # that row's column as the user sees it, e.g. "C (Ngày sinh)", else null


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    field: str | None
    errors: list[ErrorItem]


class ErrorBody(msgspec.Struct):
    """Every error answer: ``{"error": {code, message, field, errors}}``; message in Vietnamese by default."""

    error: ErrorDetail
