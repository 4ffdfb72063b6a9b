"""GET /docs: the real server's API reference page (tests/data/real_system.json), rendering the
mock's own document, with a fallback for when the viewer cannot be loaded."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from mockserver.apidocs import page

REAL = json.loads((Path(__file__).parent / "data" / "real_system.json").read_text())
CONFIGURATION = re.compile(r"var configuration = (.*)$", re.MULTILINE)
FALLBACK = re.compile(r'    <div id="offline" hidden>.*</div>\n    <noscript>.*</noscript>\n')


def test_the_page_is_the_real_servers_for_the_mocks_document(client: httpx.Client) -> None:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["content-type"] == REAL["docs_content_type"]
    text = response.text
    configuration = json.loads(CONFIGURATION.search(text).group(1))  # type: ignore[union-attr]
    assert json.loads(configuration["content"]) == client.get("/openapi.json").json()
    # Take out the document and the offline fallback (and its hook): the real page is left.
    bare = FALLBACK.sub("", CONFIGURATION.sub("var configuration = <the OpenAPI document>", text))
    bare = bare.replace(
        "\n      onerror=\"document.getElementById('offline').hidden = false\"></script>",
        "></script>",
    )
    assert bare == REAL["docs_page"]


def test_offline_the_page_lists_the_operations_and_links_the_document() -> None:
    document = {
        "info": {"title": "T & co"},
        "paths": {"/a/{id}": {"parameters": [], "get": {"summary": "Get <a>"}}},
    }
    text = page(document)
    fallback = FALLBACK.search(text)
    assert fallback is not None
    assert '<a href="openapi.json">/openapi.json</a>' in fallback.group(0)
    assert "<li><code>GET /a/{id}</code> Get &lt;a&gt;</li>" in fallback.group(0)
    assert "<h1>T &amp; co</h1>" in fallback.group(0)


def test_the_inlined_document_cannot_end_the_script() -> None:
    text = page({"info": {"title": "x"}, "paths": {}, "x-note": "</script><b>"})
    script = CONFIGURATION.search(text).group(1)  # type: ignore[union-attr]
    assert "<" not in script
    assert json.loads(json.loads(script)["content"])["x-note"] == "</script><b>"
