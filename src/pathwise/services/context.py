"""The running system: settings, the database and the learner model, built once.

Doors (web, CLI, interop) create one ``App``. Use cases take a unit of work (and the
live tracker when they move mastery); a door opens the unit of work with
``transaction(system)``, which commits when the block ends normally and rolls back
when it raises. The web's typed dependency (``web.deps.Tx``) is this same helper
around one request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pathwise.config import Settings, get_settings
from pathwise.store.uow import Database, UnitOfWork


@dataclass
class App:
    settings: Settings
    db: Database
    _tracker: object | None = field(default=None, repr=False)
    _checked: float = field(default=0.0, repr=False)
    _tracker_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _resources: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> App:
        s = settings or get_settings()
        return cls(settings=s, db=Database(s.database_url, echo=s.sql_echo))

    def uow(self) -> UnitOfWork:
        return self.db.uow()

    def tracker(self, uow: UnitOfWork | None = None):  # type: ignore[no-untyped-def]
        """The live learner model with its active fitted parameters.

        Cached; every few seconds one small query checks whether another process (say
        ``pathwise kt fit``) activated a new version, and the model is reloaded if so. One
        thread checks at a time; the others go on with the model they have meanwhile (only
        the very first load makes them wait), so a burst of requests never queues for
        database connections just to ask the same question.

        A caller inside a unit of work passes it: the check is read in it rather than in a
        second transaction, so a request never holds two pooled connections at once.
        """
        import time

        if self._tracker is not None:
            if time.monotonic() - self._checked < 5.0 or not self._tracker_lock.acquire(blocking=False):
                return self._tracker
        else:
            self._tracker_lock.acquire()
        try:
            if self._tracker is None or time.monotonic() - self._checked >= 5.0:
                if uow is not None:
                    self._check_tracker(uow)
                else:
                    with self.uow() as own:
                        self._check_tracker(own)
                self._checked = time.monotonic()
            return self._tracker
        finally:
            self._tracker_lock.release()

    def _check_tracker(self, uow: UnitOfWork) -> None:
        from pathwise.services.mastery import active_version, load_tracker

        if self._tracker is None or active_version(uow) != getattr(self._tracker, "source", None):
            self._tracker = load_tracker(uow)

    def reset_tracker(self) -> None:
        self._tracker = None

    def resource(self, name: str, make: Callable[[App], Any]) -> Any:
        """A long-lived helper of this system (the job queue), made on first use by ``make``
        and closed with the system; kept here so that this module imports none of them."""
        found = self._resources.get(name)
        if found is None:
            with self._tracker_lock:
                found = self._resources.get(name)
                if found is None:
                    found = self._resources[name] = make(self)
        return found

    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages."""
        return self.db.masked_url()

    def migrate(self) -> None:
        self.db.upgrade()

    def close(self) -> None:
        for made in list(self._resources.values()):
            made.close()
        self._resources.clear()
        self.db.dispose()


@contextmanager
def transaction(system: App) -> Iterator[UnitOfWork]:
    """One unit of work: committed when the block ends normally, rolled back if it raises.

    An error whose class sets ``keeps_work = True`` is an outcome worth keeping (a wrong
    password counts against the account): the work done before it is committed, then
    the error goes on to the door.
    """
    with system.uow() as uow:
        try:
            yield uow
        except BaseException as exc:
            if getattr(exc, "keeps_work", False):
                uow.commit()
            raise
        uow.commit()
