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
        """All messages joined, each prefixed by its field label: what a coordinator reads."""
        parts = []
        for err in self.errors:
            msg = err.text(language)
            if err.field:
                msg = f"{field_label(err.field, language)}: {msg}"
            parts.append(msg)
        return "; ".join(parts)

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
                    }
                    for e in self.errors
                ],
            }
        }


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


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    field: str | None
    errors: list[ErrorItem]


class ErrorBody(msgspec.Struct):
    """Every error answer: ``{"error": {code, message, field, errors}}``; message in Vietnamese by default."""

    error: ErrorDetail
