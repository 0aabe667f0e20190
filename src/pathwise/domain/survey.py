"""The getting-to-know-you survey: what a student says about themself when they start.

A student answers three questions: what they are into (the interest topics of
``domain.profile``), how they like to learn (its ways of learning, asked in kid words) and
what they want to get better at (skills or units of their framework, and a few words of
their own). Or they skip it for now. ``check_answers`` checks the part only the survey
owns (what to get better at, the note); interests and ways of learning are checked by the
profile's own rules when they are written there. No I/O: which skills and units exist is
passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pathwise.domain import profile as prof
from pathwise.domain.errors import ValidationError

MAX_IMPROVE = 5
MAX_NOTE = 280

# How-I-like-to-learn choices in the words a ten-year-old uses (the stored values are the
# profile's ways of learning).
MODALITY_KID_WORDS: dict[str, str] = {
    "practice": "Trying lots of questions",
    "video": "Watching someone show me",
    "reading": "Reading about it",
    "project": "Making or building something",
}


class Status(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class SurveyAnswers:
    """What the student answered (each list in the order chosen, without repeats)."""

    interests: tuple[str, ...] = ()
    modalities: tuple[str, ...] = ()
    improve: tuple[str, ...] = ()  # skill or unit codes of the learner's framework
    note: str = ""

    def to_stored(self) -> dict[str, Any]:
        return {"interests": list(self.interests), "modalities": list(self.modalities),
                "improve": list(self.improve), "note": self.note}

    @classmethod
    def from_stored(cls, raw: Mapping[str, Any] | None) -> SurveyAnswers:
        raw = raw or {}

        def strings(key: str) -> tuple[str, ...]:
            value = raw.get(key) or []
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(strings("interests"), strings("modalities"), strings("improve"), str(raw.get("note") or ""))


@dataclass(frozen=True, slots=True)
class SurveyRecord:
    """The survey's state for one learner: answered (with the answers) or skipped, and when."""

    status: Status
    at: datetime
    answers: SurveyAnswers = field(default_factory=SurveyAnswers)


def _unique(values: Collection[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(" ".join(str(v).split()) for v in values if str(v).strip()))


def check_answers(interests: Collection[str], modalities: Collection[str], improve: Collection[str], note: str,
                  *, known_targets: Collection[str]) -> SurveyAnswers:
    """The answers, tidied (repeats and blanks dropped, the note's spaces folded); a
    ``ValidationError`` naming the field for what to get better at or the note.

    Interests and ways of learning are only tidied here: the profile checks them when
    they are written to it (one rule, in one place)."""
    targets = _unique(improve)
    if len(targets) > MAX_IMPROVE:
        raise ValidationError("improve", f"choose at most {MAX_IMPROVE} things to get better at")
    known = set(known_targets)
    for code in targets:
        if code not in known:
            raise ValidationError("improve", f"{code!r} is not a skill or unit of your classes")
    text = " ".join(str(note).split())
    if len(text) > MAX_NOTE:
        raise ValidationError("note", f"at most {MAX_NOTE} characters")
    return SurveyAnswers(_unique(interests), _unique(modalities), targets, text)


def profile_patch(answers: SurveyAnswers) -> dict[str, list[str]]:
    """What the answers write into the learner profile: interests and ways of learning."""
    return {prof.INTERESTS: list(answers.interests), prof.MODALITIES: list(answers.modalities)}
