"""The contract suite: Schemathesis over the packaged `agent-server.yaml`, against any target.

By default the target is the mock, in-process (`mockserver.app.create_app()`); give a base URL
to check any deployment instead. `mockserver contract --help` shows how. Installed with the
`contract` extra (`pip install "mockserver[contract]"`): Schemathesis and pytest.
"""

from __future__ import annotations

from pathlib import Path

from mockserver.spec import default_spec_path

SUITE = Path(__file__).resolve().parent
SPEC_PATH = default_spec_path()
# Read by the suite only: plain `schemathesis run` needs no configuration file.
CONFIG_PATH = SUITE / "schemathesis.toml"
DEVIATIONS_DIR = SUITE / "deviations"
URL_ENV = "MOCKSERVER_CONTRACT_URL"
API_KEY_ENV = "MOCKSERVER_CONTRACT_API_KEY"
DEFAULT_MAX_EXAMPLES = 100
