"""GET /docs: the real server's API reference page (tests/data/real_system.json), rendering the
mock's own document with the viewer the mock serves itself (offline), and a fallback for when
the viewer cannot be loaded."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from mockserver.apidocs import ASSETS, REAL_VIEWER, VIEWER, asset, page

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
    assert configuration["withDefaultFonts"] is False  # no fonts from the viewer's web site
    # Take out the document and the offline fallback (and its hook), and name the viewer by
    # the real page's CDN address: the real page is left.
    bare = FALLBACK.sub("", CONFIGURATION.sub("var configuration = <the OpenAPI document>", text))
    bare = bare.replace(
        "\n      onerror=\"document.getElementById('offline').hidden = false\"></script>",
        "></script>",
    ).replace(f'src="{VIEWER}"', f'src="{REAL_VIEWER}"')
    assert bare == REAL["docs_page"]


class _References(HTMLParser):
    """Every address an HTML page loads or links to (src and href attributes)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value for name, value in attrs if name in ("src", "href") and value]


def test_every_address_the_page_references_is_served_by_the_mock(client: httpx.Client) -> None:
    base = str(client.base_url).rstrip("/")
    page_url = f"{base}/docs"
    references = _References()
    references.feed(client.get("/docs").text)
    assert references.found  # the viewer's script and the fallback's link
    for reference in references.found:
        url = urljoin(page_url, reference)
        assert urlsplit(url).netloc == urlsplit(base).netloc, f"{reference} is not the mock's"
        assert client.get(url).status_code == 200, reference


def test_the_viewer_is_served_from_the_package(client: httpx.Client) -> None:
    response = client.get(f"/{VIEWER}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    # @scalar/api-reference 1.72.1's dist/browser/standalone.js, byte for byte
    assert hashlib.sha256(response.content).hexdigest() == (
        "bf091006bdc3af6067af77c2f534812e3e633e94a94e87138069f570f33b762c"
    )
    assert b"createApiReference" in response.content


@pytest.mark.parametrize("name", ["nope.js", "LICENSE", "..%2Fgraphs.yaml", "%2E%2E"])
def test_only_the_assets_are_served(client: httpx.Client, name: str) -> None:
    response = client.get(f"/docs/assets/{name}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}
    assert asset(name) is None or name in ASSETS


def test_the_assets_licence_ships_beside_them() -> None:
    licence = Path(__file__).parent.parent / "mockserver" / "data" / "apidocs" / "LICENSE"
    text = licence.read_text()
    assert "MIT License" in text and "Copyright (c) 2023-present Scalar" in text
    assert all(name in text for name in ASSETS)


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
