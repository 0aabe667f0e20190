"""The web's one way to open a transaction: the ``Tx`` dependency.

A view takes ``uow: Tx`` and passes it to the use cases it calls; it never commits.
The unit of work is committed after the view returns and before the response is
sent (``scope="function"``), so a client never sees a success that was not stored;
if the view raises, nothing it did is stored. A view that shows a form again with a
problem raises nothing, so it must not have written anything first: the use cases
check before they write.

While the view runs, its unit of work is also ``request.state.uow``, so that what the page
frame reads (the language, the time zone, the unread count: ``pages.render``) is read in it
rather than in a second transaction: a request never holds two pooled connections at once
(under load, a pool emptied by requests each waiting for a second connection stalls them
all until the pool's wait ends, and on SQLite the first one may hold the write lock).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, Request

from pathwise.services.context import UnitOfWork, transaction
from pathwise.web.auth import system_of


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with transaction(system_of(request)) as uow:
        request.state.uow = uow
        try:
            yield uow
        finally:
            request.state.uow = None


@contextmanager
def reading(request: Request) -> Iterator[UnitOfWork]:
    """The request's open unit of work (its view's), or a short one of its own when there is
    none (an error page, a view without ``Tx``) or it can no longer be read in (it failed)."""
    open_uow = getattr(request.state, "uow", None)
    if open_uow is not None and open_uow.session.is_active:
        yield open_uow
        return
    with transaction(system_of(request)) as uow:
        yield uow


Tx = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]
