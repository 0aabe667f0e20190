"""Errors the domain raises when a value or a rule is broken.

Messages name the field or the rule at fault, so that every door (page, API, CLI)
can show them to a person as they are. No I/O here.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain was broken."""


class ValidationError(DomainError):
    """A value is not acceptable; ``field`` names which one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CycleError(DomainError):
    """Prerequisites form a cycle; ``cycle`` lists the skill codes in order."""

    def __init__(self, cycle: list[str]) -> None:
        super().__init__("prerequisite cycle: " + " -> ".join(cycle))
        self.cycle = cycle
