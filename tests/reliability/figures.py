"""Measured figures from the reliability tests: printed (see them with ``pytest -s``) and,
when ``PATHWISE_FIGURES`` names a file, appended to it as one JSON object a line."""

from __future__ import annotations

import json
import os
from typing import Any


def record(test: str, **values: Any) -> None:
    line = json.dumps({"test": test, **values}, default=str, sort_keys=True)
    print(f"\nFIGURES {line}")
    path = os.environ.get("PATHWISE_FIGURES")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
