"""The vocabulary of Pathwise: people, frameworks, content and evidence.

Frozen dataclasses and plain classes that validate themselves. This package must not
do I/O, and must not import any framework, the engine, the store or the services.
"""

from pathwise.domain.errors import DomainError, ValidationError

__all__ = ["DomainError", "ValidationError"]
