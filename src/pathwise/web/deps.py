"""The web's one way to open a transaction: the ``Tx`` dependency.

A view takes ``uow: Tx`` and passes it to the use cases it calls; it never commits.
The unit of work is committed after the view returns and before the response is
sent (``scope="function"``), so a client never sees a success that was not stored;
if the view raises, nothing it did is stored. A view that shows a form again with a
problem raises nothing, so it must not have written anything first: the use cases
check before they write.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request

from pathwise.services.context import UnitOfWork, transaction
from pathwise.web.auth import system_of


def _unit_of_work(request: Request) -> Iterator[UnitOfWork]:
    with transaction(system_of(request)) as uow:
        yield uow


Tx = Annotated[UnitOfWork, Depends(_unit_of_work, scope="function")]
