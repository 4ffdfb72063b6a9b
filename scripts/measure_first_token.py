#!/usr/bin/env python3
"""How soon a streamed reply's first token reaches the client (no timing is asserted in tests).

    .venv/bin/python scripts/measure_first_token.py [RUNS]

Serves tests/data/chat_graphs.yaml on a free port (uvicorn, as `mockserver serve` does), then
for each run: a new thread, POST /threads/{id}/runs/stream with the chat UI's stream modes on
one keep-alive connection, and the time from sending the request to the first byte of the
first `event: messages`. The graph's token delay comes after each token, so it does not count.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import httpx

from mockserver.app import create_app
from mockserver.live import LiveServer

GRAPHS = Path(__file__).resolve().parent.parent / "tests" / "data" / "chat_graphs.yaml"
BODY = {
    "assistant_id": "agent",
    "input": {"messages": [{"type": "human", "content": "hi"}]},
    "stream_mode": ["values", "messages-tuple", "custom"],
}


def first_token(http: httpx.Client) -> tuple[float, float]:
    """(ms to the response headers, ms to the first messages event) for one streamed run."""
    thread = http.post("/threads", json={}).json()["thread_id"]
    started = time.perf_counter()
    with http.stream("POST", f"/threads/{thread}/runs/stream", json=BODY) as response:
        headers = time.perf_counter() - started
        token = 0.0
        for line in response.iter_lines():  # read to the end: the connection is reused
            if line == "event: messages" and not token:
                token = time.perf_counter() - started
    return headers * 1000, token * 1000


def main(runs: int) -> int:
    with (
        LiveServer(create_app(graphs=GRAPHS)) as server,
        httpx.Client(base_url=server.url, timeout=10) as http,
    ):
        first_token(http)  # warm up the connection and the code paths
        samples = [first_token(http) for _ in range(runs)]
    for name, values in (
        ("headers", [h for h, _ in samples]),
        ("first token", [t for _, t in samples]),
    ):
        values.sort()
        print(
            f"{name:12} p50 {statistics.median(values):6.2f} ms   "
            f"p95 {values[int(len(values) * 0.95) - 1]:6.2f} ms   max {values[-1]:6.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
