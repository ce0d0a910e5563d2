"""The API documentation page (``/schema``): Swagger UI served from this service, no CDN.

Litestar's own render plugins load their scripts, styles and favicon from a CDN; this one loads
Swagger UI from the ``swagger-ui-py`` package (its ``static`` folder, installed from PyPI with
the service) and starts it with a script of our own: no inline script, so the page runs under the
service's Content-Security-Policy (``script-src 'self'``) and without internet access.
"""

from __future__ import annotations

import html
from importlib import resources

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath
from litestar.response import File, Response

ASSETS = "/schema-assets"
# The files of swagger-ui-py the page needs, and nothing else of that folder.
SWAGGER_FILES = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "application/javascript",
    "favicon-32x32.png": "image/png",
}
INIT_JS = """window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({url: '/schema/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout'});
});
"""


def swagger_folder():
    return resources.files("swagger_ui") / "static"


class SelfHostedSwagger(OpenAPIRenderPlugin):
    """Swagger UI at ``/schema`` and ``/schema/swagger``, every file from this service."""

    def __init__(self, title: str) -> None:
        super().__init__(path=["/", "/swagger"], favicon="", style="")
        self.title = title

    def render(self, request: Request, openapi_schema: dict) -> bytes:
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(self.title)}</title>
<link rel="icon" type="image/png" href="{ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/init.js"></script></body></html>""".encode()


@get(f"{ASSETS}/{{name:str}}", include_in_schema=False, cache=3600)
async def schema_asset(name: FromPath[str]) -> Response | File:
    if name == "init.js":
        return Response(INIT_JS, media_type="application/javascript")
    if name not in SWAGGER_FILES:
        raise NotFoundException()
    return File(path=str(swagger_folder() / name), media_type=SWAGGER_FILES[name], content_disposition_type="inline")
