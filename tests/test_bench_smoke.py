"""`python -m bench` runs end to end with tiny counts, against the mock only.

A benchmark is not a test: nothing here looks at a number. The run gets a PATH with nothing on
it, so wrk and node are missing, and the table must say so instead of failing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 120  # seconds; the run takes a few


def test_the_bench_command_runs_and_prints_its_table(tmp_path: Path) -> None:
    out = tmp_path / "RESULTS.md"
    empty = tmp_path / "no-tools"
    empty.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--targets", "mock,prism", "--out", str(out)],
        cwd=ROOT,
        env={"PATH": str(empty), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = result.stdout
    assert re.search(r"^\| 1 \| update_state \+ get_state, .* \| mock \| [\d,]+ \|", table, re.M)
    assert "wrk not installed (apt-get install -y wrk)" in table
    assert "prism: **unavailable** — node is not installed" in table
    assert "## Goals" in table
    assert out.read_text() in table  # RESULTS.md is what was printed
