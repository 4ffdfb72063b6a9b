"""Schemathesis hooks for a plain `schemathesis run` on the spec `mockserver spec -o FILE` wrote
(it writes this file beside FILE and names it in the schemathesis.toml it writes there).

A run delayed by `after_seconds` holds its thread: a wait or a stream on it lasts as long, on
the mock as on any real server, and the spec allows delays up to 1e11 seconds. A delay the spec
allows is cut to one second before the request goes out (values past its range still go as
generated), as the contract suite does (mockserver/contract/target.py). Imports nothing of
mockserver: it runs in whichever environment Schemathesis is installed in.
"""

from __future__ import annotations

from typing import Any

import schemathesis

LONGEST_DELAY = 1.0
MAX_DELAY = 1e11  # openapi/agent-server.yaml, RunCreate.after_seconds


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Cut an allowed `after_seconds` (of a run, or of a batch's runs) to LONGEST_DELAY."""
    body = case.body
    for item in body if isinstance(body, list) else [body]:
        delay = item.get("after_seconds") if isinstance(item, dict) else None
        if isinstance(delay, int | float) and LONGEST_DELAY < delay <= MAX_DELAY:
            item["after_seconds"] = LONGEST_DELAY
