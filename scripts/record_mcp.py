#!/usr/bin/env python3
"""Record the real server's MCP answers (POST/GET/DELETE /mcp) into tests/data/mcp_recording.json.

Usage: python scripts/record_mcp.py URL   (URL: a fresh `langgraph dev`, scripts/real_server.py)

Each exchange keeps the request (method, Accept, raw body), the status, the content-type and
the body; ids the server makes (uuids, interrupt ids) are normalised so the mock's answers
compare equal. Requests the real server answers with a 500 are not recorded (deviations.md).
Stdlib only.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "mcp_recording.json"
JSON = "application/json"
BOTH = "application/json, text/event-stream"
CASES: list[tuple[str, str | None, str]] = [
    (
        "POST",
        BOTH,
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":'
        '"2025-03-26","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}',
    ),
    (
        "POST",
        JSON,
        '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1999"}}',
    ),
    ("POST", JSON, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5}}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":1,"method":"initialize"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":"a","method":"ping"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":0,"method":"ping","params":5}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":"abc"}}'),
    ("POST", JSON, '{"jsonrpc":"2.0","method":"notifications/initialized"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":3,"result":{}}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":null,"method":"ping"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":1,"method":""}'),
    ("POST", JSON, '{"jsonrpc":"2.0"}'),
    ("POST", JSON, '{"id":3}'),
    ("POST", JSON, "[1]"),
    ("POST", "text/html", "{}"),
    ("POST", None, "{}"),
    ("POST", None, "xx"),
    ("POST", JSON, ""),
    ("POST", JSON, '{"jsonrpc":"2.0","id":2,"method":"foo/bar"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":1,"method":5}'),
    (
        "POST",
        JSON,
        '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"agent",'
        '"arguments":{"messages":[{"role":"user","content":"hi"}]}}}',
    ),
    ("POST", JSON, '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"agent"}}'),
    (
        "POST",
        JSON,
        '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"interrupter",'
        '"arguments":{"topic":"x"}}}',
    ),
    (
        "POST",
        JSON,
        '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"agent",'
        '"arguments":"str"}}',
    ),
    ("POST", JSON, '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"nope"}}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{}}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":5,"method":"tools/call"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":NaN,"method":"ping"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":1e999,"method":"ping"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":"\\ud800","method":"ping"}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\\ud800"}}'),
    ("POST", JSON, '{"jsonrpc":"2.0","id":NaN,"method":"notifications/x"}'),
    ("GET", None, ""),
    ("DELETE", None, ""),
]
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX32 = re.compile(r"\b[0-9a-f]{32}\b")


def normalised(text: str) -> str:
    """Server-made ids replaced: uuids by <uuid>, interrupt ids by <id>."""
    return _HEX32.sub("<id>", _UUID.sub("<uuid>", text))


def exchange(url: str, method: str, accept: str | None, body: str) -> dict[str, object]:
    request = urllib.request.Request(
        url + "/mcp", data=body.encode() if method == "POST" else None, method=method
    )
    request.add_header("Accept", accept or "")
    request.add_header("Content-Type", JSON)
    try:
        with urllib.request.urlopen(request) as response:
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, headers, raw = error.code, error.headers, error.read()
    return {
        "method": method,
        "accept": accept,
        "body": body,
        "status": status,
        "content_type": headers.get("content-type"),
        "response": normalised(raw.decode()),
    }


def main() -> None:
    url = sys.argv[1].rstrip("/")
    recorded = [exchange(url, *case) for case in CASES]
    assert all(int(str(e["status"])) < 500 for e in recorded), recorded
    OUT.write_text(json.dumps(recorded, indent=1) + "\n")
    print(f"{len(recorded)} exchanges -> {OUT}")


if __name__ == "__main__":
    main()
