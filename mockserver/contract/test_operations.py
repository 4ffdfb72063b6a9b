"""Property tests, one per operation: phases examples, coverage and fuzzing, every check on.

`case.call_and_validate()` runs every enabled check (Schemathesis's and the semantic ones in
`mockserver.contract.checks`); the ledger lets listed deviations pass and raises new failures.
"""

from __future__ import annotations

from typing import Any

from mockserver.contract import ledger, target

schema = target.schema()


@schema.parametrize()  # type: ignore[untyped-decorator]
def test_operation(case: Any) -> None:
    ledger.validate(case)
