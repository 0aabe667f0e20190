"""Items (things a student answers) and activities (things a student does).

An item carries its answer key, feedback for typical wrong answers and graded hints;
the answer checking itself lives with the item types (see ``domain.answers`` when
present). An activity is practice, a video, a reading or a project, tagged with the
skills it serves. No I/O, no framework.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import check_code


class ItemType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_CHOICE = "multiple_choice"
    NUMERIC = "numeric"
    SHORT_TEXT = "short_text"
    ORDERING = "ordering"


class ActivityKind(StrEnum):
    PRACTICE = "practice"
    VIDEO = "video"
    READING = "reading"
    PROJECT = "project"
    CHECK = "check"


@dataclass(frozen=True, slots=True)
class Feedback:
    """Feedback shown for a wrong answer that matches ``answer``."""

    answer: str
    message: str
    misconception: str | None = None


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    skill_codes: tuple[str, ...]
    type: ItemType
    prompt: str
    answer: Any
    choices: tuple[str, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    hints: tuple[str, ...] = ()
    difficulty: float = 0.0
    spec: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        check_code(self.id, "item_id")
        if not self.skill_codes:
            raise ValidationError("skill_ids", f"item {self.id} needs at least one skill")
        for c in self.skill_codes:
            check_code(c, "skill_ids")
        if not self.prompt.strip():
            raise ValidationError("prompt", f"item {self.id} needs a prompt")
        if self.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_CHOICE, ItemType.ORDERING):
            if len(self.choices) < 2:
                raise ValidationError("choices", f"item {self.id} needs at least two choices")


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    title: str
    kind: ActivityKind
    skill_codes: tuple[str, ...]
    item_ids: tuple[str, ...] = ()
    url: str | None = None
    minutes: int = 10
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_code(self.id, "activity_id")
        if not self.title.strip():
            raise ValidationError("title", f"activity {self.id} needs a title")
        if not self.skill_codes:
            raise ValidationError("skill_ids", f"activity {self.id} needs at least one skill")
        if self.minutes <= 0:
            raise ValidationError("minutes", "must be positive")
