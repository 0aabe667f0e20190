"""Counting a system's pooled database connections that are out at once (tests only)."""

from __future__ import annotations

import threading

from sqlalchemy import event

from pathwise.services.context import App


class Connections:
    """How many pooled connections are out at once, at the most, since the last ``reset``.
    A test that sends one request at a time reads more than one as a request holding two."""

    def __init__(self, system: App) -> None:
        self.out = self.peak = 0
        self._lock = threading.Lock()
        self._engine = system.db.engine
        event.listen(self._engine, "checkout", self._checkout)
        event.listen(self._engine, "checkin", self._checkin)

    def _checkout(self, *_args: object) -> None:
        with self._lock:
            self.out += 1
            self.peak = max(self.peak, self.out)

    def _checkin(self, *_args: object) -> None:
        with self._lock:
            self.out -= 1

    def reset(self) -> None:
        with self._lock:
            self.peak = self.out

    def close(self) -> None:
        event.remove(self._engine, "checkout", self._checkout)
        event.remove(self._engine, "checkin", self._checkin)
