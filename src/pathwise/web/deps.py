"""The web's one way to open a transaction: the ``Tx`` dependency, and the route class
that ends it.

A view takes ``uow: Tx`` and passes it to the use cases it calls; it never commits.
The unit of work is committed when the view returns, on the view's own worker thread,
before the response is serialized or sent, so a client never sees a success that was
not stored; if the view raises, nothing it did is stored. A view that shows a form again
with a problem raises nothing, so it must not have written anything first: the use cases
check before they write.

Why on the view's own thread (``WorkRoute``): FastAPI checks a plain ``def`` view's return
value against its response model on a worker thread it must first wait for, and a
dependency's exit comes only after that. Under load every worker thread may be taken by
requests waiting for a pooled connection or for SQLite's write lock; a unit of work still
open there holds its connection (and, once it wrote, the write lock) while it waits for a
thread that only its own commit would free. A school of 400 students practising at once
stalled for 30 s at a time that way, until SQLite's wait ran out. Every route of the
application is a ``WorkRoute`` (a test walks them); the dependency's exit still ends a
unit of work the view did not reach the end of (one a sub-dependency opened, say).

While the view runs, its unit of work is also ``request.state.uow``, so that what the page
frame reads (the language, the time zone, the unread count: ``pages.render``) is read in it
rather than in a second transaction: a request never holds two pooled connections at once
(under load, a pool emptied by requests each waiting for a second connection stalls them
all until the pool's wait ends, and on SQLite the first one may hold the write lock).
"""

from __future__ import annotations

import functools
import inspect
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.routing import APIRoute

from pathwise.services.context import UnitOfWork, transaction
from pathwise.web.auth import system_of


class _Work:
    """A request's unit of work, ended once: commit when the view returned, roll back (or
    keep what an error says to keep, see ``transaction``) when it raised."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._tx: AbstractContextManager[UnitOfWork] = transaction(system_of(request))
        self.uow = self._tx.__enter__()
        self._ended = False
        request.state.uow = self.uow

    def end(self, exc: BaseException | None) -> None:
        """Commit or roll back; raises what committing raised (``Unavailable``, say)."""
        if self._ended:
            return
        self._ended = True
        self._request.state.uow = None
        if exc is None:
            self._tx.__exit__(None, None, None)
        else:
            self._tx.__exit__(type(exc), exc, exc.__traceback__)


_open: weakref.WeakKeyDictionary[UnitOfWork, _Work] = weakref.WeakKeyDictionary()


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    work = _Work(request)
    _open[work.uow] = work
    try:
        yield work.uow
    except BaseException as exc:
        work.end(exc)
        raise
    work.end(None)


def _ending_work(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view``, ending the units of work it was given as it returns, on its own thread."""

    @functools.wraps(view)
    def run(*args: Any, **kwargs: Any) -> Any:
        works = [_open[v] for v in kwargs.values() if isinstance(v, UnitOfWork) and v in _open]
        try:
            result = view(*args, **kwargs)
        except BaseException as exc:
            for work in works:
                work.end(exc)
            raise
        for work in works:
            work.end(None)
        return result

    return run


class WorkRoute(APIRoute):
    """A route whose plain-``def`` view ends its unit of work before FastAPI goes on."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if not inspect.iscoroutinefunction(endpoint):
            endpoint = _ending_work(endpoint)
        super().__init__(path, endpoint, **kwargs)


@contextmanager
def reading(request: Request) -> Iterator[UnitOfWork]:
    """The request's open unit of work (its view's), or a short one of its own when there is
    none (an error page, a view without ``Tx``, one already ended) or it can no longer be
    read in (it failed)."""
    open_uow = getattr(request.state, "uow", None)
    if open_uow is not None and open_uow.session.is_active:
        yield open_uow
        return
    with transaction(system_of(request)) as uow:
        yield uow


Tx = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]
