"""Schools, users, roles, classes (sections), enrollments and guardian links.

Plain frozen values; identity is the ``id`` string. No I/O, no framework.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pathwise.domain.errors import ValidationError

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class Role(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    GUARDIAN = "guardian"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class School:
    id: str
    name: str

    def __post_init__(self) -> None:
        if not self.id.strip():
            raise ValidationError("id", "a school needs an id")
        if not self.name.strip():
            raise ValidationError("name", "a school needs a name")


@dataclass(frozen=True, slots=True)
class User:
    id: str
    school_id: str
    username: str
    display_name: str
    role: Role
    grade: str | None = None
    active: bool = True

    def __post_init__(self) -> None:
        if not _USERNAME.match(self.username):
            raise ValidationError(
                "username",
                "use 2-64 lower-case letters, digits or . _ @ -, starting with a letter or digit",
            )
        if not self.display_name.strip():
            raise ValidationError("display_name", "a user needs a name to show")
        if not isinstance(self.role, Role):
            raise ValidationError("role", f"unknown role {self.role!r}")


@dataclass(frozen=True, slots=True)
class Section:
    """A class: a group of students taught together (OneRoster calls it a class)."""

    id: str
    school_id: str
    name: str
    subject: str = "mathematics"
    grade: str | None = None
    framework_id: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValidationError("name", "a class needs a name")


@dataclass(frozen=True, slots=True)
class Enrollment:
    section_id: str
    user_id: str
    role: Role

    def __post_init__(self) -> None:
        if self.role not in (Role.STUDENT, Role.TEACHER):
            raise ValidationError("role", "only students and teachers enrol in a class")


@dataclass(frozen=True, slots=True)
class GuardianLink:
    guardian_id: str
    student_id: str
    relationship: str = "parent"
