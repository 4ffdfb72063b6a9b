"""What scripts/record_runs.py, record_crons.py and record_v3.py share: play a scenario module's
scenarios against the real server `scripts/real_server.py run` started, and keep the answers.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent

Play = Callable[[httpx.Client, Sequence[str] | None], dict[str, Any]]


def record(out: Path, play: Play, names: list[str]) -> int:
    """Play the named scenarios (all of them: none named) and write them into `out`; naming
    scenarios re-records only those and keeps the others."""
    url = os.environ.get("REAL_SERVER_URL")
    if not url:
        print(
            "REAL_SERVER_URL is not set: run me through scripts/real_server.py run", file=sys.stderr
        )
        return 2
    recorded = json.loads(out.read_text()) if out.exists() and names else {}
    with httpx.Client(base_url=url, timeout=60) as http:
        recorded.update(play(http, names or None))
    out.write_text(json.dumps(recorded, indent=1, sort_keys=False) + "\n")
    print(f"recorded {len(recorded)} scenarios into {out.relative_to(ROOT)}")
    return 0
