"""Counts this process keeps for its operators (``web/ops.py`` publishes them as Prometheus
counters): plain numbers that only grow, safe to add to from any thread.

A use case adds to a count once its work is kept (``uow.after_commit``), so a rolled-back
transaction counts nothing.
"""

from __future__ import annotations

import threading


class Count:
    """A number that only grows (from zero when the process starts)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    def add(self, n: int = 1) -> None:
        if n < 0:
            raise ValueError("a count only grows")
        with self._lock:
            self._value += n

    @property
    def value(self) -> int:
        return self._value


# evidence stored by ``services.evidence.record_evidence`` (answers, the API, xAPI statements)
EVIDENCE_RECORDED = Count()
