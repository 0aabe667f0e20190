"""Adaptive paths for the learner: "What's next" with reasons, recording a choice, the
skill map, the reviews due, and the path page's overview of all three.

The numbers and the rules live in ``engine.paths``: scoring, frontier, memory model,
cadence, guard, and the learner's path state with the one fold that keeps it
(``engine.paths.schedule``, which the simulation runs too). A learner's data is
loaded and folded by ``services.path_state``; this module asks the access policy, then
ranks and reads. Reads never write. It must not re-implement scoring, the fold or
mastery, and the mastery rows it reads belong to ``services.mastery``. Teachers' path
features are ``services.class_paths``; the simulation benchmark is ``services.simulation``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pathwise.domain.mastery_states import State, state_of
from pathwise.domain.people import Role
from pathwise.engine.paths.frontier import SkillStatus, skill_map as engine_skill_map
from pathwise.engine.paths.review import MemoryState
from pathwise.engine.paths.schedule import PathSettings, choose_check
from pathwise.engine.paths.scoring import LearnerView, Recommendation, ago, rank
from pathwise.services.access import Actor, Need, require_learner
from pathwise.services.path_state import (
    Content,
    Ctx,
    active_ids,
    days_between,
    framework_of,
    learner_view,
    load_config,
    load_context,
    model_hints,
    now_or,
    persist,
    ranked,
)
from pathwise.services.errors import Invalid
from pathwise.store.uow import UnitOfWork

# ---------------------------------------------------------------- read models


@dataclass(frozen=True, slots=True)
class NextActivity:
    activity_id: str
    title: str
    kind: str
    url: str | None
    minutes: int
    skills: tuple[str, ...]
    skill_titles: tuple[str, ...]
    purpose: str
    reason: str
    reasons: tuple[str, ...]
    score: float


@dataclass(frozen=True, slots=True)
class NextActivities:
    learner_id: str
    framework_id: str | None
    items: tuple[NextActivity, ...]
    check_due: tuple[str, ...] = ()
    message: str = ""


@dataclass(frozen=True, slots=True)
class MapSkill:
    code: str
    title: str
    unit: str | None
    status: str
    p_mastery: float
    opened_by_teacher: bool
    locked_reason: str
    unlocks: tuple[str, ...]
    n_evidence: int = 0
    threshold: float = 0.95
    due: bool = False  # mastered and its review is due now

    @property
    def state(self) -> State:
        """Where the learner stands, in the words every page uses (``domain.mastery_states``);
        ``status`` says instead whether the path has the skill open, locked or done."""
        return state_of(self.p_mastery, self.threshold, self.n_evidence, due=self.due)

    @property
    def percent(self) -> int | None:
        """The stored estimate as a whole percent, as every page shows it; None before any evidence."""
        return round(100 * self.p_mastery) if self.n_evidence else None


@dataclass(frozen=True, slots=True)
class SkillMap:
    learner_id: str
    framework_id: str | None
    framework_title: str
    units: tuple[tuple[str, str], ...]
    skills: tuple[MapSkill, ...]

    def counts(self) -> dict[str, int]:
        """Skills per path status: mastered, in progress, ready, locked."""
        out = {s.value: 0 for s in SkillStatus}
        for s in self.skills:
            out[s.status] += 1
        return out

    def state_counts(self) -> dict[str, int]:
        """Skills per mastery state (keys of ``domain.mastery_states``), where ``mastered``
        counts every mastered skill, due for review or not (as every page counts them) and
        ``due-for-review`` those of them due now; and ``locked``: how many of those not
        started are locked behind a prerequisite."""
        out = {st.key: 0 for st in State}
        out["locked"] = 0
        for s in self.skills:
            out[s.state.key] += 1
            out["locked"] += s.status == SkillStatus.LOCKED.value
        out[State.MASTERED.key] += out[State.DUE_FOR_REVIEW.key]
        return out


@dataclass(frozen=True, slots=True)
class ReviewItem:
    skill_code: str
    title: str
    due_at: datetime
    due: bool
    recall: float
    last_practised: str


def _to_next(r: Recommendation, titles: dict[str, str]) -> NextActivity:
    a = r.activity
    return NextActivity(a.id, a.title, a.kind.value, a.url, a.minutes, r.skills,
                        tuple(titles.get(s, s) for s in r.skills), r.purpose, r.reason,
                        tuple(x.text for x in r.reasons), r.score)


# ---------------------------------------------------------------- use cases


def next_activities(uow: UnitOfWork, actor: Actor, learner_id: str, *, k: int | None = None,
                    framework_id: str | None = None, now: datetime | None = None,
                    config: PathSettings | None = None) -> NextActivities:
    """The top few activities for the learner now, each with its reason. A pure read."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    now = now_or(now)
    ids = active_ids(uow, learner_id, now)  # with the learner's experiment arm, in the same statement
    cfg = config or load_config(uow, ids)
    k = cfg.k if k is None else k
    if not 1 <= k <= 20:
        raise Invalid("k must be between 1 and 20", "k")
    ctx, view, recs = ranked(uow, cfg, learner_id, framework_id, now, k, ids)
    return _next_of(learner_id, ctx, view, recs)


def _next_of(learner_id: str, ctx: Ctx | None, view: LearnerView | None,
             recs: Sequence[Recommendation]) -> NextActivities:
    if ctx is None or view is None:
        return NextActivities(learner_id, None, (), (), "No framework is assigned to your classes yet.")
    if not recs:
        msg = "No activities are available yet for the skills open to you: ask your teacher what to work on."
    elif all(r.reasons and r.reasons[0].code == "ahead" for r in recs):
        msg = ("Everything open to you is mastered and nothing is due for review. Well done! "
               "If you want to keep going, these reviews ahead of time keep it fresh.")
    else:
        msg = ""
    return NextActivities(learner_id, ctx.framework.id, tuple(_to_next(r, ctx.titles) for r in recs),
                          view.check, msg)


def choose_activity(uow: UnitOfWork, actor: Actor, learner_id: str, activity_id: str, *,
                    framework_id: str | None = None, now: datetime | None = None,
                    config: PathSettings | None = None) -> NextActivity:
    """Record the learner's choice of one activity offered on their path now."""
    require_learner(uow, actor, learner_id, Need.WRITE, "path")  # guardians only read: "not found"
    if not isinstance(activity_id, str) or not activity_id.strip() or len(activity_id) > 200:
        raise Invalid("activity_id must be 1-200 characters", "activity_id")
    now = now_or(now)
    cfg = config or load_config(uow, learner_id=learner_id, now=now)
    ctx, view, recs = ranked(uow, cfg, learner_id, framework_id, now, k=1000)
    pick = next((r for r in recs if r.activity.id == activity_id), None)
    if ctx is None or pick is None:
        raise Invalid(f"activity {activity_id} is not on your path right now; choose one of those offered",
                      "activity_id")
    offered = [r.activity.id for r in recs[: cfg.k]]
    uow.paths.add_choice(learner_id, activity_id, pick.activity.kind.value, pick.skills, pick.purpose, pick.reason,
                         offered, now)
    if pick.purpose == "check":
        choose_check(ctx.state, now)
    persist(uow, ctx, now)  # a write: what the read computed in memory is stored with the choice
    return _to_next(pick, ctx.titles)


def check_items(uow: UnitOfWork, actor: Actor, learner_id: str, skill_codes: Sequence[str],
                per_skill: int = 2) -> list[str]:
    """The items of a mixed-skill mastery check: up to ``per_skill`` items of each skill,
    taken in turn so the skills are mixed. Empty when no skill has items."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    banks = [[it.id for it in uow.items.for_skill(c, learner_id=learner_id)][:per_skill]
             for c in dict.fromkeys(skill_codes)]
    out: list[str] = []
    for i in range(per_skill):
        for bank in banks:
            if i < len(bank) and bank[i] not in out:
                out.append(bank[i])
    return out


def choices(uow: UnitOfWork, actor: Actor, learner_id: str, limit: int = 20) -> list[dict[str, Any]]:
    require_learner(uow, actor, learner_id, Need.READ, "path")
    return uow.paths.choices(learner_id, max(1, min(limit, 200)))


def _locked_text(missing: Sequence[Sequence[str]], titles: dict[str, str]) -> str:
    parts = []
    for g in missing:
        names = [titles.get(c, c) for c in g]
        parts.append(names[0] if len(names) == 1 else "(" + " or ".join(names) + ")")
    if not parts:
        return ""
    return "Unlocks when you master " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1])


def skill_map(uow: UnitOfWork, actor: Actor, learner_id: str, *, framework_id: str | None = None,
              now: datetime | None = None, config: PathSettings | None = None) -> SkillMap:
    """Every skill of the framework: mastered, in progress, ready, or locked (with what unlocks it)."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    now = now_or(now)
    cfg = config or load_config(uow, learner_id=learner_id, now=now)
    content = framework_of(uow, learner_id, framework_id)
    if content is None:
        return SkillMap(learner_id, None, "", (), ())
    ctx = load_context(uow, cfg, learner_id, content, now)
    return _map_of(learner_id, content, ctx, frozenset(r.skill_code for r in _reviews_of(cfg, ctx, now) if r.due))


def _map_of(learner_id: str, content: Content, ctx: Ctx, due: frozenset[str] = frozenset()) -> SkillMap:
    fw = content.framework
    states = engine_skill_map(ctx.graph, ctx.mastered, ctx.n, ctx.opened)
    units = {s.code: s.unit for s in fw.skills}
    out = tuple(
        MapSkill(st.code, ctx.titles.get(st.code, st.code), units.get(st.code), st.status.value,
                 ctx.p.get(st.code, 0.0), st.opened_by_teacher, _locked_text(st.missing, ctx.titles),
                 st.unlocks, ctx.n.get(st.code, 0), fw.mastery_threshold, st.code in due)
        for st in states
    )
    return SkillMap(learner_id, fw.id, fw.title, tuple((u.code, u.title) for u in fw.units), out)


def reviews(uow: UnitOfWork, actor: Actor, learner_id: str, *, framework_id: str | None = None,
            now: datetime | None = None, config: PathSettings | None = None) -> list[ReviewItem]:
    """Mastered skills with their next re-check, soonest first (due ones flagged)."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    now = now_or(now)
    cfg = config or load_config(uow, learner_id=learner_id, now=now)
    content = framework_of(uow, learner_id, framework_id)
    if content is None:
        return []
    return _reviews_of(cfg, load_context(uow, cfg, learner_id, content, now), now)


def _reviews_of(cfg: PathSettings, ctx: Ctx, now: datetime) -> list[ReviewItem]:
    out: list[ReviewItem] = []
    for code in ctx.mastered:
        st = ctx.states[code]
        if st.stability is None or st.last_review_at is None:
            continue
        mem = MemoryState(st.stability, st.reviews, st.lapses)
        due_at = st.last_review_at + timedelta(days=cfg.memory.interval(mem))
        elapsed = days_between(now, st.last_review_at)
        out.append(ReviewItem(code, ctx.titles.get(code, code), due_at, due_at <= now,
                              round(cfg.memory.retrievability(mem, elapsed), 4), ago(elapsed)))
    out.sort(key=lambda r: (r.due_at, r.skill_code))
    return out


@dataclass(frozen=True, slots=True)
class PathOverview:
    """Everything the learner's path page shows, read from one context."""

    skill_map: SkillMap
    reviews: tuple[ReviewItem, ...]
    next: NextActivities


def path_overview(uow: UnitOfWork, actor: Actor, learner_id: str, *, now: datetime | None = None,
                  config: PathSettings | None = None) -> PathOverview:
    """The skill map, the reviews coming up and What's next, from one reading of the
    learner's numbers and schedule (the three reads above each build it again). A pure read."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    now = now_or(now)
    ids = active_ids(uow, learner_id, now)  # with the learner's experiment arm, in the same statement
    cfg = config or load_config(uow, ids)
    secs = uow.sections.sections_of(learner_id, Role.STUDENT)
    content = framework_of(uow, learner_id, None, [sec.framework_id for sec in secs])
    if content is None:
        return PathOverview(SkillMap(learner_id, None, "", (), ()), (), _next_of(learner_id, None, None, []))
    ctx = load_context(uow, cfg, learner_id, content, now)
    view = learner_view(uow, cfg, ctx, [sec.id for sec in secs], now)
    recs = rank(ctx.graph, content.activities, view, cfg.weights, k=cfg.k, titles=ctx.titles, hints=model_hints(uow, ids))
    reviews = tuple(_reviews_of(cfg, ctx, now))
    return PathOverview(_map_of(learner_id, content, ctx, frozenset(r.skill_code for r in reviews if r.due)), reviews,
                        _next_of(learner_id, ctx, view, recs))


def locked_skills(uow: UnitOfWork, actor: Actor, learner_id: str, *, now: datetime | None = None,
                  config: PathSettings | None = None) -> dict[str, str]:
    """The learner's locked skills (prerequisites not mastered, not opened by a teacher, not
    begun), each with what unlocks it in words. A pure read."""
    m = skill_map(uow, actor, learner_id, now=now, config=config)
    return {s.code: s.locked_reason or "It opens when your teacher opens it" for s in m.skills
            if s.status == SkillStatus.LOCKED.value}


def require_unlocked(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str, *,
                     now: datetime | None = None) -> None:
    """Refuse (``Invalid``, naming the skill by its title) practising a skill the learner's
    path has locked. A skill the learner has begun, or a teacher opened, is not locked."""
    locked = locked_skills(uow, actor, learner_id, now=now)
    if skill_code in locked:
        title = uow.frameworks.skill_titles([skill_code], learner_id=learner_id).get(skill_code, "This skill")
        raise Invalid(f"{title} is locked for now. {locked[skill_code]}.", "skill_code")
