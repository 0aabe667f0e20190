"""Errors every door translates the same way: NotFound -> 404, Forbidden -> 403,
Invalid -> 400/422 with the field named, Conflict -> 409."""

from __future__ import annotations

# The database did not answer: every door says "try again shortly" (503), never a server error.
from pathwise.store.errors import Unavailable as Unavailable


class ServiceError(Exception):
    pass


class NotFound(ServiceError):
    """Missing, or not yours: the two are told apart by nobody."""


class Forbidden(ServiceError):
    """The role may not do this at all (not about a particular learner)."""


class Invalid(ServiceError):
    def __init__(self, message: str, field: str | None = None, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.problems = problems or []


class Conflict(ServiceError):
    """The request clashes with what is stored; ``field`` names the part that clashes, when one does."""

    def __init__(self, message: str = "", field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class AuthFailed(ServiceError):
    """Wrong credentials or a locked account. The failed attempt itself is stored (it counts
    towards the lock), so the transaction keeps the work done before this error."""

    keeps_work = True


class Throttled(AuthFailed):
    """Too many failed sign-ins from this client (for this name, or from this address):
    it must wait ``retry_after`` seconds. The same answer whether the name exists or not;
    the account itself is never locked. Nothing is checked, so nothing is recorded."""

    keeps_work = False

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotValidHere(AuthFailed):
    """A sign-in from another system (an LMS launch) that may not do this here, e.g. in
    another school. Unlike a wrong password it records nothing."""

    keeps_work = False
