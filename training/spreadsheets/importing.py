"""What every spreadsheet import shares: the issues of a row, the all-or-nothing error, bulk inserts.

An import reads a file (``training.spreadsheets.reading``), checks each row into an outcome with a list
of ``Issue`` (errors and warnings, each naming its column), and saves all rows or none: with an error
anywhere, ``file_row_errors`` makes the one error answer. ``insert_many`` writes the new rows in chunks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
                errors.append(FieldError(issue.code, issue.text(row.row), issue.field))
    return errors


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
