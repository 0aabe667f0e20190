"""Adaptive paths as product features: "What's next" with reasons, recording a
choice, the skill map, reviews due, teachers opening a skill or setting a focus, and
the wheel-spinning flags teachers see.

The numbers and the rules live in ``engine.paths``: scoring, frontier, memory model,
cadence, guard, and the learner's path state with the one fold that keeps it
(``engine.paths.schedule``, which the simulation runs too). This module loads one
learner's data, has the engine fold it (``sync_schedules``, called by
``services.evidence`` when evidence is recorded), stores the state, and asks the access
policy before anything. Reads never write. It must not re-implement scoring, the fold or
mastery, and the mastery rows it reads belong to ``services.mastery``. The simulation
benchmark is ``services.simulation``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Framework, SkillGraph
from pathwise.domain.people import Role
from pathwise.engine.paths.frontier import SkillStatus, skill_map as engine_skill_map
from pathwise.engine.kt.tracker import SCORED
from pathwise.engine.paths.guard import step_back_targets
from pathwise.engine.paths.review import MemoryState
from pathwise.engine.paths.schedule import (
    SKILL_FIELDS,
    LearnerPath,
    Numbers,
    PathSettings,
    PathState,
    SkillPath,
    choose_check,
    fold,
)
from pathwise.engine.paths.schedule import view as path_view
from pathwise.engine.paths.scoring import LearnerView, ModelHints, Recommendation, ago, rank
from pathwise.services.access import Actor, Need, require_learner, require_role, require_section
from pathwise.services.errors import Invalid, NotFound
from pathwise.store import tables as t
from pathwise.store import tables_paths as tp
from pathwise.store.repositories import split_codes
from pathwise.store.uow import UnitOfWork

CONFIG_MODEL = "paths"


PathConfig = PathSettings  # the path's settings: one type, ``engine.paths.schedule.PathSettings``


def _parse_config(params: dict[str, Any]) -> PathSettings:
    try:
        return PathSettings.from_params(params)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"path settings: {exc}", "paths") from None


_ACTIVE = (select(t.ModelParamsRow.model, t.ModelParamsRow.id)
           .where(t.ModelParamsRow.model.in_((CONFIG_MODEL, "bkt")), t.ModelParamsRow.active.is_(True))
           .order_by(t.ModelParamsRow.fitted_at))
_PARSED: dict[tuple[str, int], Any] = {}  # (database, model_params id) -> parsed settings; rows never change


def _active_ids(uow: UnitOfWork) -> dict[str, int]:
    """The ids of the active path settings and BKT parameters (one light query)."""
    return {m: int(i) for m, i in uow.session.execute(_ACTIVE)}


def _parsed(uow: UnitOfWork, model_id: int, parse: Any) -> Any:
    key = (str(uow.session.get_bind().url), model_id)
    if key not in _PARSED:
        row = uow.session.get(t.ModelParamsRow, model_id)
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = parse(dict(row.params) if row else {})
    return _PARSED[key]


def load_config(uow: UnitOfWork, ids: dict[str, int] | None = None) -> PathConfig:
    ids = _active_ids(uow) if ids is None else ids
    if CONFIG_MODEL not in ids:
        return PathSettings()
    return _parsed(uow, ids[CONFIG_MODEL], _parse_config)  # type: ignore[no-any-return]


def set_config(uow: UnitOfWork, actor: Actor, params: dict[str, Any]) -> PathConfig:
    """Store new path settings (weights etc.); admins only, audited."""
    require_role(actor, Role.ADMIN)
    cfg = _parse_config(params)
    uow.model_params.add_active(CONFIG_MODEL, datetime.now(UTC).strftime("%Y%m%d%H%M%S"), cfg.to_params(), {})
    uow.audit.add(actor.user_id, "paths:set_config", None, "paths:config", cfg.to_params())
    return cfg


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
        out = {s.value: 0 for s in SkillStatus}
        for s in self.skills:
            out[s.status] += 1
        return out


@dataclass(frozen=True, slots=True)
class ReviewItem:
    skill_code: str
    title: str
    due_at: datetime
    due: bool
    recall: float
    last_practised: str


@dataclass(frozen=True, slots=True)
class SpinFlag:
    learner_id: str
    learner_name: str
    skill_code: str
    skill_title: str
    attempts: int
    flagged_at: datetime | None
    active: bool
    step_back_to: tuple[str, ...]
    recent_right: int = 0  # right answers among the latest ones on the skill (why: no progress)
    recent_answers: int = 0  # how many latest answers that counts (the guard's window, or fewer)


@dataclass(frozen=True, slots=True)
class FocusSet:
    id: int
    section_id: str
    skill_codes: tuple[str, ...]
    learner_ids: tuple[str, ...]
    ends_at: datetime


# ---------------------------------------------------------------- the learner's context


class _Ctx:
    """One learner's path context: the framework, the mastery numbers, the path state."""

    def __init__(self, learner_id: str, framework: Framework, graph: SkillGraph, titles: dict[str, str],
                 numbers: Numbers, state: PathState, opened: frozenset[str]) -> None:
        self.learner_id = learner_id
        self.framework = framework
        self.graph = graph
        self.titles = titles
        self.numbers = numbers
        self.state = state
        self.opened = opened

    @property
    def p(self) -> Mapping[str, float]:
        return self.numbers.p

    @property
    def n(self) -> Mapping[str, int]:
        return self.numbers.n

    @property
    def states(self) -> dict[str, SkillPath]:
        return self.state.skills

    @property
    def mastered(self) -> frozenset[str]:
        return self.state.mastered


def _now(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise Invalid("now must carry a time zone", "now")
    return now


@dataclass(frozen=True, slots=True)
class _Content:
    framework: Framework
    graph: SkillGraph
    titles: dict[str, str]
    activities: tuple[Activity, ...]


_CACHE: dict[tuple[str, str], tuple[tuple[int, ...], float, _Content]] = {}
_CACHE_SECONDS = 60.0


_FID = bindparam("fid")
_STAMP = select(
    select(func.count()).select_from(t.FrameworkRow).where(t.FrameworkRow.id == _FID).scalar_subquery(),
    select(func.count()).select_from(t.SkillRow).where(t.SkillRow.framework_id == _FID).scalar_subquery(),
    select(func.count()).select_from(t.PrerequisiteRow).where(t.PrerequisiteRow.framework_id == _FID)
    .scalar_subquery(),
    select(func.count()).select_from(t.ActivityRow).where(t.ActivityRow.framework_id == _FID).scalar_subquery(),
    select(func.count()).select_from(t.ItemRow).where(t.ItemRow.framework_id == _FID).scalar_subquery(),
)


def _stamp(uow: UnitOfWork, framework_id: str) -> tuple[int, ...] | None:
    """A cheap fingerprint of a framework's content (one query), to know a cached copy is current."""
    row = uow.session.execute(_STAMP, {"fid": framework_id}).one()
    return None if not row[0] else tuple(int(x or 0) for x in row)


def _content(uow: UnitOfWork, framework_id: str) -> _Content | None:
    """The framework, its graph and candidate activities, cached per database for a minute
    and refreshed at once when the content's fingerprint changes."""
    stamp = _stamp(uow, framework_id)
    if stamp is None:
        return None
    key = (str(uow.session.get_bind().url), framework_id)
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] == stamp and hit[1] > now:
        return hit[2]
    fw = uow.frameworks.get(framework_id)
    if fw is None:
        return None
    graph = fw.graph()
    titles = {sk.code: sk.title for sk in fw.skills}
    acts = uow.activities.in_framework(fw.id)
    with_items: set[str] = set()
    for codes in uow.session.scalars(select(t.ItemRow.skill_codes).where(t.ItemRow.framework_id == fw.id)):
        with_items.update(split_codes(codes))
    for code in graph.codes():
        if code in with_items:
            acts.append(Activity(f"practice.{code}", f"Practise: {titles.get(code, code)}",
                                 ActivityKind.PRACTICE, (code,), minutes=10))
    content = _Content(fw, graph, titles, tuple(acts))
    if len(_CACHE) > 256:
        _CACHE.clear()
    _CACHE[key] = (stamp, now + _CACHE_SECONDS, content)
    return content


def _framework_of(uow: UnitOfWork, learner_id: str, framework_id: str | None,
                  sections: Sequence[str | None] | None = None) -> _Content | None:
    if framework_id is not None:
        c = _content(uow, framework_id)
        if c is None:
            raise NotFound(f"no framework {framework_id}")
        return c
    fids = sections if sections is not None else [sec.framework_id for sec in
                                                  uow.sections.sections_of(learner_id, Role.STUDENT)]
    for fid in fids:
        if fid:
            return _content(uow, fid)
    return None


def _days(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400.0


_LID = bindparam("lid")
_MASTERY = select(t.MasteryRow.skill_code, t.MasteryRow.p_mastery, t.MasteryRow.n_evidence, t.MasteryRow.n_correct,
                  t.MasteryRow.last_evidence_at).where(t.MasteryRow.learner_id == _LID)
_STATES = select(tp.PathSkillStateRow.skill_code, *(getattr(tp.PathSkillStateRow, f) for f in SKILL_FIELDS)).where(
    tp.PathSkillStateRow.learner_id == _LID)
_LEARNER = select(tp.PathLearnerRow.synced_at, tp.PathLearnerRow.last_check_at,
                  tp.PathLearnerRow.newly_mastered).where(tp.PathLearnerRow.learner_id == _LID)
_OPENED = select(tp.PathOpenedRow.skill_code).where(tp.PathOpenedRow.learner_id == _LID)


def _context(uow: UnitOfWork, cfg: PathSettings, learner_id: str, content: _Content, now: datetime) -> _Ctx:
    """The learner's numbers and path state, brought up to date *in memory* by the engine's
    fold (``engine.paths.schedule``).

    Nothing is written here: recording evidence folds it into the stored state
    (``sync_schedules``), so a read normally finds nothing to fold. A read that does
    (say, after a bulk import) computes the same result without storing it.
    """
    s = uow.session
    lid = {"lid": learner_id}
    # The projection's numbers only (not the learner-model state kept beside them).
    rows = s.execute(_MASTERY, lid).all()
    skills = {r[0]: SkillPath(*r[1:]) for r in s.execute(_STATES, lid)}
    lr = s.execute(_LEARNER, lid).first()
    learner = LearnerPath() if lr is None else LearnerPath(lr[0], lr[1], list(lr[2] or []))
    opened = frozenset(s.scalars(_OPENED, lid))
    numbers = Numbers({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}, {r[0]: r[3] for r in rows},
                      {r[0]: r[4] for r in rows})
    state = PathState(skills, learner, learner_dirty=lr is None)
    ctx = _Ctx(learner_id, content.framework, content.graph, content.titles, numbers, state, opened)

    def evidence_since(at: datetime | None) -> list[tuple[tuple[str, ...], float, datetime]]:
        q = (select(t.EvidenceRow.skill_codes, t.EvidenceRow.score, t.EvidenceRow.timestamp)
             .where(t.EvidenceRow.learner_id == learner_id)
             .order_by(t.EvidenceRow.timestamp, t.EvidenceRow.seq))
        if at is not None:
            q = q.where(t.EvidenceRow.timestamp > at)
        return [(split_codes(codes), float(score), ts) for codes, score, ts in s.execute(q)]

    fold(state, numbers, content.graph, content.framework.mastery_threshold, cfg, evidence_since,
         lambda code, k: _recent_scores(uow, learner_id, code, k), now)
    return ctx


def _persist(uow: UnitOfWork, ctx: _Ctx, now: datetime) -> None:
    """Store what the last ``_sync`` (or a use case) changed in the learner's schedule."""
    s = uow.session
    state = ctx.state
    if state.dirty:
        q = select(tp.PathSkillStateRow).where(tp.PathSkillStateRow.learner_id == ctx.learner_id,
                                               tp.PathSkillStateRow.skill_code.in_(sorted(state.dirty)))
        stored = {r.skill_code: r for r in s.scalars(q)}
        for code in sorted(state.dirty):
            row = stored.get(code)
            if row is None:
                row = tp.PathSkillStateRow(learner_id=ctx.learner_id, skill_code=code)
                s.add(row)
            st = state.skills[code]
            for f in SKILL_FIELDS:
                setattr(row, f, getattr(st, f))
            row.updated_at = now
        state.dirty.clear()
    if state.learner_dirty:
        plr = s.get(tp.PathLearnerRow, ctx.learner_id)
        if plr is None:
            plr = tp.PathLearnerRow(learner_id=ctx.learner_id)
            s.add(plr)
        lr = state.learner
        plr.synced_at, plr.last_check_at, plr.newly_mastered = lr.synced_at, lr.last_check_at, list(lr.newly_mastered)
        plr.updated_at = now
        state.learner_dirty = False


def sync_schedules(uow: UnitOfWork, learners: Mapping[str, datetime]) -> int:
    """Fold the learners' new evidence into their stored review schedules (a write).

    ``learners`` maps each learner to the time of the change (their newest evidence).
    Evidence recording calls this in the same transaction, so "What's next" and the
    other reads only read; it also brings schedules up to date after a bulk import.
    Learners without a framework are skipped. Returns the number of learners synced.
    No access check: callers have done theirs (this is a projection, like mastery).
    """
    if not learners:
        return 0
    cfg = load_config(uow)
    done = 0
    for learner_id, at in learners.items():
        content = _framework_of(uow, learner_id, None)
        if content is None:
            continue
        ctx = _context(uow, cfg, learner_id, content, at)
        _persist(uow, ctx, at)
        done += 1
    return done


def sync_learners(uow: UnitOfWork, learner_ids: Sequence[str]) -> int:
    """``sync_schedules`` for learners whose mastery was rebuilt in bulk (an import, a
    refit of the learner model): each is dated by their newest evidence, so skills the
    rebuilt estimates now call mastered start their memory, and those they no longer
    call mastered are reopened, in the stored schedule. Returns the learners synced."""
    done = 0
    for i in range(0, len(learner_ids), 500):
        chunk = list(learner_ids[i : i + 500])
        newest = uow.session.execute(
            select(t.EvidenceRow.learner_id, func.max(t.EvidenceRow.timestamp))
            .where(t.EvidenceRow.learner_id.in_(chunk)).group_by(t.EvidenceRow.learner_id)).all()
        done += sync_schedules(uow, {lid: at.replace(tzinfo=UTC) if at.tzinfo is None else at for lid, at in newest})
    return done


_SCORED_KINDS = tuple(k.value for k in SCORED)


def _recent_scores(uow: UnitOfWork, learner_id: str, code: str, n: int) -> list[float]:
    """The scores of the learner's latest ``n`` scored answers on ``code``, oldest first
    (asked only of a skill tried ``limit`` times without mastery: is it progressing?)."""
    q = (select(t.EvidenceRow.skill_codes, t.EvidenceRow.score)
         .where(t.EvidenceRow.learner_id == learner_id, t.EvidenceRow.kind.in_(_SCORED_KINDS),
                t.EvidenceRow.skill_codes.contains(code, autoescape=True))
         .order_by(t.EvidenceRow.timestamp.desc(), t.EvidenceRow.seq.desc()))
    out: list[float] = []
    for codes, score in uow.session.execute(q):
        if code in split_codes(codes):  # "contains" also finds longer codes that hold this one
            out.append(float(score))
            if len(out) == n:
                break
    return out[::-1]


# Statements built once (building a statement costs more than running these small queries).
_PROFILE = select(t.UserRow.profile).where(t.UserRow.id == _LID)
_FOCUS = select(tp.PathFocusRow.learner_ids, tp.PathFocusRow.skill_codes).where(
    tp.PathFocusRow.section_id.in_(bindparam("secs", expanding=True)), tp.PathFocusRow.starts_at <= bindparam("now"),
    tp.PathFocusRow.ends_at > bindparam("now"))
_RECENT = (select(tp.PathChoiceRow.activity_id, tp.PathChoiceRow.kind, tp.PathChoiceRow.skill_codes)
           .where(tp.PathChoiceRow.learner_id == _LID)
           .order_by(tp.PathChoiceRow.chosen_at.desc(), tp.PathChoiceRow.id.desc()).limit(bindparam("n")))


def _profile_sets(uow: UnitOfWork, learner_id: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    prof = dict(uow.session.scalar(_PROFILE, {"lid": learner_id}) or {})
    interests = frozenset(str(i).lower() for i in prof.get("interests", []) or [])
    modalities = frozenset(str(m).lower() for m in (prof.get("preferred_modalities") or prof.get("modalities") or []))
    goals: set[str] = set()
    for g in prof.get("goals", []) or []:
        if isinstance(g, str):
            goals.add(g)
        elif isinstance(g, dict):
            goals.update(str(x) for x in (g.get("skill_codes") or [g.get("skill_code") or g.get("skill") or ""]) if x)
    return interests, modalities, frozenset(goals)


def _focus(uow: UnitOfWork, learner_id: str, sections: Sequence[str], now: datetime) -> frozenset[str]:
    if not sections:
        return frozenset()
    out: set[str] = set()
    for learners, codes in uow.session.execute(_FOCUS, {"secs": list(sections), "now": now}):
        if not learners or learner_id in learners:
            out.update(codes or [])
    return frozenset(out)


def _recent(uow: UnitOfWork, learner_id: str, n: int = 5) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(a, k, split_codes(c)) for a, k, c in uow.session.execute(_RECENT, {"lid": learner_id, "n": n})]


def _view(uow: UnitOfWork, cfg: PathSettings, ctx: _Ctx, sections: Sequence[str], now: datetime) -> LearnerView:
    interests, modalities, goals = _profile_sets(uow, ctx.learner_id)
    return path_view(ctx.state, ctx.numbers, ctx.graph, cfg, now, opened=ctx.opened,
                     focus=_focus(uow, ctx.learner_id, sections, now), goals=goals, interests=interests,
                     modalities=modalities, recent=_recent(uow, ctx.learner_id))


def _hints_of(params: dict[str, Any]) -> ModelHints:
    d = params.get("default") or {}
    try:
        return ModelHints(guess=float(d.get("p_guess", 0.2)), slip=float(d.get("p_slip", 0.1)),
                          learn=float(d.get("p_learn", 0.15)))
    except (TypeError, ValueError, AttributeError):
        return ModelHints()


def _hints(uow: UnitOfWork, ids: dict[str, int] | None = None) -> ModelHints:
    ids = _active_ids(uow) if ids is None else ids
    return _parsed(uow, ids["bkt"], _hints_of) if "bkt" in ids else ModelHints()  # type: ignore[no-any-return]


def _ranked(uow: UnitOfWork, cfg: PathSettings, learner_id: str, framework_id: str | None, now: datetime,
            k: int, ids: dict[str, int] | None = None) -> tuple[_Ctx | None, LearnerView | None, list[Recommendation]]:
    secs = uow.sections.sections_of(learner_id, Role.STUDENT)
    content = _framework_of(uow, learner_id, framework_id, [sec.framework_id for sec in secs])
    if content is None:
        return None, None, []
    ctx = _context(uow, cfg, learner_id, content, now)
    view = _view(uow, cfg, ctx, [sec.id for sec in secs], now)
    recs = rank(ctx.graph, content.activities, view, cfg.weights, k=k, titles=ctx.titles, hints=_hints(uow, ids))
    return ctx, view, recs


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
    ids = _active_ids(uow)
    cfg = config or load_config(uow, ids)
    k = cfg.k if k is None else k
    if not 1 <= k <= 20:
        raise Invalid("k must be between 1 and 20", "k")
    now = _now(now)
    ctx, view, recs = _ranked(uow, cfg, learner_id, framework_id, now, k, ids)
    return _next_of(learner_id, ctx, view, recs)


def _next_of(learner_id: str, ctx: _Ctx | None, view: LearnerView | None,
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
    cfg = config or load_config(uow)
    now = _now(now)
    ctx, view, recs = _ranked(uow, cfg, learner_id, framework_id, now, k=1000)
    pick = next((r for r in recs if r.activity.id == activity_id), None)
    if ctx is None or pick is None:
        raise Invalid(f"activity {activity_id} is not on your path right now; choose one of those offered",
                      "activity_id")
    offered = [r.activity.id for r in recs[: cfg.k]]
    uow.session.add(tp.PathChoiceRow(learner_id=learner_id, activity_id=activity_id, kind=pick.activity.kind.value,
                                     skill_codes=";".join(pick.skills), purpose=pick.purpose, reason=pick.reason,
                                     offered=offered, chosen_at=now))
    if pick.purpose == "check":
        choose_check(ctx.state, now)
    _persist(uow, ctx, now)  # a write: what the read computed in memory is stored with the choice
    return _to_next(pick, ctx.titles)


def check_items(uow: UnitOfWork, actor: Actor, learner_id: str, skill_codes: Sequence[str],
                per_skill: int = 2) -> list[str]:
    """The items of a mixed-skill mastery check: up to ``per_skill`` items of each skill,
    taken in turn so the skills are mixed. Empty when no skill has items."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    banks = [[it.id for it in uow.items.for_skill(c)][:per_skill] for c in dict.fromkeys(skill_codes)]
    out: list[str] = []
    for i in range(per_skill):
        for bank in banks:
            if i < len(bank) and bank[i] not in out:
                out.append(bank[i])
    return out


def choices(uow: UnitOfWork, actor: Actor, learner_id: str, limit: int = 20) -> list[dict[str, Any]]:
    require_learner(uow, actor, learner_id, Need.READ, "path")
    q = (select(tp.PathChoiceRow).where(tp.PathChoiceRow.learner_id == learner_id)
         .order_by(tp.PathChoiceRow.chosen_at.desc(), tp.PathChoiceRow.id.desc()).limit(max(1, min(limit, 200))))
    return [{"activity_id": r.activity_id, "kind": r.kind, "skills": list(split_codes(r.skill_codes)),
             "purpose": r.purpose, "reason": r.reason, "offered": list(r.offered or []), "chosen_at": r.chosen_at}
            for r in uow.session.scalars(q)]


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
    cfg = config or load_config(uow)
    now = _now(now)
    content = _framework_of(uow, learner_id, framework_id)
    if content is None:
        return SkillMap(learner_id, None, "", (), ())
    return _map_of(learner_id, content, _context(uow, cfg, learner_id, content, now))


def _map_of(learner_id: str, content: _Content, ctx: _Ctx) -> SkillMap:
    fw = content.framework
    states = engine_skill_map(ctx.graph, ctx.mastered, ctx.n, ctx.opened)
    units = {s.code: s.unit for s in fw.skills}
    out = tuple(
        MapSkill(st.code, ctx.titles.get(st.code, st.code), units.get(st.code), st.status.value,
                 ctx.p.get(st.code, 0.0), st.opened_by_teacher, _locked_text(st.missing, ctx.titles),
                 st.unlocks, ctx.n.get(st.code, 0))
        for st in states
    )
    return SkillMap(learner_id, fw.id, fw.title, tuple((u.code, u.title) for u in fw.units), out)


def reviews(uow: UnitOfWork, actor: Actor, learner_id: str, *, framework_id: str | None = None,
            now: datetime | None = None, config: PathSettings | None = None) -> list[ReviewItem]:
    """Mastered skills with their next re-check, soonest first (due ones flagged)."""
    require_learner(uow, actor, learner_id, Need.READ, "path")
    cfg = config or load_config(uow)
    now = _now(now)
    content = _framework_of(uow, learner_id, framework_id)
    if content is None:
        return []
    return _reviews_of(cfg, _context(uow, cfg, learner_id, content, now), now)


def _reviews_of(cfg: PathSettings, ctx: _Ctx, now: datetime) -> list[ReviewItem]:
    out: list[ReviewItem] = []
    for code in ctx.mastered:
        st = ctx.states[code]
        if st.stability is None or st.last_review_at is None:
            continue
        mem = MemoryState(st.stability, st.reviews, st.lapses)
        due_at = st.last_review_at + timedelta(days=cfg.memory.interval(mem))
        elapsed = _days(now, st.last_review_at)
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
    ids = _active_ids(uow)
    cfg = config or load_config(uow, ids)
    now = _now(now)
    secs = uow.sections.sections_of(learner_id, Role.STUDENT)
    content = _framework_of(uow, learner_id, None, [sec.framework_id for sec in secs])
    if content is None:
        return PathOverview(SkillMap(learner_id, None, "", (), ()), (), _next_of(learner_id, None, None, []))
    ctx = _context(uow, cfg, learner_id, content, now)
    view = _view(uow, cfg, ctx, [sec.id for sec in secs], now)
    recs = rank(ctx.graph, content.activities, view, cfg.weights, k=cfg.k, titles=ctx.titles, hints=_hints(uow, ids))
    return PathOverview(_map_of(learner_id, content, ctx), tuple(_reviews_of(cfg, ctx, now)),
                        _next_of(learner_id, ctx, view, recs))


def open_skill(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str, note: str = "", *,
               framework_id: str | None = None) -> None:
    """A teacher opens a locked skill for one learner (audited)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "path")
    content = _framework_of(uow, learner_id, framework_id)
    if content is None or skill_code not in content.graph:
        raise Invalid(f"unknown skill {skill_code!r} in this learner's framework", "skill_code")
    if len(note) > 500:
        raise Invalid("the note is longer than 500 characters", "note")
    row = uow.session.get(tp.PathOpenedRow, (learner_id, skill_code))
    if row is None:
        uow.session.add(tp.PathOpenedRow(learner_id=learner_id, skill_code=skill_code, opened_by=actor.user_id,
                                         note=note))
    else:
        row.opened_by, row.note, row.opened_at = actor.user_id, note, datetime.now(UTC)
    uow.audit.add(actor.user_id, "paths:open_skill", learner_id, f"skill:{skill_code}",
                  {"note": note, "via": actor.via})


def close_skill(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str) -> bool:
    """Undo an opening (audited); returns whether there was one."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "path")
    row = uow.session.get(tp.PathOpenedRow, (learner_id, skill_code))
    if row is None:
        return False
    uow.session.delete(row)
    uow.audit.add(actor.user_id, "paths:close_skill", learner_id, f"skill:{skill_code}", {"via": actor.via})
    return True


def set_focus(uow: UnitOfWork, actor: Actor, section_id: str, skill_codes: Sequence[str], *,
              learner_ids: Sequence[str] = (), days: int | None = None, note: str = "",
              now: datetime | None = None) -> FocusSet:
    """The teacher's focus for a class, or a group within it (audited)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.WRITE)
    codes = list(dict.fromkeys(skill_codes))
    if not codes or len(codes) > 20:
        raise Invalid("give 1 to 20 skills for the focus", "skill_codes")
    fw = uow.frameworks.get(sec.framework_id) if sec.framework_id else None
    known = {s.code for s in fw.skills} if fw else set()
    bad = [c for c in codes if c not in known]
    if bad:
        raise Invalid(f"unknown skill(s) for this class: {', '.join(bad)}", "skill_codes", bad)
    members = {u.id for u in uow.sections.members(section_id, Role.STUDENT)}
    group = list(dict.fromkeys(learner_ids))
    strangers = [i for i in group if i not in members]
    if strangers:
        raise Invalid("every learner of a group must be in the class", "learner_ids", strangers)
    cfg = load_config(uow)
    days = cfg.focus_days if days is None else days
    if not 1 <= days <= 90:
        raise Invalid("days must be between 1 and 90", "days")
    if len(note) > 500:
        raise Invalid("the note is longer than 500 characters", "note")
    now = _now(now)
    row = tp.PathFocusRow(section_id=section_id, learner_ids=group, skill_codes=codes, note=note,
                          set_by=actor.user_id, starts_at=now, ends_at=now + timedelta(days=days), created_at=now)
    uow.session.add(row)
    uow.flush()
    uow.audit.add(actor.user_id, "paths:set_focus", None, f"section:{section_id}",
                  {"skills": codes, "learners": group, "days": days, "note": note, "via": actor.via})
    return FocusSet(row.id, section_id, tuple(codes), tuple(group), row.ends_at)


def wheel_spinning(uow: UnitOfWork, actor: Actor, section_id: str, *, now: datetime | None = None,
                   config: PathSettings | None = None) -> list[SpinFlag]:
    """Learners of a class who tried a skill many times without progress (teachers, admins)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.READ)
    cfg = config or load_config(uow)
    now = _now(now)
    content = _content(uow, sec.framework_id) if sec.framework_id else None
    if content is None:
        return []
    out: list[SpinFlag] = []
    for u in uow.sections.members(section_id, Role.STUDENT):
        ctx = _context(uow, cfg, u.id, content, now)
        for code, st in sorted(ctx.states.items()):
            recent = st.flagged_at is not None and _days(now, st.flagged_at) <= 14
            if st.spinning or (recent and code not in ctx.mastered):
                latest = _recent_scores(uow, u.id, code, cfg.guard.window)
                out.append(SpinFlag(u.id, u.display_name, code, ctx.titles.get(code, code),
                                    ctx.n.get(code, 0) - st.baseline_n if st.spinning else ctx.n.get(code, 0),
                                    st.flagged_at, st.spinning,
                                    tuple(step_back_targets(ctx.graph, code, ctx.p)),
                                    sum(x >= 0.5 for x in latest), len(latest)))
    return out


@dataclass(frozen=True, slots=True)
class ClassPath:
    section_id: str
    section_name: str
    students: tuple[tuple[str, str], ...]  # (id, name)
    skills: tuple[tuple[str, str], ...]  # (code, title), curriculum order
    flags: tuple[SpinFlag, ...]
    focus: tuple[FocusSet, ...]  # active now


def class_path(uow: UnitOfWork, actor: Actor, section_id: str, *, now: datetime | None = None,
               config: PathSettings | None = None) -> ClassPath:
    """A class's path overview for its teacher: wheel-spinning flags with the prerequisites
    to step back to, the focus in force, and the students and skills to open or focus on."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.READ)
    now = _now(now)
    flags = wheel_spinning(uow, actor, section_id, now=now, config=config)
    content = _content(uow, sec.framework_id) if sec.framework_id else None
    skills = tuple((c, content.titles.get(c, c)) for c in content.graph.codes()) if content else ()
    students = tuple((u.id, u.display_name) for u in uow.sections.members(section_id, Role.STUDENT))
    q = (select(tp.PathFocusRow).where(tp.PathFocusRow.section_id == section_id, tp.PathFocusRow.starts_at <= now,
                                       tp.PathFocusRow.ends_at > now).order_by(tp.PathFocusRow.id))
    focus = tuple(FocusSet(r.id, r.section_id, tuple(r.skill_codes), tuple(r.learner_ids), r.ends_at)
                  for r in uow.session.scalars(q))
    return ClassPath(section_id, sec.name, students, skills, tuple(flags), focus)
