"""A learner's path data: the path settings, the framework's content, and the path state
kept as a projection of evidence.

``load_context`` loads one learner's mastery numbers and path state and has the engine fold
in what is new (``engine.paths.schedule.fold``, the same fold the simulation runs);
``persist`` stores what changed; ``sync_schedules`` and ``sync_learners`` do both when
evidence is recorded or rebuilt. The use cases that read and change paths are
``services.paths`` (learners) and ``services.class_paths`` (teachers); this module asks no
access question of its own: its callers have.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pathwise.domain.framework import Framework, SkillGraph
from pathwise.domain.people import Role
from pathwise.engine.kt.tracker import SCORED
from pathwise.engine.paths.schedule import (
    SKILL_FIELDS,
    LearnerPath,
    Numbers,
    PathSettings,
    PathState,
    SkillPath,
    fold,
)
from pathwise.engine.paths.schedule import view as path_view
from pathwise.engine.paths.scoring import LearnerView, ModelHints, Recommendation, rank
from pathwise.services.access import Actor, require_role
from pathwise.services.content import Content, content_of
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.experiments import arm_settings
from pathwise.services.goals import active_goal_skills
from pathwise.store.uow import UnitOfWork

CONFIG_MODEL = "paths"


def _parse_config(params: dict[str, Any]) -> PathSettings:
    try:
        return PathSettings.from_params(params)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"path settings: {exc}", "paths") from None


_PARSED: dict[tuple[str, int], Any] = {}  # (database, model_params id) -> parsed settings; rows never change


def active_ids(uow: UnitOfWork, learner_id: str | None = None, now: datetime | None = None) -> dict[str, int]:
    """The ids of the active path settings and BKT parameters (one light query); with a
    learner, in the same statement, the learner's arm in an experiment running at ``now``
    (keys ``experiment`` and ``experiment_arm``: 0 for A, 1 for B; services.experiments)."""
    if learner_id is None:
        return uow.paths.active_param_ids((CONFIG_MODEL, "bkt"))
    ids, arms = uow.experiments.settings_and_arms((CONFIG_MODEL, "bkt"), [learner_id])
    return _with_arm(ids, arms.get(learner_id, ()), now or datetime.now(UTC))


def _with_arm(ids: dict[str, int], arms: Sequence[Any], now: datetime) -> dict[str, int]:
    """``ids`` with the newest of ``arms`` whose experiment runs at ``now``."""
    out = {k: v for k, v in ids.items() if not k.startswith("experiment")}
    for arm in arms:  # oldest first: the newest running experiment wins
        if arm.starts_at <= now < arm.ends_at:
            out["experiment"], out["experiment_arm"] = arm.experiment_id, 0 if arm.arm == "A" else 1
    return out


def _parsed(uow: UnitOfWork, model_id: int, parse: Any) -> Any:
    key = (uow.paths.database_key(), model_id)
    if key not in _PARSED:
        params = uow.paths.params(model_id)
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = parse(params)
    return _PARSED[key]


def load_config(uow: UnitOfWork, ids: dict[str, int] | None = None, learner_id: str | None = None,
                now: datetime | None = None) -> PathSettings:
    """The path settings in force: the active ones, or for a learner in a running
    experiment their arm's (``ids`` from ``active_ids`` with the learner, or read here)."""
    ids = active_ids(uow, learner_id, now) if ids is None else ids
    base = PathSettings() if CONFIG_MODEL not in ids else _parsed(uow, ids[CONFIG_MODEL], _parse_config)
    if "experiment" in ids:
        return arm_settings(uow, base, ids.get(CONFIG_MODEL, -1), ids["experiment"],
                            "A" if ids.get("experiment_arm", 0) == 0 else "B")
    return base  # type: ignore[no-any-return]


def load_configs(uow: UnitOfWork, learner_ids: Sequence[str], now: datetime | None = None) -> dict[str, PathSettings]:
    """Each learner's path settings in force (their experiment arm's, where one runs at ``now``),
    for class-wide views: one statement for all of them, as ``active_ids`` is for one."""
    if not learner_ids:
        return {}
    ids, arms = uow.experiments.settings_and_arms((CONFIG_MODEL, "bkt"), list(learner_ids))
    at = now or datetime.now(UTC)
    return {lid: load_config(uow, _with_arm(ids, arms.get(lid, ()), at)) for lid in learner_ids}


def set_config(uow: UnitOfWork, actor: Actor, params: dict[str, Any]) -> PathSettings:
    """Store new path settings (weights etc.); admins only, audited."""
    require_role(actor, Role.ADMIN)
    cfg = _parse_config(params)
    uow.model_params.add_active(CONFIG_MODEL, datetime.now(UTC).strftime("%Y%m%d%H%M%S"), cfg.to_params(), {})
    uow.audit.add(actor.user_id, "paths:set_config", None, "paths:config", cfg.to_params())
    return cfg


# ---------------------------------------------------------------- the learner's context


class Ctx:
    """One learner's path context: the framework, the mastery numbers, the path state."""

    def __init__(self, learner_id: str, framework: Framework, graph: SkillGraph, titles: dict[str, str],
                 numbers: Numbers, state: PathState, opened: frozenset[str], learner_stored: bool = False) -> None:
        self.learner_id = learner_id
        self.learner_stored = learner_stored  # the learner's path row exists (an update, not an insert)
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


def now_or(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise Invalid("now must carry a time zone", "now")
    return now


def framework_of(uow: UnitOfWork, learner_id: str, framework_id: str | None,
                  sections: Sequence[str | None] | None = None) -> Content | None:
    if framework_id is not None:
        c = content_of(uow, framework_id)
        if c is None:
            raise NotFound(f"no framework {framework_id}")
        return c
    fids = sections if sections is not None else [sec.framework_id for sec in
                                                  uow.sections.sections_of(learner_id, Role.STUDENT)]
    for fid in fids:
        if fid:
            return content_of(uow, fid)
    return None


def days_between(a: datetime, b: datetime) -> float:
    return (a - b).total_seconds() / 86400.0


def load_context(uow: UnitOfWork, cfg: PathSettings, learner_id: str, content: Content, now: datetime) -> Ctx:
    """The learner's numbers and path state, brought up to date *in memory* by the engine's
    fold (``engine.paths.schedule``).

    Nothing is written here: recording evidence folds it into the stored state
    (``sync_schedules``), so a read normally finds nothing to fold. A read that does
    (say, after a bulk import) computes the same result without storing it.
    """
    paths = uow.paths
    # The projection's numbers only (not the learner-model state kept beside them).
    rows = paths.mastery_numbers(learner_id)
    skills = {code: SkillPath(**fields) for code, fields in paths.skill_states(learner_id).items()}
    lr = paths.path_learner(learner_id)
    learner = LearnerPath() if lr is None else LearnerPath(lr[0], lr[1], lr[2])
    opened = paths.opened_skills(learner_id)
    numbers = Numbers({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows}, {r[0]: r[3] for r in rows},
                      {r[0]: r[4] for r in rows})
    state = PathState(skills, learner, learner_dirty=lr is None)
    ctx = Ctx(learner_id, content.framework, content.graph, content.titles, numbers, state, opened,
              learner_stored=lr is not None)

    def evidence_since(at: datetime | None) -> list[tuple[tuple[str, ...], float, datetime]]:
        return paths.evidence_since(learner_id, at)

    fold(state, numbers, content.graph, content.framework.mastery_threshold, cfg, evidence_since,
         lambda code, k: recent_scores(uow, learner_id, code, k), now)
    return ctx


def persist(uow: UnitOfWork, ctx: Ctx, now: datetime) -> None:
    """Store what the last ``_sync`` (or a use case) changed in the learner's schedule."""
    state = ctx.state
    if state.dirty:
        uow.paths.save_skill_states(
            ctx.learner_id, {code: {f: getattr(state.skills[code], f) for f in SKILL_FIELDS} for code in state.dirty},
            now)
        state.dirty.clear()
    if state.learner_dirty:
        lr = state.learner
        uow.paths.save_path_learner(ctx.learner_id, lr.synced_at, lr.last_check_at, lr.newly_mastered, now,
                                    stored=ctx.learner_stored)
        state.learner_dirty = False
        ctx.learner_stored = True


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
    # the settings and the learners' experiment arms in one statement (services.experiments)
    ids, arms = uow.experiments.settings_and_arms((CONFIG_MODEL, "bkt"), list(learners))
    base = load_config(uow, ids)
    done = 0
    for learner_id, at in learners.items():
        content = framework_of(uow, learner_id, None)
        if content is None:
            continue
        mine = arms.get(learner_id)
        cfg = base if not mine else load_config(uow, _with_arm(ids, mine, at))
        ctx = load_context(uow, cfg, learner_id, content, at)
        persist(uow, ctx, at)
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
        done += sync_schedules(uow, uow.paths.newest_evidence(chunk))
    return done


_SCORED_KINDS = tuple(k.value for k in SCORED)


def recent_scores(uow: UnitOfWork, learner_id: str, code: str, n: int) -> list[float]:
    """The scores of the learner's latest ``n`` scored answers on ``code``, oldest first
    (asked only of a skill tried ``limit`` times without mastery: is it progressing?)."""
    return uow.paths.recent_scores(learner_id, code, _SCORED_KINDS, n)


def _profile_sets(uow: UnitOfWork, learner_id: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    prof = uow.users.profile(learner_id)
    interests = frozenset(str(i).lower() for i in prof.get("interests", []) or [])
    modalities = frozenset(str(m).lower() for m in (prof.get("preferred_modalities") or prof.get("modalities") or []))
    return interests, modalities, active_goal_skills(uow, learner_id)


def _focus(uow: UnitOfWork, learner_id: str, sections: Sequence[str], now: datetime) -> frozenset[str]:
    if not sections:
        return frozenset()
    out: set[str] = set()
    for learners, codes in uow.paths.focus_in_sections(sections, now):
        if not learners or learner_id in learners:
            out.update(codes)
    return frozenset(out)


def _recent(uow: UnitOfWork, learner_id: str, n: int = 5) -> list[tuple[str, str, tuple[str, ...]]]:
    return uow.paths.recent_choices(learner_id, n)


def learner_view(uow: UnitOfWork, cfg: PathSettings, ctx: Ctx, sections: Sequence[str], now: datetime) -> LearnerView:
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


def model_hints(uow: UnitOfWork, ids: dict[str, int] | None = None) -> ModelHints:
    ids = active_ids(uow) if ids is None else ids
    return _parsed(uow, ids["bkt"], _hints_of) if "bkt" in ids else ModelHints()  # type: ignore[no-any-return]


def ranked(uow: UnitOfWork, cfg: PathSettings, learner_id: str, framework_id: str | None, now: datetime,
            k: int, ids: dict[str, int] | None = None) -> tuple[Ctx | None, LearnerView | None, list[Recommendation]]:
    secs = uow.sections.sections_of(learner_id, Role.STUDENT)
    content = framework_of(uow, learner_id, framework_id, [sec.framework_id for sec in secs])
    if content is None:
        return None, None, []
    ctx = load_context(uow, cfg, learner_id, content, now)
    view = learner_view(uow, cfg, ctx, [sec.id for sec in secs], now)
    recs = rank(ctx.graph, content.activities, view, cfg.weights, k=k, titles=ctx.titles, hints=model_hints(uow, ids))
    return ctx, view, recs
