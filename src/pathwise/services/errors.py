"""Errors every door translates the same way: NotFound -> 404, Forbidden -> 403,
Invalid -> 400/422 with the field named, Conflict -> 409."""

from __future__ import annotations


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
    pass


class AuthFailed(ServiceError):
    """Wrong credentials or a locked account. The failed attempt itself is stored (it counts
    towards the lock), so the transaction keeps the work done before this error."""

    keeps_work = True


class NotValidHere(AuthFailed):
    """A sign-in from another system (an LMS launch) that may not do this here, e.g. in
    another school. Unlike a wrong password it records nothing."""

    keeps_work = False
