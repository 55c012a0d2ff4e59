"""Loaded by the schemathesis CLI (SCHEMATHESIS_HOOKS) in tests/api/test_schemathesis.py."""

import schemathesis
from schemathesis import Case, CheckContext, Response


@schemathesis.check
def positive_400_only_for_a_cursor(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A list or feed may refuse schema-valid input only for its server-issued cursor."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    if case.method != "GET" or case.path == "/api/v1/reports/":
        return None
    fields = set(response.json())
    assert fields <= {"cursor"}, f"schema-valid {sorted(fields)} refused: {response.text[:300]}"
    return True
