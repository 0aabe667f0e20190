"""schemathesis hooks for scripts/api-fuzz.sh: the same single exception as the in-suite test
(tests/security/api_schema_rules.py), loaded through SCHEMATHESIS_HOOKS."""

from __future__ import annotations

from typing import Any

import schemathesis

from tests.security.api_schema_rules import keep_failure


@schemathesis.hook
def filter_failure(ctx: Any, failure: Any, case: Any, response: Any) -> bool:
    return keep_failure(failure, case, response)
