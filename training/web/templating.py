"""Jinja2 templates and static files of the service's own HTML pages.

Every page is a template (``training/web/templates/`` and ``certificates/web/templates/``) extending
``base.html``: one layout, one stylesheet (``training/web/static/site.css``), scripts as static files
(``training/web/static/``, served at ``/static``; the Content-Security-Policy forbids inline scripts).
Autoescaping is on for every template, whatever its extension (SVG charts too). Templates translate
with the same ``_`` as the code (``training.core.i18n``); ``locales/babel.cfg`` extracts from them.
"""

from __future__ import annotations

import json
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, PackageLoader
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from markupsafe import Markup

from training.core.i18n import _, get_language

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/static"


def _json_script(value: object) -> Markup:
    """A value as JSON inside a JSON script block of a template (not executed: allowed by the CSP)."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader("training.web", "templates"),
                             PackageLoader("certificates.web", "templates")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False)
    env.globals.update(_=_, language=get_language, static=STATIC_PATH)
    env.filters["json_script"] = _json_script
    return env


environment = _environment()


def render(name: str, **context: object) -> Markup:
    """A template rendered to safe markup (a fragment, e.g. an SVG chart, included in a page)."""
    return Markup(environment.get_template(name).render(**context))


def template_config() -> TemplateConfig:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_files_router():
    return create_static_files_router(path=STATIC_PATH, directories=[STATIC_DIR], include_in_schema=False)


def tool_scripts_router():
    """The tool pages' scripts (``training/web/static/tools/``) at ``/tools/*.js``, beside their pages."""
    return create_static_files_router(path="/tools", directories=[STATIC_DIR / "tools"], name="tool-scripts",
                                      include_in_schema=False)
