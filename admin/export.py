"""The admin's CSV export, on the server, through the one safe writer (training/spreadsheets/writer.py).

piccolo-admin builds its CSV in the browser from the JSON rows: English column names, raw codes
("confirmed"), ISO dates, and any text that starts with ``=`` written as it is (a formula when the file is
opened: CSV injection). ``GET /admin/api/export/{table}/`` answers instead with the rows the signed-in
user may see (``ScopedCRUD.get_all``: same scoping, same filters as the list, newest first), the table's
visible columns under their Vietnamese names, choice values as their labels, a foreign key as the row it
points to, dates ``dd/mm/yyyy`` and times ``HH:mm`` in Vietnam's time. ``training/web/static/admin-hooks.js``
sends the list's "Export CSV" button here with the list's filters.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

from piccolo.columns import Boolean, Date, ForeignKey, Time, Timestamp, Timestamptz
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from admin.menu import private_api
from admin.scoping import ScopedCRUD
from training.core.enums import labels
from training.core.filenames import safe_filename
from training.core.i18n import N_, _
from training.core.labels import field_label, table_label
from training.spreadsheets.writer import csv_bytes

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
PAGE = 1000
YES, NO = N_("Yes"), N_("No")


def cell(column, value: Any, row: dict[str, Any]) -> Any:
    """One value of the JSON row as the CSV shows it."""
    name = column._meta.name
    if isinstance(column, ForeignKey) and row.get(f"{name}_readable") is not None:
        return row[f"{name}_readable"]
    if value is None or value == "":
        return ""
    if column._meta.choices is not None:
        return labels(column._meta.choices).get(str(value), value)
    if isinstance(column, Boolean):
        return _(YES) if value else _(NO)
    if isinstance(column, Date):
        return dt.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    if isinstance(column, (Timestamptz, Timestamp)):
        moment = dt.datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone(LOCAL_TIME)
        return moment.strftime("%d/%m/%Y %H:%M")
    if isinstance(column, Time):
        return str(value)[:5]
    return value


async def export_rows(crud: ScopedCRUD, request: Request, names: list[str]) -> list[dict[str, Any]] | Response:
    """Every row of the list (its filters and order), page by page through the scoped list endpoint."""
    params = {k: v for k, v in crud.parse_query(request).items() if not k.startswith("__") or k == "__order"}
    params.setdefault("__order", f"-{crud.table._meta.primary_key._meta.name}")
    params.update({"__readable": "true", "__page_size": PAGE, "__visible_fields": ",".join(names)})
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        response = await crud.get_all(request, params={**params, "__page": page})
        if response.status_code != 200:
            return response
        batch = json.loads(response.body)["rows"]
        rows.extend(batch)
        if len(batch) < PAGE:
            return rows
        page += 1


def install_export(app) -> None:
    cruds = {c.table_class._meta.tablename: (ScopedCRUD(table=c.table_class, read_only=True, page_size=PAGE),
                                             c.get_visible_column_names()) for c in app.table_configs}

    async def export(request: Request, tablename: str) -> Response:
        entry = cruds.get(tablename)
        if entry is None:
            return JSONResponse({"detail": _("There is no such table.")}, status_code=404)
        crud, visible = entry
        columns = [c for c in crud.table._meta.columns if c._meta.name in visible and not c._meta.secret]
        names = [c._meta.name for c in columns]
        rows = await export_rows(crud, request, names)
        if isinstance(rows, Response):
            return rows
        content = csv_bytes([field_label(n) for n in names],
                            ([cell(c, row.get(c._meta.name), row) for c in columns] for row in rows))
        name = safe_filename(table_label(tablename)) + ".csv"
        return Response(content, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    private_api(app).add_api_route("/export/{tablename}/", export, methods=["GET"], include_in_schema=False)
