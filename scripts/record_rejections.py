#!/usr/bin/env python3
"""Record how the real server answers odd requests: tests/data/real_rejections.json.

    python scripts/real_server.py run -- python scripts/record_rejections.py

Each case is sent to the server at $REAL_SERVER_URL, on a fresh thread where the path names
`{tid}`; the status and body it answers are what tests/test_wording.py expects of the mock,
byte for byte.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "real_rejections.json"
ZERO = "00000000-0000-0000-0000-000000000000"
RAW = "raw"  # a case whose body is sent as these bytes

CASES: list[dict[str, Any]] = [
    {"method": "POST", "path": "/threads/{tid}/state", "json": {"as_node": 5}},
    {"method": "POST", "path": "/threads/{tid}/state", "json": {"values": 5}},
    {
        "method": "POST",
        "path": "/threads/{tid}/state",
        "json": {"checkpoint": {"checkpoint_id": 5}},
    },
    {"method": "POST", "path": "/threads/{tid}/state", "json": {"checkpoint": []}},
    {"method": "POST", "path": "/threads/{tid}/state", RAW: "{bad"},
    {"method": "POST", "path": "/threads/{tid}/state", RAW: ""},
    {"method": "POST", "path": "/threads/not-a-uuid/state", "json": {"as_node": 5}},
    {"method": "GET", "path": "/threads/not-a-uuid"},
    {"method": "PATCH", "path": "/threads/not-a-uuid", "json": {}},
    {"method": "DELETE", "path": "/threads/not-a-uuid"},
    {"method": "PATCH", "path": "/threads/{tid}", "json": {"metadata": 5}},
    {"method": "GET", "path": "/threads/{tid}/history", "params": {"limit": "abc"}},
    {"method": "POST", "path": "/threads/{tid}/history", "json": {"limit": "abc"}},
    {"method": "POST", "path": "/threads/{tid}/history", "json": {"metadata": 5, "limit": "x"}},
    {"method": "POST", "path": "/threads/{tid}/history", "json": {"before": 5}},
    {"method": "POST", "path": "/threads/{tid}/state/checkpoint", "json": {"checkpoint": 5}},
    {"method": "POST", "path": "/threads/{tid}/state/checkpoint", "json": {}},
    {"method": "POST", "path": "/threads", "json": {"metadata": 5}},
    {"method": "POST", "path": "/threads", "json": {"if_exists": "nope"}},
    {"method": "POST", "path": "/threads", "json": {"thread_id": "nope"}},
    {"method": "POST", "path": "/threads", "json": {"supersteps": 5}},
    {"method": "POST", "path": "/threads", "json": []},
    {"method": "POST", "path": "/threads", "json": {"zzz": 1, "if_exists": 1, "metadata": 1}},
    {"method": "POST", "path": "/threads/search", "json": {"limit": "x"}},
    {"method": "POST", "path": "/threads/search", "json": {"metadata": 5, "limit": "x"}},
    {"method": "POST", "path": "/threads/search", "json": {"sort_by": "zzz"}},
    {"method": "POST", "path": "/threads/search", "json": {"status": "zzz"}},
    {"method": "POST", "path": "/threads/count", "json": {"status": "zzz"}},
    {"method": "POST", "path": "/threads/search", "json": {"ids": ["nope"]}},
    {"method": "POST", "path": "/threads/not-a-uuid/copy"},
    {"method": "POST", "path": "/assistants/search", "json": {"limit": "x"}},
    {"method": "POST", "path": "/assistants/count", "json": {"metadata": 5}},
    {"method": "GET", "path": "/assistants/not-a-uuid"},
    {"method": "GET", "path": "/assistants/not-a-uuid/graph"},
    {"method": "GET", "path": "/assistants/not-a-uuid/schemas"},
    {"method": "POST", "path": "/threads/{tid}/runs", "json": {"assistant_id": 5}},
    {"method": "POST", "path": "/threads/{tid}/runs", "json": {}},
    {
        "method": "POST",
        "path": "/threads/{tid}/runs",
        "json": {"assistant_id": "agent", "stream_mode": "zzz"},
    },
    {
        "method": "POST",
        "path": "/threads/{tid}/runs",
        "json": {"assistant_id": "agent", "multitask_strategy": "zzz"},
    },
    {
        "method": "POST",
        "path": "/threads/{tid}/runs/wait",
        "json": {"assistant_id": "agent", "stream_mode": "zzz"},
    },
    {"method": "POST", "path": "/threads/not-a-uuid/runs", "json": {"assistant_id": "agent"}},
    {"method": "POST", "path": "/threads/not-a-uuid/runs", "json": {"assistant_id": 5}},
    {"method": "POST", "path": "/threads/not-a-uuid/runs/wait", "json": {"assistant_id": "agent"}},
    {
        "method": "POST",
        "path": "/threads/not-a-uuid/runs/stream",
        "json": {"assistant_id": "agent"},
    },
    {"method": "POST", "path": "/runs/wait", "json": {"assistant_id": "agent", "config": 5}},
    {
        "method": "POST",
        "path": "/runs",
        "json": {"assistant_id": "agent", "metadata": [], "input": 5},
    },
    {"method": "GET", "path": "/threads/not-a-uuid/runs", "params": {"limit": "abc"}},
    {"method": "GET", "path": "/threads/{tid}/runs", "params": {"limit": "abc"}},
    {"method": "GET", "path": "/threads/{tid}/runs", "params": {"offset": "abc"}},
    {"method": "GET", "path": "/threads/{tid}/runs/not-a-uuid"},
    {"method": "GET", "path": f"/threads/not-a-uuid/runs/{ZERO}/join"},
    {"method": "POST", "path": "/threads/{tid}/runs/not-a-uuid/cancel"},
    {"method": "DELETE", "path": f"/threads/{ZERO}/runs/{ZERO}"},
    {"method": "DELETE", "path": f"/threads/{{tid}}/runs/{ZERO}"},
    # Query parameters the real server reads leniently (x-read-as): no rejection.
    {"method": "POST", "path": f"/threads/{{tid}}/runs/{ZERO}/cancel", "params": {"wait": "zzz"}},
    {"method": "POST", "path": f"/threads/{{tid}}/runs/{ZERO}/cancel", "params": {"action": "zzz"}},
    {"method": "GET", "path": "/threads/{tid}/runs", "params": {"status": "zzz"}},
    {"method": "GET", "path": "/threads/{tid}/state", "params": {"subgraphs": "zzz"}},
    {"method": "GET", "path": "/ok", "params": {"check_db": "x"}},
    {"method": "GET", "path": "/ok", "params": {"check_db": "5"}},
    # An unknown checkpoint of a thread bound to no graph: the empty state, naming none.
    {"method": "GET", "path": f"/threads/{{tid}}/state/{ZERO}"},
    {
        "method": "POST",
        "path": "/threads/{tid}/state/checkpoint",
        "json": {"checkpoint": {"checkpoint_id": ZERO}},
    },
]


def main() -> None:
    url = os.environ["REAL_SERVER_URL"]
    recorded = []
    with httpx.Client(base_url=url, timeout=30) as http:
        for case in CASES:
            path = case["path"]
            if "{tid}" in path:
                path = path.replace("{tid}", http.post("/threads", json={}).json()["thread_id"])
            if RAW in case:
                response = http.request(
                    case["method"],
                    path,
                    content=case[RAW].encode(),
                    headers={"content-type": "application/json"},
                )
            else:
                response = http.request(
                    case["method"], path, params=case.get("params"), json=case.get("json")
                )
            recorded.append({**case, "status": response.status_code, "body": response.json()})
    OUT.write_text(json.dumps(recorded, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(recorded)} cases -> {OUT}")


if __name__ == "__main__":
    main()
