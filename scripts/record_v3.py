#!/usr/bin/env python3
"""Record the v3 thread-streaming scenarios (tests/v3_scenarios.py) against the real server.

    REAL_SERVER_INSTANCE=v3 python scripts/real_server.py run -- \
        .venv/bin/python scripts/record_v3.py [SCENARIO ...]

writes tests/data/v3_recording.json (ids, times and stamps normalised), which
tests/test_v3_differential.py replays against the mock; the default suite needs no real
server. Naming scenarios re-records only those and keeps the others.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from v3_scenarios import play  # noqa: E402

OUT = ROOT / "tests" / "data" / "v3_recording.json"


def main(names: list[str]) -> int:
    url = os.environ.get("REAL_SERVER_URL")
    if not url:
        print(
            "REAL_SERVER_URL is not set: run me through scripts/real_server.py run", file=sys.stderr
        )
        return 2
    recorded = json.loads(OUT.read_text()) if OUT.exists() and names else {}
    with httpx.Client(base_url=url, timeout=60) as http:
        recorded.update(play(http, names or None))
    OUT.write_text(json.dumps(recorded, indent=1, sort_keys=False) + "\n")
    print(f"recorded {len(recorded)} scenarios into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
