#!/usr/bin/env python3
"""Record the assistant scenarios (tests/assistant_scenarios.py) against the real server, once.

    REAL_SERVER_INSTANCE=assistants .venv/bin/python scripts/record_assistants.py [SCENARIO ...]

starts a fresh `langgraph dev` for each scenario (scripts/real_server.py start, then stop: each
scenario sees only the system assistants at first) and writes tests/data/assistants_recording.json
(ids numbered, times and URLs normalised), which tests/test_assistants_differential.py replays
against the mock; the default suite needs no real server. Naming scenarios re-records only those
and keeps the others.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from assistant_scenarios import SCENARIOS, play  # noqa: E402

OUT = ROOT / "tests" / "data" / "assistants_recording.json"
HARNESS = [sys.executable, str(ROOT / "scripts" / "real_server.py")]


def _fresh_server() -> str:
    """A newly started real server's URL (its own instance, from REAL_SERVER_INSTANCE)."""
    subprocess.run([*HARNESS, "start"], check=True, stdout=subprocess.DEVNULL)
    instance = os.environ.get("REAL_SERVER_INSTANCE", "")
    run_dir = ROOT / ".real-server" / ("instances/" + instance if instance else "")
    return (run_dir / "url").read_text().strip()


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        print(f"unknown scenarios: {unknown}; known: {list(SCENARIOS)}", file=sys.stderr)
        return 2
    recorded = json.loads(OUT.read_text()) if OUT.exists() and names else {}
    for name in names or list(SCENARIOS):
        url = _fresh_server()
        try:
            with httpx.Client(base_url=url, timeout=60) as http:
                recorded.update(play(http, [name]))
        finally:
            subprocess.run([*HARNESS, "stop"], check=True, stdout=subprocess.DEVNULL)
        print(f"{name}: {len(recorded[name])} answers")
    ordered = {name: recorded[name] for name in SCENARIOS if name in recorded}
    OUT.write_text(json.dumps(ordered, indent=1, ensure_ascii=False) + "\n")
    print(f"recorded {len(ordered)} scenarios into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
