"""GET /docs: the API reference page langgraph-api serves (langgraph_api/validation.py
DOCS_HTML): the Scalar viewer rendering the server's own OpenAPI document, which the page
carries inline. The real page loads the viewer from a CDN; this one from the mock itself
(GET /docs/assets/{name}: `ASSETS`, shipped in the package), and tells it to load no web fonts,
so the page works offline. Should the viewer not load, or with scripts off, the page lists
the operations and links to /openapi.json instead. Framework-free.

The viewer is @scalar/api-reference's dist/browser/standalone.js, unchanged (MIT: its licence
is data/apidocs/LICENSE); to move to another version, `npm pack @scalar/api-reference@X`,
copy that file to data/apidocs/scalar-api-reference-X.js and name it in `VIEWER_FILE`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from mockserver.spec import HTTP_METHODS

MEDIA_TYPE = "text/html; charset=utf-8"
REAL_VIEWER = "https://cdn.jsdelivr.net/npm/@scalar/api-reference"  # what the real page loads
VIEWER_FILE = "scalar-api-reference-1.72.1.js"
# Relative to the page, which works under whatever path the mock is mounted at.
VIEWER = f"docs/assets/{VIEWER_FILE}"
# The files GET /docs/assets/{name} serves: name -> media type (data/apidocs/<name>).
ASSETS = {VIEWER_FILE: "text/javascript; charset=utf-8"}
# A versioned name never changes its content.
ASSET_HEADERS = {"cache-control": "public, max-age=31536000, immutable"}
_FOLDER = Path(__file__).parent / "data" / "apidocs"
_PAGE = """<!doctype html>
<html>
  <head>
    <title>Agent Server API Reference</title>
    <meta charset="utf-8" />
    <meta
      name="viewport"
      content="width=device-width, initial-scale=1" />
  </head>
  <body>
    <script id="api-reference"></script>
    <script>
      var configuration = __SCALAR_CONFIGURATION_JSON__
      document.getElementById('api-reference').dataset.configuration =
        JSON.stringify(configuration)
    </script>
    <div id="offline" hidden>__OFFLINE__</div>
    <noscript>__OFFLINE__</noscript>
    <script src="__VIEWER__"
      onerror="document.getElementById('offline').hidden = false"></script>
  </body>
</html>"""
_last: list[tuple[Mapping[str, Any], str]] = []  # the last document's page: one per server


def page(document: Mapping[str, Any]) -> str:
    """The page for this OpenAPI document."""
    if _last and _last[0][0] is document:
        return _last[0][1]
    # The document inline, as the real page has it; `<` escaped so that no `</script>` in it
    # can end the script element.
    configuration = orjson.dumps(
        {"content": orjson.dumps(document).decode(), "withDefaultFonts": False}
    ).decode()
    text = (
        _PAGE.replace("__SCALAR_CONFIGURATION_JSON__", configuration.replace("<", "\\u003c"))
        .replace("__OFFLINE__", _offline(document))
        .replace("__VIEWER__", VIEWER)
    )
    _last[:] = [(document, text)]
    return text


@cache
def asset(name: str) -> bytes | None:
    """The bytes of a packaged asset of the page; None for a name that is not one."""
    return (_FOLDER / name).read_bytes() if name in ASSETS else None


def _offline(document: Mapping[str, Any]) -> str:
    info = document.get("info") or {}
    title = html.escape(str(info.get("title", "API reference")))
    items = "".join(
        f"<li><code>{method.upper()} {html.escape(path)}</code> {html.escape(summary)}</li>"
        for path, item in (document.get("paths") or {}).items()
        for method, operation in (item or {}).items()
        if method in HTTP_METHODS
        for summary in [str((operation or {}).get("summary", ""))]
    )
    return (
        f"<h1>{title}</h1><p>The API reference viewer ({VIEWER}) could not be loaded. "
        f'The OpenAPI document is at <a href="openapi.json">/openapi.json</a>.</p>'
        f"<ul>{items}</ul>"
    )
