#!/usr/bin/env python3
"""Record the cron scenarios (tests/cron_scenarios.py) against the real server, once.

    REAL_SERVER_INSTANCE=crons python scripts/real_server.py run -- \
        .venv/bin/python scripts/record_crons.py [SCENARIO ...]

writes tests/data/crons_recording.json (ids, times and URLs normalised), which
tests/test_crons_differential.py replays against the mock; the default suite needs no real
server. Naming scenarios re-records only those and keeps the others. The scenarios that wait
for the scheduler take up to a poll (5 s) each.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from cron_scenarios import play  # noqa: E402
from scenario_recorder import record  # noqa: E402

OUT = ROOT / "tests" / "data" / "crons_recording.json"


def main(names: list[str]) -> int:
    return record(OUT, play, names)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
