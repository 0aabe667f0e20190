"""One learner's path state, and the one fold that keeps it: used by the product and the simulation.

The state (``PathState``) is, per skill, its status on the path (learning, mastered,
reopened), its memory (stability, reviews, lapses, when mastered and last reviewed) and
its wheel-spinning flag; and for the learner, the newest evidence folded in, the last
mastery check and the skills mastered since. It is a projection: ``fold`` brings it up to
date from the evidence newer than the last fold and the learner's mastery numbers
(``Numbers``, the stored mastery projection), and ``view`` reads it into the
``LearnerView`` the scorer ranks activities with. ``choose_check`` is what taking a
mastery check does to it. The services call these with what they read from the database;
the simulation calls the very same functions on simulated learners, so the benchmark
measures the product's path, not a copy.

A skill is mastered on the path exactly when its mastery estimate is at or above the
threshold (a review answered wrong shortens the memory; whether the skill stays mastered
is the estimate's to say). A skill is flagged as wheel-spinning after ``guard.limit``
tries since it was opened (or reopened, or last unflagged) without progress in its latest
answers; the flag clears after ``guard.step_back_items`` items of other practice.

Plain values: no storage, no web, no clock (callers pass ``now``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pathwise.domain.framework import SkillGraph
from pathwise.engine.paths.checks import CheckCadence, check_skills
from pathwise.engine.paths.guard import WheelSpinGuard
from pathwise.engine.paths.review import MemoryModel, MemoryState
from pathwise.engine.paths.scoring import LearnerView, Weights


@dataclass(frozen=True, slots=True)
class PathSettings:
    """The path's settings, one type for the product (stored as data) and the simulation."""

    weights: Weights = Weights()
    k: int = 3
    memory: MemoryModel = MemoryModel()
    cadence: CheckCadence = CheckCadence()
    guard: WheelSpinGuard = WheelSpinGuard()
    focus_days: int = 7
    checks: bool = True  # offer mastery checks at all

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> PathSettings:
        """From stored data; ``ValueError``/``TypeError`` name what is wrong."""
        return cls(
            weights=Weights.from_mapping(params.get("weights", {})),
            k=int(params.get("k", 3)),
            memory=MemoryModel(target_retention=float(params.get("target_retention", 0.9))),
            cadence=CheckCadence(**params.get("cadence", {})),
            guard=WheelSpinGuard(limit=int(params.get("wheel_spin_limit", 10))),
            focus_days=int(params.get("focus_days", 7)),
            checks=bool(params.get("checks", True)),
        )

    def to_params(self) -> dict[str, Any]:
        return {"weights": self.weights.to_dict(), "k": self.k, "target_retention": self.memory.target_retention,
                "cadence": {"after_new_mastered": self.cadence.after_new_mastered,
                            "every_days": self.cadence.every_days, "size": self.cadence.size},
                "wheel_spin_limit": self.guard.limit, "focus_days": self.focus_days, "checks": self.checks}


@dataclass(slots=True)
class SkillPath:
    """One skill's state on the path."""

    status: str = "learning"  # learning | mastered | reopened
    stability: float | None = None
    reviews: int = 0
    lapses: int = 0
    mastered_at: datetime | None = None
    last_review_at: datetime | None = None
    baseline_n: int = 0  # evidence on the skill when it was last (re)opened or unflagged
    spinning: bool = False
    flagged_at: datetime | None = None
    flag_total_n: int = 0  # the learner's evidence count when it was flagged


SKILL_FIELDS = ("status", "stability", "reviews", "lapses", "mastered_at", "last_review_at", "baseline_n",
                "spinning", "flagged_at", "flag_total_n")


@dataclass(slots=True)
class LearnerPath:
    synced_at: datetime | None = None  # newest evidence folded in
    last_check_at: datetime | None = None
    newly_mastered: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PathState:
    """A learner's path state, with what changed since it was loaded (for the store)."""

    skills: dict[str, SkillPath] = field(default_factory=dict)
    learner: LearnerPath = field(default_factory=LearnerPath)
    mastered: frozenset[str] = frozenset()
    dirty: set[str] = field(default_factory=set)
    learner_dirty: bool = False

    def skill(self, code: str) -> SkillPath:
        """The skill's state, created if new, marked as changed."""
        st = self.skills.get(code)
        if st is None:
            st = self.skills[code] = SkillPath()
        self.dirty.add(code)
        return st


@dataclass(frozen=True, slots=True)
class Numbers:
    """The learner's mastery projection: estimate, evidence and right answers per skill,
    and when the skill last had evidence (skills without evidence are absent)."""

    p: Mapping[str, float]
    n: Mapping[str, int]
    n_correct: Mapping[str, int]
    last_at: Mapping[str, datetime | None]


def _days(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400.0


def fold(state: PathState, numbers: Numbers, graph: SkillGraph, threshold: float, settings: PathSettings,
         evidence_since: Callable[[datetime | None], Iterable[tuple[Sequence[str], float, datetime]]],
         recent_scores: Callable[[str, int], Sequence[float]], now: datetime) -> None:
    """Bring ``state`` up to date (in place; changes are marked dirty).

    ``evidence_since(t)`` gives the learner's scored evidence newer than ``t`` (all of it
    for None) in time order, as (skills, score, time); it is asked only when a mastered
    skill may have been reviewed. ``recent_scores(skill, k)`` gives the latest ``k`` scores
    on a skill, oldest first (asked only of a skill that may be spinning). A flag is dated
    by the newest evidence, the moment it was earned."""
    th = threshold
    plr = state.learner
    newest = max((a for a in numbers.last_at.values() if a is not None), default=None)
    pending = newest is not None and (plr.synced_at is None or newest > plr.synced_at)
    if pending:
        if any(st.status == "mastered" for st in state.skills.values()):
            for codes, score, at in evidence_since(plr.synced_at):
                for code in codes:
                    st = state.skills.get(code)
                    if st is None or st.status != "mastered" or st.last_review_at is None or st.stability is None:
                        continue
                    if at <= st.last_review_at:
                        continue
                    mem = MemoryState(st.stability, st.reviews, st.lapses)
                    # a failed review shortens the memory; whether the skill is still mastered
                    # is the mastery estimate's to say (below)
                    new, _failed = settings.memory.review(mem, _days(at, st.last_review_at), score >= 0.5)
                    st.stability, st.reviews, st.lapses = new.stability, new.reviews, new.lapses
                    st.last_review_at = at
                    state.dirty.add(code)
        plr.synced_at = newest
        state.learner_dirty = True
    flag_at = newest or now
    newly = list(plr.newly_mastered)
    total_n = sum(numbers.n.values())
    mastered: set[str] = set()
    for code, p in numbers.p.items():
        if code not in graph:
            continue
        st = state.skills.get(code)
        if p >= th:
            if st is None or st.status == "learning" or (st.status == "reopened"
                                                         and numbers.n.get(code, 0) > st.baseline_n):
                st = state.skill(code)
                start = settings.memory.start(numbers.n_correct.get(code, 0),
                                              numbers.n.get(code, 0) - numbers.n_correct.get(code, 0))
                st.stability = start.stability if st.stability is None else max(st.stability,
                                                                                settings.memory.min_stability)
                st.status = "mastered"
                st.mastered_at = st.last_review_at = numbers.last_at.get(code) or flag_at
                st.spinning = False
                if code not in newly:
                    newly.append(code)
            if st.status == "mastered":
                mastered.add(code)
            continue
        if st is not None and st.status == "mastered":
            st = state.skill(code)
            st.status = "reopened"
            st.baseline_n = numbers.n.get(code, 0)
        attempts = numbers.n.get(code, 0) - (st.baseline_n if st is not None else 0)
        guard = settings.guard
        if st is not None and st.spinning:
            if total_n - st.flag_total_n >= guard.step_back_items:
                st = state.skill(code)
                st.spinning = False
                st.baseline_n = numbers.n.get(code, 0)
        elif attempts >= guard.limit and guard.is_spinning(attempts, False, recent_scores(code, guard.window)):
            st = state.skill(code)
            st.spinning = True
            st.flagged_at = flag_at
            st.flag_total_n = total_n
    if newly != plr.newly_mastered:
        plr.newly_mastered = newly
        state.learner_dirty = True
    state.mastered = frozenset(mastered)


def view(state: PathState, numbers: Numbers, graph: SkillGraph, settings: PathSettings, now: datetime, *,
         opened: frozenset[str] = frozenset(), focus: frozenset[str] = frozenset(),
         goals: frozenset[str] = frozenset(), interests: frozenset[str] = frozenset(),
         modalities: frozenset[str] = frozenset(),
         recent: Sequence[tuple[str, str, tuple[str, ...]]] = ()) -> LearnerView:
    """What the scorer needs to rank activities for this learner now (after ``fold``)."""
    retr: dict[str, float] = {}
    due: dict[str, float] = {}
    for code in state.mastered:
        st = state.skills[code]
        if st.stability is None or st.last_review_at is None:
            continue
        mem = MemoryState(st.stability, st.reviews, st.lapses)
        elapsed = _days(now, st.last_review_at)
        retr[code] = settings.memory.retrievability(mem, elapsed)
        if settings.memory.is_due(mem, elapsed):
            due[code] = elapsed
    plr = state.learner
    check: tuple[str, ...] = ()
    if settings.checks:
        newly = [c for c in (plr.newly_mastered or []) if c in state.mastered]
        since_ref = plr.last_check_at or min((state.skills[c].mastered_at for c in newly
                                              if state.skills[c].mastered_at), default=None)
        since = _days(now, since_ref) if since_ref else None
        check = tuple(check_skills(settings.cadence, newly, since, retr))
    attempts = {c: numbers.n.get(c, 0) - (state.skills[c].baseline_n if c in state.skills else 0) for c in numbers.n}
    spinning = frozenset(c for c, st in state.skills.items() if st.spinning and c not in state.mastered)
    return LearnerView(
        p_mastery={c: numbers.p.get(c, 0.0) for c in graph.codes()}, mastered=state.mastered, opened=opened,
        attempts=attempts, review_due=due, retrievability=retr, spinning=spinning, focus=focus, goals=goals,
        interests=interests, modalities=modalities, recent=recent, check=check,
        started=frozenset(c for c, n in numbers.n.items() if n > 0),
    )


def choose_check(state: PathState, now: datetime) -> None:
    """Taking a mastery check: the cadence starts again from now."""
    state.learner.last_check_at = now
    state.learner.newly_mastered = []
    state.learner_dirty = True
