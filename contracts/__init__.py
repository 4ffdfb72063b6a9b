"""The contract suite: Schemathesis over `openapi/agent-server.yaml`, against any target.

By default the target is the mock, in-process (`mockserver.app.create_app()`); give a base URL
to check any deployment instead. `python -m contracts.runner --help` shows how.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "agent-server.yaml"
CONFIG_PATH = ROOT / "schemathesis.toml"
URL_ENV = "MOCKSERVER_CONTRACT_URL"
API_KEY_ENV = "MOCKSERVER_CONTRACT_API_KEY"
DEFAULT_MAX_EXAMPLES = 100
