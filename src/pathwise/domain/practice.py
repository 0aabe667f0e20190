"""Records of practice and assessment work, as the store keeps them: a practice session,
an item shown in it, a response to it, an assessment assigned to a class, a criterion
scored with a rubric, and learning done elsewhere that a student submits.

Plain frozen values with no behaviour beyond reading: the store hands them to the
services (``services.practice``, ``services.assessments``), which build their views
and rules on them. No I/O, no framework.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pathwise.domain.assessment import Window


@dataclass(frozen=True, slots=True)
class PracticeSession:
    """A learner's session on one skill: free practice, a mastery check or a unit assessment."""

    id: str
    learner_id: str
    skill_code: str
    mode: str
    started_at: datetime
    assessment_id: str | None = None
    assignment_id: str | None = None
    ended_at: datetime | None = None
    deadline_at: datetime | None = None
    # the estimate per skill when the session began (None: the skill was not started then)
    start_mastery: Mapping[str, Any] = field(default_factory=dict)
    # length, hints allowed, time limit, fixed item ids and the accommodations applied
    settings: Mapping[str, Any] = field(default_factory=dict)
    summary: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Presentation:
    """One item shown in a session, with the numbers drawn and the choices arranged for it."""

    id: str
    session_id: str
    learner_id: str
    item_id: str
    position: int
    shown_at: datetime
    params: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple[Any, ...] = ()
    hints_shown: int = 0
    attempts: int = 0
    first_correct: bool | None = None
    done: bool = False
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PracticeResponse:
    """A checked answer to a presentation; its id is the evidence id it produced, and the
    client's attempt id is unique per learner (a double submit stores one response)."""

    id: str
    presentation_id: str
    learner_id: str
    client_attempt_id: str
    status: str
    score: float
    created_at: datetime
    response: Mapping[str, Any] = field(default_factory=dict)
    message: str = ""
    misconception: str | None = None
    confidence: float | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """An assessment assigned to a class (or a group of its students: ``student_ids``)
    for a window."""

    id: str
    assessment_id: str
    section_id: str
    window: Window
    student_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RubricScore:
    """Points on one criterion of a project for a learner: a classmate's suggestion
    (``peer``) or the teacher's confirmed score with the evidence it became."""

    assessment_id: str
    learner_id: str
    criterion_id: str
    points: int
    state: str
    scorer_id: str | None
    created_at: datetime
    comment: str = ""
    evidence_id: str | None = None


@dataclass(frozen=True, slots=True)
class OutsideWork:
    """Learning done elsewhere that a student submitted; it counts once a teacher approves it."""

    id: str
    learner_id: str
    title: str
    description: str
    artefact_url: str | None
    skill_codes: tuple[str, ...]
    state: str
    created_at: datetime
    review_note: str = ""
    reviewer_id: str | None = None
    evidence_ids: tuple[str, ...] = ()
    reviewed_at: datetime | None = None
