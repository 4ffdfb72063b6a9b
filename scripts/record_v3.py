#!/usr/bin/env python3
"""Record the v3 thread-streaming scenarios (tests/v3_scenarios.py) against the real server.

    REAL_SERVER_INSTANCE=v3 python scripts/real_server.py run -- \
        .venv/bin/python scripts/record_v3.py [SCENARIO ...]

writes tests/data/v3_recording.json (ids, times and stamps normalised), which
tests/test_v3_differential.py replays against the mock; the default suite needs no real
server. Naming scenarios re-records only those and keeps the others.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from scenario_recorder import record  # noqa: E402
from v3_scenarios import play  # noqa: E402

OUT = ROOT / "tests" / "data" / "v3_recording.json"


def main(names: list[str]) -> int:
    return record(OUT, play, names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
