"""The xAPI version each client last spoke, so that an answer to a request that names no
version (or one the LRS does not support) speaks the client's own version.

It lives in the database, not in a process: every server process sharing the database
answers a client alike. A client is known by an opaque tag the xAPI door derives from its
credentials; only clients whose credentials authenticated are remembered, so the table
holds at most one row per credential in use. A row is written when the client's version
changes, and otherwise at most once a day (to mark the client as still seen); clients not
seen for ``FORGET_AFTER`` are forgotten whenever a new client is first remembered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pathwise.domain.clock import utcnow
from pathwise.store.uow import UnitOfWork

TOUCH_EVERY = timedelta(days=1)
FORGET_AFTER = timedelta(days=90)


def last_version(uow: UnitOfWork, tag: str) -> str | None:
    """The version the client with this tag last spoke, or None if it is not remembered."""
    known = uow.xapi.client_version(tag)
    return known[0] if known is not None else None


def remember_version(uow: UnitOfWork, tag: str, version: str, now: datetime | None = None) -> bool:
    """Remember that the client with this tag spoke ``version``; True when a row was written
    (a new client, another version, or a day since it was last marked as seen)."""
    now = now or utcnow()
    known = uow.xapi.client_version(tag)
    if known is not None and known[0] == version and now - known[1] < TOUCH_EVERY:
        return False
    uow.xapi.remember_client_version(tag, version, now)
    if known is None:
        uow.xapi.forget_client_versions(now - FORGET_AFTER)
    return True
