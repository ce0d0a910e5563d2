"""The admin's menu, sidebar links and form pickers, per signed-in user.

piccolo-admin serves one list of tables (``/api/tables/``, ``/api/tables/grouped/``), forms and links to
everybody; its endpoints do not see the request. ``install_role_menu`` replaces those routes of the admin's
private API with ones that ask ``training.auth.access.check_table_access`` (the same rule the table
endpoints apply), so a department's menu lists only the tables it may open. The forms' schema gains the
choices of its pickers (``extra.choices``, the shape piccolo-admin uses for a column with choices), built
for the signed-in user by ``training.classes.shortcuts``; ``training/web/static/admin-pickers.js`` shows
them as a select, as piccolo-admin's custom forms ignore choices.
"""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException
from fastapi.routing import APIRoute
from piccolo_admin.endpoints import FormConfigResponseModel
from starlette.requests import Request
from starlette.routing import Mount

from training.auth.access import Actor, actor_for_user, check_table_access
from training.classes import shortcuts
from training.core.errors import DomainError
from training.core.i18n import _

# Sidebar links (by URL) only a coordinator may use: the system's own pages.
COORDINATOR_LINKS = {"/schema", "/health"}
# What each picker of a form offers (``json_schema_extra={"extra": {"picker": ...}}`` on a form field).
CLASS_PICKERS = {
    "classes_open": shortcuts.OPEN_STATUSES,
    "classes_closed": shortcuts.CLOSED_STATUSES, "classes_all": None,
}


def private_api(app):
    """The FastAPI app piccolo-admin mounts at ``/api`` (behind its auth middleware)."""
    for route in app.routes:
        if isinstance(route, Mount) and route.path == "/api":
            private_app = getattr(route.app, "app", None)
            if private_app is None or not hasattr(private_app, "add_exception_handler"):
                raise RuntimeError("piccolo-admin's private API app was not found: check the pinned version")
            return private_app
    raise RuntimeError("piccolo-admin's /api mount was not found: check the pinned version")


async def request_actor(request: Request) -> Actor | None:
    return await actor_for_user(getattr(request.user, "user", None))


def may_open(table, actor: Actor | None) -> bool:
    if actor is None:
        return False
    try:
        check_table_access(table, actor, write=False)
    except DomainError:
        return False
    return True


def replace_route(private_app, path: str, endpoint, methods: list[str]) -> None:
    """Put ``endpoint`` in place of the piccolo-admin route for ``path`` and ``methods`` (same position)."""
    routes = private_app.router.routes
    for index, route in enumerate(routes):
        if isinstance(route, APIRoute) and route.path == path and set(methods) <= route.methods:
            private_app.add_api_route(path, endpoint, methods=methods, include_in_schema=False)
            routes.insert(index, routes.pop())
            routes.pop(index + 1)
            return
    raise RuntimeError(f"piccolo-admin's route {path} was not found: check the pinned version")


async def choices_for(picker: str, actor: Actor) -> dict[str, dict[str, Any]]:
    """The choices of one picker for this actor, as piccolo-admin's ``extra.choices``."""
    if picker == "trainers":
        rows = await shortcuts.trainer_choices(actor)
        return {str(r["id"]): {"display_name": r["name"], "value": r["id"]} for r in rows}
    rows = await shortcuts.class_choices(actor, CLASS_PICKERS[picker])
    return {r["code"]: {"display_name": f"{r['code']} · {r['course'] or ''} · {r['start_date']:%d/%m/%Y}–"
                                        f"{r['end_date']:%d/%m/%Y}", "value": r["code"]} for r in rows}


def install_role_menu(app) -> None:
    private_app = private_api(app)
    configs = app.table_configs

    async def tables(request: Request) -> list[str]:
        actor = await request_actor(request)
        return [c.table_class._meta.tablename for c in configs if may_open(c.table_class, actor)]

    async def tables_grouped(request: Request) -> dict[str, Any]:
        actor = await request_actor(request)
        grouped: dict[str, list[str]] = {}
        ungrouped: list[str] = []
        for config in configs:
            if not may_open(config.table_class, actor):
                continue
            name = config.table_class._meta.tablename
            if config.menu_group:
                grouped.setdefault(config.menu_group, []).append(name)
            else:
                ungrouped.append(name)
        return {"grouped": dict(sorted(grouped.items())), "ungrouped": ungrouped}

    async def forms(request: Request) -> list[dict[str, Any]]:
        actor = await request_actor(request)
        return [FormConfigResponseModel(name=f.name, slug=f.slug, description=f.description).model_dump()
                for f in app.forms if actor is not None]

    async def forms_grouped(request: Request) -> dict[str, Any]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        ungrouped: list[dict[str, Any]] = []
        if await request_actor(request) is not None:
            for form in app.forms:
                item = FormConfigResponseModel(name=form.name, slug=form.slug, description=form.description)
                (grouped.setdefault(form.form_group, []) if form.form_group else ungrouped).append(item.model_dump())
        return {"grouped": dict(sorted(grouped.items())), "ungrouped": ungrouped}

    async def links(request: Request) -> dict[str, str]:
        actor = await request_actor(request)
        if actor is None:
            return {}
        return {label: url for label, url in app.sidebar_links.items()
                if actor.is_coordinator or url not in COORDINATOR_LINKS}

    async def form_schema(request: Request, form_slug: str) -> dict[str, Any]:
        form = app.form_config_map.get(form_slug)
        if form is None:
            raise HTTPException(status_code=404, detail=_("There is no such form."))
        schema = form.pydantic_model.model_json_schema()
        actor = await request_actor(request)
        for prop in schema.get("properties", {}).values():
            picker = (prop.get("extra") or {}).get("picker")
            if picker and actor is not None:
                prop["extra"]["choices"] = await choices_for(picker, actor)
        return schema

    replace_route(private_app, "/tables/", tables, ["GET"])
    replace_route(private_app, "/tables/grouped/", tables_grouped, ["GET"])
    replace_route(private_app, "/forms/", forms, ["GET"])
    replace_route(private_app, "/forms/grouped/", forms_grouped, ["GET"])
    replace_route(private_app, "/links/", links, ["GET"])
    replace_route(private_app, "/forms/{form_slug:str}/schema/", form_schema, ["GET"])
