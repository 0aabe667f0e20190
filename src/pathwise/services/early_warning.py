"""Early warning for a class: who needs the teacher first, with the reasons in plain words.

``class_warnings`` replays each student's evidence through the active mastery tracker
(the product's own fold), hands it with their goals to the rules in
``engine.insight.early_warning`` and turns the rows into plain sentences with skill titles
and links to the evidence. Teachers of the class and admins of its school only; each
student's record read is audited (``require_class_learners``). Nothing here decides a flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from pathwise.domain.mastery_states import State
from pathwise.domain.profile import LearnerProfile
from pathwise.engine.insight.early_warning import (
    Flag,
    GoalTarget,
    Reason,
    StudentEvidence,
    WarningSettings,
    mastery_only,
    rank,
    replay,
)
from pathwise.services.access import Actor, require_class_learners
from pathwise.services.mastery import DEFAULT_THRESHOLD, load_tracker
from pathwise.services.path_state import content_of, load_config, now_or
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True, slots=True)
class ReasonView:
    kind: str  # the flag, for markup only (never shown)
    text: str
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class WarningView:
    learner_id: str
    name: str
    urgency: float
    reasons: tuple[ReasonView, ...]
    href: str  # the student's page


@dataclass(frozen=True, slots=True)
class ClassWarnings:
    section_id: str
    section_name: str
    students: int
    rows: tuple[WarningView, ...]


def settings_of(uow: UnitOfWork) -> WarningSettings:
    """The warning settings, with the path's own wheel-spinning guard."""
    return WarningSettings(guard=load_config(uow).guard)


def _titles(names: tuple[str, ...], titles: dict[str, str], most: int = 3) -> str:
    shown = [titles.get(c, "a skill") for c in names[:most]]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return text + (f" and {more} more" if more > 0 else "")


def _sentence(r: Reason, titles: dict[str, str]) -> str:
    mastered = State.MASTERED.word
    if r.flag == Flag.WHEEL_SPINNING:
        return (f"Many tries without progress on {_titles(r.skills, titles)} "
                f"({r.count} tries on the first)")
    if r.flag == Flag.STALLED:
        return (f"Has worked on {r.days} days lately without getting closer to {mastered} "
                f"(worked on {_titles(r.skills, titles)})")
    if r.flag == Flag.DECLINING:
        wrong = f"{r.count} review answer{'s' if r.count != 1 else ''} wrong" if r.count else "estimates falling"
        return f"Slipping: {wrong} on {_titles(r.skills, titles)}, which had been {mastered}"
    if r.flag == Flag.OFF_PACE:
        return f"Behind the pace for the goal: {_titles(r.skills, titles)}"
    if r.days is None:
        return "No work yet"
    return f"No work for {r.days} school days"


def class_warnings(uow: UnitOfWork, actor: Actor, class_id: str, now: datetime | None = None,
                   settings: WarningSettings | None = None) -> ClassWarnings:
    """One row per student who needs attention, most urgent first (teachers of the class, admins)."""
    sec, students = require_class_learners(uow, actor, class_id, resource="early_warning")
    now = now_or(now)
    cfg = settings or settings_of(uow)
    content = content_of(uow, sec.framework_id) if sec.framework_id else None
    titles = dict(content.titles) if content else {}
    threshold = content.framework.mastery_threshold if content else DEFAULT_THRESHOLD
    tracker = mastery_only(load_tracker(uow))
    evidence: list[StudentEvidence] = []
    for s in students:
        evs = sorted(uow.evidence.for_learner(s.id), key=lambda e: (e.timestamp, e.id))
        goals = tuple(GoalTarget(g.skill_code, g.target_date) for g in
                      LearnerProfile.from_stored(uow.users.profile(s.id)).goals if g.target_date is not None)
        evidence.append(StudentEvidence(s.id, replay(tracker, evs), goals))
    names = {s.id: s.display_name for s in students}
    rows: list[WarningView] = []
    for row in rank(evidence, threshold, now, cfg):
        lid = row.learner_id
        reasons = []
        for r in row.reasons:
            links = tuple(Link(titles.get(c, "this skill"), f"/learners/{quote(lid)}/skills/{quote(c)}")
                          for c in r.skills[:3])
            reasons.append(ReasonView(r.flag.value, _sentence(r, titles), links))
        rows.append(WarningView(lid, names.get(lid, lid), row.urgency, tuple(reasons), f"/learners/{quote(lid)}"))
    return ClassWarnings(sec.id, sec.name, len(students), tuple(rows))


def flagged_counts(uow: UnitOfWork, actor: Actor, class_ids: list[str],
                   now: datetime | None = None) -> dict[str, int]:
    """How many students of each class need attention (for the teacher's home)."""
    return {cid: len(class_warnings(uow, actor, cid, now).rows) for cid in class_ids}
