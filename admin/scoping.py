"""PiccoloCRUD with our rules: province scoping, domain validation, audit, Vietnamese labels.

piccolo-admin builds one ``PiccoloCRUD`` per table inside ``AdminRouter.__init__``; there is no
public hook to filter list, count, detail and foreign-key picker queries, so ``build_admin``
swaps in ``ScopedCRUD`` (piccolo-admin is pinned in pyproject.toml; tests/integration/admin/test_admin.py
fails if an upgrade reopens any endpoint). Writes are delegated to ``training.records.rows``,
so the admin gets exactly the validation, scoping and audit of the API and the command line.
"""

from __future__ import annotations

import contextvars
import json
from typing import Any

import pydantic
from piccolo.apps.user.tables import BaseUser
from piccolo.columns import Varchar
from piccolo_api.crud.endpoints import ParamException, PiccoloCRUD
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from admin.values import decimal_comma_model
from training.auth.access import Actor, actor_for_user, check_table_access, scope_where
from training.classes.enrolment import enrol, withdraw
from training.core.enums import labels
from training.core.errors import DomainError, FieldError, PermissionDenied
from training.core.i18n import N_, _
from training.core.labels import field_label, table_label
from training.notifications.sender import shown_params
from training.people.privacy import record_access
from training.records import rows
from training.records.audit import audit
from training.records.validation import in_int_range
from training.web.inputs import range_error

# Tables whose writes go through piccolo's own logic (password hashing), coordinator-only.
_PICCOLO_MANAGED = {"piccolo_user", "sessions"}
# The actor of the request being served, read by ``_apply_filters`` (called deep inside piccolo).
_current_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("admin_actor", default=None)


def form_error_response(exc: DomainError) -> JSONResponse:
    """A refused save of an admin form. piccolo-admin prints ``custom_form_error`` only for a 422
    (other statuses show the raw JSON body), so a refusal that the API answers with 409 (a status
    move that needs its action, a capacity below the seats taken, a clash) is a 422 here, with the
    same body and code."""
    if exc.status == 409:
        exc = DomainError(exc.errors, status=422)
    return error_response(exc)


def error_response(exc: DomainError) -> JSONResponse:
    """The admin UI shows ``custom_form_error`` as is for a 422; other statuses get the same body."""
    body = exc.payload()
    body["custom_form_error"] = body["error"]["message"]
    if exc.status == 405:
        body["detail"] = body["error"]["message"]
    return JSONResponse(body, status_code=exc.status)


# pydantic error types -> what a coordinator reads
_PYDANTIC_MESSAGES = {
    "missing": N_("is required"),
    "string_too_long": N_("must be at most {max_length} characters"),
    "string_too_short": N_("must be at least {min_length} characters"),
    "int_parsing": N_("must be a whole number"),
    "int_from_float": N_("must be a whole number"),
    "float_parsing": N_("must be a number, such as 8,5"),
    "date_parsing": N_("is not a valid date"),
    "date_from_datetime_parsing": N_("is not a valid date"),
    "time_parsing": N_("is not a valid time"),
    "datetime_parsing": N_("is not a valid date and time"),
    "datetime_from_date_parsing": N_("is not a valid date and time"),
    "enum": N_("is not one of the allowed values"),
    "bool_parsing": N_("must be yes or no"),
}


def pydantic_error(errors: list[dict[str, Any]], status: int | None = None) -> JSONResponse:
    """A pydantic/FastAPI validation error as our Vietnamese error body (422 unless told)."""
    field_errors = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if part != "body"]
        field = loc[-1] if loc else None
        msgid = _PYDANTIC_MESSAGES.get(err.get("type", ""))
        if msgid:
            field_errors.append(FieldError(err["type"], msgid, field, dict(err.get("ctx") or {})))
        else:
            field_errors.append(FieldError("invalid_value", N_("the value is not valid ({detail})"), field,
                                           {"detail": err.get("msg", "")}))
    return error_response(DomainError(field_errors or [FieldError("invalid_value", N_("The request is not valid."))],
                                      status=status))


class ScopedCRUD(PiccoloCRUD):
    @property
    def tablename(self) -> str:
        return self.table._meta.tablename

    @property
    def pydantic_model(self) -> type[pydantic.BaseModel]:
        """piccolo's model of a new row, reading "8,5" as 8.5 (admin/values.py)."""
        return decimal_comma_model(super().pydantic_model, self.table)

    @property
    def pydantic_model_optional(self) -> type[pydantic.BaseModel]:
        """piccolo's model of a change (every field optional), reading "8,5" as 8.5 (admin/values.py)."""
        return decimal_comma_model(super().pydantic_model_optional, self.table)

    async def _actor(self, request: Request) -> Actor:
        cached = getattr(request.state, "actor", None)
        if cached is not None:
            return cached
        user = getattr(request.user, "user", None)
        actor = await actor_for_user(user)
        if actor is None:
            raise PermissionDenied.single("no_role", N_("Your account has no role in this system."))
        request.state.actor = actor
        return actor

    # --- reads ------------------------------------------------------------------------------

    def parse_query(self, request: Request) -> dict[str, Any]:
        """The request's query parameters as piccolo reads them (a repeated name gives a list)."""
        return self._parse_params(request.query_params)

    def _apply_filters(self, query, params):
        query = super()._apply_filters(query, params)
        actor: Actor | None = _current_actor.get()
        if actor is not None:
            where = scope_where(self.table, actor)
            if where is not None:
                query = query.where(where)
        return query

    async def _guarded(self, request: Request, write: bool = False) -> Actor | Response:
        try:
            actor = await self._actor(request)
            check_table_access(self.table, actor, write=write)
            return actor
        except DomainError as exc:
            return error_response(exc)

    async def get_all(self, request: Request, params: dict[str, Any] | None = None) -> Response:
        actor = await self._guarded(request)
        if isinstance(actor, Response):
            return actor
        refused = self._refuse_bad_params(request)
        if refused is not None:
            return refused
        token = _current_actor.set(actor)
        try:
            return self._without_secrets(await super().get_all(request, params=params))
        finally:
            _current_actor.reset(token)

    def _without_secrets(self, response: Response) -> Response:
        """piccolo selects every column, secret ones too, when no ``__visible_fields`` is asked for
        (``exclude_secrets`` is ignored beside an explicit column list): drop them here (the API
        token hash)."""
        secrets = [c._meta.name for c in self.table._meta.columns if c._meta.secret]
        if not secrets or response.status_code != 200:
            return response
        body = json.loads(response.body)
        for row in body.get("rows", []) if isinstance(body, dict) else []:
            for name in secrets:
                row.pop(name, None)
            self._hide_secret_values(row)
        return JSONResponse(body, headers={k: v for k, v in response.headers.items()
                                           if k.lower() not in ("content-length", "content-type")})

    def _hide_secret_values(self, row: dict[str, Any]) -> dict[str, Any]:
        """A message's one-time code (a ``secret_`` param) is never shown (ADR 0036)."""
        if self.tablename == "notification" and row.get("params") is not None:
            row["params"] = shown_params(row["params"])
        return row

    async def get_count(self, request: Request) -> Response:
        actor = await self._guarded(request)
        if isinstance(actor, Response):
            return actor
        refused = self._refuse_bad_params(request)
        if refused is not None:
            return refused
        token = _current_actor.set(actor)
        try:
            return await super().get_count(request)
        finally:
            _current_actor.reset(token)

    async def get_ids(self, request: Request) -> Response:
        """Foreign-key picker: readable labels of the rows the actor may see, with search."""
        actor = await self._guarded(request)
        if isinstance(actor, Response):
            return actor
        pk = self.table._meta.primary_key
        readable = self.table.get_readable()
        query = self.table.select(pk, readable)
        where = scope_where(self.table, actor)
        if where is not None:
            query = query.where(where)
        search = request.query_params.get("search")
        if search:
            text_columns = [c for c in readable.columns if isinstance(c, Varchar)]
            if text_columns:
                clause = text_columns[0].ilike(f"%{search}%")
                for column in text_columns[1:]:
                    clause = clause | column.ilike(f"%{search}%")
                query = query.where(clause)
        try:
            limit = int(request.query_params.get("limit", 0)) or None
            offset = int(request.query_params.get("offset", 0))
        except ValueError:
            return error_response(DomainError.single("invalid_value", N_("The limit and offset must be whole numbers."),
                                                     http_status=400))
        if not (in_int_range(limit or 0) and in_int_range(offset)):
            return error_response(range_error("limit" if not in_int_range(limit or 0) else "offset"))
        query = query.order_by(pk)
        if limit:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        values = await query.run()
        return JSONResponse({row[pk._meta.name]: row["readable"] for row in values})

    async def get_schema(self, request: Request) -> JSONResponse:
        """Column titles, choice labels and the table's help text in the user's language."""
        schema = self.pydantic_model.model_json_schema()
        for name, prop in schema.get("properties", {}).items():
            prop["title"] = field_label(name)
            choices = (prop.get("extra") or {}).get("choices")
            column = self.table._meta.get_column_by_name(name) if name in _names(self.table) else None
            if choices and column is not None and column._meta.choices is not None:
                known = labels(column._meta.choices)
                for choice in choices.values():
                    if str(choice["value"]) in known:
                        choice["display_name"] = known[str(choice["value"])]
        schema["title"] = table_label(self.tablename)
        return JSONResponse(schema)

    # --- single rows ------------------------------------------------------------------------

    async def detail(self, request: Request) -> Response:
        actor = await self._guarded(request, write=request.method != "GET")
        if isinstance(actor, Response):
            return actor
        row_id = self._row_id(request)
        if isinstance(row_id, Response):
            return row_id
        try:
            await rows.visible_row(self.table, row_id, actor, write=request.method != "GET")
        except DomainError as exc:
            return error_response(exc)
        if self.tablename in _PICCOLO_MANAGED:
            response = await super().detail(request)
            if request.method != "GET" and response.status_code < 300:
                action = "delete" if request.method == "DELETE" else "update"
                await audit(actor, action, self.table, row_id, None, None)
            return response
        if request.method == "GET":
            response = await self.get_single(request, row_id)
            if self.tablename == "notification" and response.status_code == 200:
                response = JSONResponse(self._hide_secret_values(json.loads(response.body)))
            if self.tablename == "person" and response.status_code == 200:
                await record_access(actor, "view", person=row_id, export=f"person:{row_id}")
            return response
        if request.method in ("PUT", "PATCH"):
            try:
                data = await request.json()
                changes = self._coerce(data, partial=True)
                if isinstance(changes, Response):
                    return changes
                if self.tablename == "enrolment" and changes.get("status") == "withdrawn":
                    await withdraw(row_id, actor)  # frees the seat for the waitlist
                    changes = {k: v for k, v in changes.items() if k != "status"}
                after = await rows.update_row(self.table, row_id, changes, actor)
            except DomainError as exc:
                return form_error_response(exc)
            return JSONResponse(json.loads(self.pydantic_model(**after).model_dump_json()))
        try:
            if request.method == "DELETE":
                await rows.delete_row(self.table, row_id, actor)
                return Response(status_code=204)
        except DomainError as exc:
            return error_response(exc)
        return Response(status_code=405)

    async def post_single(self, request: Request, data: dict[str, Any]) -> Response:
        actor = await self._guarded(request, write=True)
        if isinstance(actor, Response):
            return actor
        if self.tablename in _PICCOLO_MANAGED or issubclass(self.table, BaseUser):
            response = await super().post_single(request, data)
            if response.status_code < 300:
                created = json.loads(response.body)
                row_id = created.get("id") if isinstance(created, dict) else None
                await audit(actor, "create", self.table, row_id, None, None)
            return response
        values = self._coerce(data, partial=False)
        if isinstance(values, Response):
            return values
        try:
            if self.tablename == "enrolment":
                # Through the enrolment rules: capacity, waitlist, prerequisites, open class, province.

                after = await enrol(values.get("training_class"), values.get("person"), actor)
            else:
                after = await rows.create_row(self.table, values, actor)
        except DomainError as exc:
            return form_error_response(exc)
        pk = self.table._meta.primary_key._meta.name
        return JSONResponse([{pk: after[pk]}], status_code=201)

    async def delete_all(self, request: Request, params: dict[str, Any] | None = None) -> Response:
        return Response(_("Delete rows one at a time."), status_code=405)

    def _row_id(self, request: Request) -> Any:
        """The primary key in the path, typed and within the column's range, or a 400 response."""
        try:
            row_id = self.table._meta.primary_key.value_type(request.path_params.get("row_id"))
        except (TypeError, ValueError):
            return error_response(DomainError.single("invalid_id", N_("The ID is invalid."), "id", http_status=400))
        if isinstance(row_id, int) and not in_int_range(row_id):
            return error_response(range_error("id"))
        return row_id

    def _refuse_bad_params(self, request: Request) -> Response | None:
        """List and count filters piccolo would pass on to the database as they are (an unknown
        ``__order`` column, a value longer than its column or past the INTEGER range): a 400 in
        our error shape instead of piccolo's plain-text 400 or a 500."""
        params = self._clean_data(self._parse_params(request.query_params))
        secrets = {c._meta.name for c in self.table._meta.columns if c._meta.secret}
        for key in ("__order", "__visible_fields"):
            value = params.get(key)
            names = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else []
            for name in names:
                try:
                    column = self._get_column(column_name=str(name).removeprefix("-"))
                    if column._meta.secret:
                        raise ValueError(name)
                except ValueError:
                    return error_response(DomainError.single(
                        "unknown_column", N_("There is no column named {name}."), key, http_status=400, name=name))
        try:
            split = self._split_params(params)
        except (ParamException, ValueError) as exc:
            return error_response(DomainError.single("invalid_value", N_("the value is not valid ({detail})"),
                                                     http_status=400, detail=str(exc)))
        if not (in_int_range(split.page) and in_int_range(split.page_size or 0)):
            return error_response(range_error("__page"))
        unknown = [name for name in split.fields if name not in _names(self.table) or name in secrets]
        if unknown:
            return error_response(DomainError.single(
                "unknown_column", N_("There is no column named {name}."), unknown[0], http_status=400, name=unknown[0]))
        if not split.fields:
            return None
        try:
            values = self.pydantic_model_filters(**split.fields).model_dump()
        except pydantic.ValidationError as exc:
            return pydantic_error(exc.errors(), status=400)
        for name in split.fields:
            for value in values[name] if isinstance(values[name], list) else [values[name]]:
                if isinstance(value, int) and not isinstance(value, bool) and not in_int_range(value):
                    return error_response(range_error(name))
        return None

    def _coerce(self, data: dict[str, Any], partial: bool) -> dict[str, Any] | Response:
        """Types from the admin's JSON (dates, numbers with a decimal comma) via piccolo's pydantic model."""
        cleaned = self._clean_data(data)
        model_cls = self.pydantic_model_optional if partial else self.pydantic_model
        try:
            model = model_cls(**cleaned)
        except pydantic.ValidationError as exc:
            return pydantic_error(exc.errors())
        dumped = model.model_dump()
        return {k: dumped[k] for k in cleaned if k in dumped}


def _names(table) -> set[str]:
    return {c._meta.name for c in table._meta.columns}

