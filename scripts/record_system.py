#!/usr/bin/env python3
"""Record what a fresh real server answers on GET /metrics, GET /docs and GET /, once.

    REAL_SERVER_INSTANCE=system python scripts/real_server.py run -- \\
        .venv/bin/python scripts/record_system.py

writes tests/data/real_system.json, which tests/test_metrics.py and tests/test_apidocs.py
and tests/test_system.py compare the mock with (they replay its `sequence`); the default suite
needs no real server.
The server must be fresh: the metrics count every request it has answered. Recorded: the
answers to a fixed request sequence (`SEQUENCE`), the metrics after it as JSON and as
Prometheus text (the request counter's lines only: the rest is the process's own numbers),
the docs page with its inlined OpenAPI document taken out, and the answers at the root
(`ROOT_REQUESTS`: the health check again, for load balancers), after the metrics.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "real_system.json"
MISSING = "00000000-0000-0000-0000-000000000001"
# (method, path, JSON body): what the metrics count (system routes are left out).
SEQUENCE = [
    ("POST", "/threads", {}),
    ("POST", "/threads", {}),
    ("GET", f"/threads/{MISSING}", None),
    ("POST", "/threads/search", {"limit": 1}),
    ("GET", "/threads/nope", None),
    ("GET", "/ok", None),
    ("GET", "/info", None),
    ("GET", "/openapi.json", None),
    ("GET", "/", None),
    ("GET", "/?check_db=x", None),
]
# (method, path): the root, answered as GET /ok is; counted by the metrics, unlike /ok.
ROOT_REQUESTS = [("GET", "/"), ("GET", "/?check_db=1"), ("GET", "/?check_db=x"), ("POST", "/")]
# The docs page inlines the whole OpenAPI document: `var configuration = {...}` on one line.
CONFIGURATION = re.compile(r"var configuration = .*$", re.MULTILINE)


def record(http: httpx.Client) -> dict[str, object]:
    """The answers to SEQUENCE, then /metrics (JSON and text) and /docs."""
    statuses = [
        http.request(method, path, json=body).status_code for method, path, body in SEQUENCE
    ]
    as_json = http.get("/metrics", params={"format": "json"})
    as_text = http.get("/metrics")
    docs = http.get("/docs")
    root = [(method, path, http.request(method, path)) for method, path in ROOT_REQUESTS]
    return {
        "sequence": SEQUENCE,
        "statuses": statuses,
        "metrics_json": as_json.json(),
        "metrics_json_content_type": as_json.headers["content-type"],
        "metrics_text_content_type": as_text.headers["content-type"],
        "metrics_text_counter": [
            line for line in as_text.text.splitlines() if "lg_api_http_requests_total" in line
        ],
        "metrics_text_families": [
            line for line in as_text.text.splitlines() if line.startswith("# TYPE")
        ],
        "docs_content_type": docs.headers["content-type"],
        "docs_page": CONFIGURATION.sub("var configuration = <the OpenAPI document>", docs.text),
        "root": [
            {
                "method": method,
                "path": path,
                "status": answer.status_code,
                "content_type": answer.headers.get("content-type"),
                "body": answer.text,
            }
            for method, path, answer in root
        ],
    }


def main() -> int:
    url = os.environ.get("REAL_SERVER_URL")
    if not url:
        print(
            "REAL_SERVER_URL is not set: run me through scripts/real_server.py run", file=sys.stderr
        )
        return 2
    with httpx.Client(base_url=url, timeout=30) as http:
        recorded = record(http)
    OUT.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"recorded GET /metrics, GET /docs and GET / into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
