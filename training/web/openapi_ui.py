"""The API documentation page (``/schema``): Swagger UI served from this service, no CDN.

Litestar's own render plugins load their scripts, styles and favicon from a CDN; this one loads
Swagger UI from the ``swagger-ui-py`` package (its ``static`` folder, installed from PyPI with
the service) and starts it with a script of our own: no inline script, so the page runs under the
service's Content-Security-Policy (``script-src 'self'``) and without internet access.
"""

from __future__ import annotations

from importlib import resources

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath
from litestar.response import File, Response

from training.web.templating import STATIC_DIR, render

ASSETS = "/schema-assets"
# The files of swagger-ui-py the page needs, and nothing else of that folder.
SWAGGER_FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "application/javascript",
    "favicon-32x32.png": "image/png",
}


def swagger_folder():
    return resources.files("swagger_ui") / "static"


class SelfHostedSwagger(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` and ``/schema/swagger``, every file from this service."""

    def __init__(self, title: str) -> None:
        super().__init__(path=["/", "/swagger"], favicon="", style="")
        self.title = title

    def render(self, request: Request, openapi_schema: dict) -> bytes:
        return render("schema.html", title=self.title, assets=ASSETS).encode()


@get(f"{ASSETS}/{{name:str}}", include_in_schema=False, cache=3600)
async def schema_asset(name: FromPath[str]) -> Response | File:
    if name == "init.js":  # starts Swagger UI: a static file of ours (training/web/static/schema-init.js)
        return File(path=STATIC_DIR / "schema-init.js", media_type="application/javascript",
                    content_disposition_type="inline")
    if name not in SWAGGER_FILES:
        raise NotFoundException()
    return File(path=str(swagger_folder() / name), media_type=SWAGGER_FILES[name], content_disposition_type="inline")
