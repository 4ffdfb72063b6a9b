#!/usr/bin/env python3
"""Record what a fresh real server answers to js/sdk-methods.mjs (every public method of the
official JS SDK's Client, @langchain/langgraph-sdk 1.x), once.

    REAL_SERVER_INSTANCE=js python scripts/real_server.py run -- \\
        .venv/bin/python scripts/record_js_sdk.py

writes tests/data/js_sdk_methods.json, which tests/test_js_sdk.py compares the mock's output
of the same script with; the default suite needs no real server. The script's output is
already normalised (ids named, times and the server's address replaced). Needs node and
js/node_modules (`npm ci` in js/).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "data" / "js_sdk_methods.json"


def main() -> int:
    url, node = os.environ.get("REAL_SERVER_URL"), shutil.which("node")
    if not url or node is None:
        print("run me through scripts/real_server.py run, with node installed", file=sys.stderr)
        return 2
    done = subprocess.run(
        [node, "sdk-methods.mjs"],
        cwd=ROOT / "js",
        env={**os.environ, "MOCKSERVER_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    OUT.write_text(json.dumps(json.loads(done.stdout), indent=1) + "\n")
    print(f"recorded the JS SDK's calls into {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
