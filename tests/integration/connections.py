"""Counting a system's pooled database connections that are out at once (tests only)."""

from __future__ import annotations

import threading
from typing import Any

import fastapi.routing
import pytest
from sqlalchemy import event

from pathwise.services.context import App


class Connections:
    """How many pooled connections are out at once, at the most, since the last ``reset``.
    A test that sends one request at a time reads more than one as a request holding two.

    ``watch_serialization`` also notes how many were out while an API response was being
    checked against its model (FastAPI does that for a plain ``def`` view on a worker
    thread it must wait for, after the view returns): a unit of work still open there
    holds its connection, and on SQLite its write lock, while it waits for a thread."""

    def __init__(self, system: App) -> None:
        self.out = self.peak = 0
        self.out_at_serialization = 0
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

    def watch_serialization(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = fastapi.routing.serialize_response

        async def serialize(**kw: Any) -> Any:
            with self._lock:
                self.out_at_serialization = max(self.out_at_serialization, self.out)
            return await original(**kw)

        monkeypatch.setattr(fastapi.routing, "serialize_response", serialize)

    def reset(self) -> None:
        with self._lock:
            self.peak = self.out
            self.out_at_serialization = 0

    def close(self) -> None:
        event.remove(self._engine, "checkout", self._checkout)
        event.remove(self._engine, "checkin", self._checkin)
