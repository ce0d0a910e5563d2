"""What every spreadsheet import shares: the issues of a row, the all-or-nothing error, bulk inserts.

An import reads a file (``training.spreadsheets.reading``), checks each row into an outcome with a list
of ``Issue`` (errors and warnings, each naming its column), and saves all rows or none: with an error
anywhere, ``file_row_errors`` makes the one error answer. ``insert_many`` writes the new rows in chunks.

Saving needs a dry run of the same file first (ADR 0035): a dry run answers a ``dry_run_fingerprint`` of
what it checked (the import, its target, who checked, the file's bytes), signed with the secret key;
a save passes it back and ``require_dry_run`` refuses (409, nothing written) when it is missing, forged,
too old or made for another file, target or person.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from training.core.config import secret_key
from training.core.db import chunks
from training.core.errors import Conflict, FieldError
from training.core.i18n import N_, _
from training.core.labels import field_label

#: progress(stage, done, total): how far an import is (the CLI prints it, the web ignores it).
Progress = Callable[[str, int, int], None]


@dataclass
class Issue:
    level: str  # "error" or "warning"
    code: str
    msgid: str
    params: dict[str, Any] = field(default_factory=dict)
    field: str | None = None
    column: str | None = None  # as the user sees it: "C (Ngày sinh)"

    def reason(self, language: str | None = None) -> str:
        return _(self.msgid, language=language, **self.params)

    def where(self, language: str | None = None) -> str:
        """The column as the user sees it ("C (Ngày sinh)"), else the field's label."""
        return self.column or (field_label(self.field, language) if self.field else "")

    def text(self, row: int, language: str | None = None) -> str:
        if self.where(language):
            return _(N_("Row {row}, column {column}: {message}"), language=language, row=row,
                     column=self.where(language), message=self.reason(language))
        return _(N_("Row {row}: {message}"), language=language, row=row, message=self.reason(language))

    def to_dict(self, row: int, language: str | None = None) -> dict[str, Any]:
        """The issue in a row's ``messages`` of an import's answer: its row as a field of its own, the reason
        alone (``message``) and the full sentence naming the row and column (``text``)."""
        return {"row": row, "level": self.level, "code": self.code, "field": self.field, "column": self.column,
                "message": self.reason(language), "text": self.text(row, language)}


class RowCheck:
    """Adds the errors and warnings of one row to its outcome (anything with an ``issues`` list: a
    roster ``RowOutcome``, a staff ``ImportRow``), naming the column of each field."""

    def __init__(self, out: Any, columns: dict[str, str]):
        self.out, self.columns = out, columns

    def err(self, fld: str | None, code: str, msgid: str, /, **params) -> None:
        self.out.issues.append(Issue("error", code, msgid, params, fld, self.columns.get(fld) if fld else None))

    def warn(self, fld: str | None, code: str, msgid: str, /, **params) -> None:
        self.out.issues.append(Issue("warning", code, msgid, params, fld, self.columns.get(fld) if fld else None))


def file_row_errors(result, code: str) -> list[FieldError]:
    """The errors of an imported file, all rows or none saved: a summary naming the rows, then the
    first 50 row errors (shared by the roster, staff and commune imports)."""
    rows = result.error_rows()
    shown = ", ".join(str(r) for r in rows[:30]) + (" …" if len(rows) > 30 else "")
    errors = [FieldError(code, N_("{count} row(s) of the file have errors (rows {rows}); nothing was saved."),
                         None, {"count": len(rows), "rows": shown})]
    for row in result.rows:
        for issue in row.issues:
            if issue.level == "error" and len(errors) <= 50:
                errors.append(FieldError(issue.code, issue.text(row.row), issue.field, row=row.row,
                                         column=issue.where() or None))
    return errors


#: how long a dry run's fingerprint lets the same file be saved
DRY_RUN_VALID_HOURS = 24


def _signature(kind: str, target: int, who: str, issued: int, content: bytes) -> str:
    message = f"{kind}|{target}|{who}|{issued}|".encode() + hashlib.sha256(content).digest()
    return hmac.new(secret_key().encode(), message, hashlib.sha256).hexdigest()


def dry_run_fingerprint(kind: str, target: int, who: str, content: bytes) -> str:
    """What a dry run hands back to prove it checked this file for this target ("roster" or "sheet" and
    the class id) and this person: "issued-time.signature"."""
    issued = int(time.time())
    return f"{issued}.{_signature(kind, target, who, issued, content)}"


def require_dry_run(fingerprint: str | None, kind: str, target: int, who: str, content: bytes) -> None:
    """Refuse a save (409, before anything is written) unless ``fingerprint`` comes from a dry run of
    these very bytes, for this target and person, in the last ``DRY_RUN_VALID_HOURS`` hours."""
    if not fingerprint:
        raise Conflict.single("dry_run_required", N_(
            "Check the file (dry run) before saving it; nothing was saved."))
    issued_text, _dot, signature = fingerprint.partition(".")
    issued = int(issued_text) if issued_text.isdigit() and len(issued_text) < 12 else -1
    expected = _signature(kind, target, who, issued, content)
    if issued < 0 or not hmac.compare_digest(signature.encode(), expected.encode()):
        raise Conflict.single("dry_run_other_file", N_(
            "This file is not the one that was checked for this class; check it (dry run) again before saving, "
            "nothing was saved."))
    if time.time() - issued > DRY_RUN_VALID_HOURS * 3600:
        raise Conflict.single("dry_run_expired", N_(
            "The check of this file is more than {hours} hours old; check it again before saving, nothing was "
            "saved."), hours=DRY_RUN_VALID_HOURS)


async def insert_many(table, objects: list, progress: Progress | None, stage: str) -> list[int]:
    """Insert rows many at a time; their new ids in the order given."""
    ids: list[int] = []
    for chunk in chunks(objects):
        try:
            returned = await table.insert(*chunk).returning(table._meta.primary_key).run()
        except Exception as exc:
            name = type(exc).__name__
            if "Integrity" in name or "Unique" in name or "ForeignKey" in name:
                raise Conflict.single("conflict", N_("This conflicts with an existing row; reload and try again."),
                                      http_status=409) from exc
            raise
        ids.extend(sorted(r["id"] for r in returned))  # serial ids follow the VALUES order
        if progress:
            progress(stage, len(ids), len(objects))
    return ids
