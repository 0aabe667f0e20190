"""The load benchmark's profile reader: shares through and in each function, idle waits apart."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "profile_summary", Path(__file__).resolve().parents[2] / "bench" / "load" / "profile_summary.py")
assert _spec is not None and _spec.loader is not None
ps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ps)

STACKS = [
    "process 1:\"serve\";run (threading.py:10);answer (/x/src/pathwise/web/api/practice.py:224);"
    "record_evidence (/x/src/pathwise/services/evidence.py:80) 6",
    "process 1:\"serve\";run (threading.py:10);answer (/x/src/pathwise/web/api/practice.py:224) 2",
    "process 1:\"serve\";run (threading.py:10);teacher_class (/x/src/pathwise/web/pages/routes.py:9) 2",
    "process 1:\"serve\";run_forever (asyncio/base_events.py:600);_run_once (asyncio/base_events.py:1900);"
    "select (selectors.py:469) 5",
    "not a stack line",
]


def test_shares_through_and_in_each_function() -> None:
    busy, idle, inclusive, own = ps.summarise(STACKS)
    assert (busy, idle) == (10, 5)
    assert inclusive["answer (pathwise/web/api/practice.py)"] == 8
    assert own["answer (pathwise/web/api/practice.py)"] == 2
    assert own["record_evidence (pathwise/services/evidence.py)"] == 6
    assert inclusive["run (threading.py)"] == 10


def test_only_the_stacks_under_one_function() -> None:
    busy, _idle, inclusive, _own = ps.summarise(STACKS, under="answer")
    assert busy == 8 and "teacher_class (pathwise/web/pages/routes.py)" not in inclusive
