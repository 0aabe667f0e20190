"""Mastery as a product feature: the live projection of evidence through the learner model.

``apply_evidence`` folds new evidence into the learner's model state and the mastery
rows at once (same transaction as the insert); ``rebuild`` replays a learner's whole
history in canonical order (timestamp, then evidence id) and is used when evidence
arrives out of order, after a refit, and by the test that proves replay equals the
live state; ``learner_mastery`` is the read model the pages, the API and reports show.
The model itself lives in the engine; this module only stores and reads its output.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pathwise.domain.clock import utcnow
from pathwise.domain.evidence import Evidence
from pathwise.domain.mastery_states import state_of
from pathwise.engine.kt import models as kt_models
from pathwise.engine.kt.tracker import Tracker, folding
from pathwise.services.access import Actor, Need, require_learner
from pathwise.store.uow import UnitOfWork

DEFAULT_THRESHOLD = 0.95
FALLBACK_VERSION = "mastery-defaults"


def mastery_level(p_mastery: float | None, threshold: float, n_evidence: int) -> str:
    """Plain words for a mastery estimate, the same on every page (``domain.mastery_states``):
    not started, getting there, nearly there, mastered."""
    return state_of(p_mastery, threshold, n_evidence).word


@dataclass(frozen=True, slots=True)
class SkillMastery:
    skill_code: str
    title: str
    p_mastery: float
    n_evidence: int
    n_correct: int
    mastered: bool
    threshold: float
    explanation: str
    last_evidence_at: datetime | None
    uncertainty: float = 0.5


def default_tracker() -> Tracker:
    """Before any fit: the mastery model with its default parameters, no separate predictor."""
    return kt_models.product_tracker(None, FALLBACK_VERSION)


def active_version(uow: UnitOfWork) -> str:
    """The version of the model that should drive mastery now (one small query)."""
    return uow.learner_model.active_version(kt_models.PRODUCT_SLOT) or FALLBACK_VERSION


def load_tracker(uow: UnitOfWork) -> Tracker:
    """The active fitted default model, else framework defaults."""
    row = uow.model_params.active(kt_models.PRODUCT_SLOT)
    if row is None or not row.params:
        return default_tracker()
    try:
        return kt_models.product_tracker(row.params, row.version)
    except (KeyError, TypeError, ValueError):
        return default_tracker()


def _order(ev: Evidence) -> tuple[datetime, str]:
    return ev.timestamp, ev.id


def _row_values(tracker: Tracker, learner: dict[str, Any], skill: str, at: datetime) -> dict[str, Any]:
    est = tracker.estimate(learner, skill)
    return {
        "p_mastery": est.p_mastery, "n_evidence": est.n_evidence, "n_correct": est.n_correct,
        "explanation": est.explanation, "state": {"uncertainty": est.uncertainty},
        "model_version": tracker.version, "last_evidence_at": at, "updated_at": utcnow(),
    }


def learner_state(uow: UnitOfWork, learner_id: str) -> dict[str, Any] | None:
    """The stored model state of a learner (for tests, export and diagnostics)."""
    row = uow.learner_model.state(learner_id)
    return None if row is None else {"model_version": row.model_version, "state": row.state,
                                     "last_id": row.last_id, "last_at": row.last_at}


def _save_state(uow: UnitOfWork, learner_id: str, tracker: Tracker, learner: dict[str, Any],
                last: Evidence | None) -> None:
    uow.learner_model.save_state(learner_id, model_version=tracker.version, state=learner,
                                 last_at=last.timestamp if last else None, last_id=last.id if last else "",
                                 updated_at=utcnow())


def apply_evidence(uow: UnitOfWork, tracker: Tracker, evidence: Sequence[Evidence]) -> None:
    """Update the model state and mastery for newly stored evidence (same transaction)."""
    by_learner: dict[str, list[Evidence]] = defaultdict(list)
    for ev in evidence:
        by_learner[ev.learner_id].append(ev)
    for learner_id, evs in by_learner.items():
        evs.sort(key=_order)
        row = uow.learner_model.state(learner_id)
        stale = row is not None and row.model_version != tracker.version
        # mastery rows without a model state (bulk imports write rows only): replay once
        orphan = row is None and bool(uow.mastery.for_learner(learner_id))
        late = row is not None and row.last_at is not None and _order(evs[0]) < (row.last_at, row.last_id)
        if stale or late or orphan:
            rebuild(uow, tracker, [learner_id])  # replay everything in canonical order
            continue
        # the state as read is the caller's own (decoded afresh): the tracker changes it in place
        learner = row.state if row is not None and row.state else tracker.new_learner()
        touched: dict[str, datetime] = {}
        with folding(tracker, learner) as fold:
            for ev in evs:
                for skill in fold.observe(ev):
                    touched[skill] = ev.timestamp
        # mastery is local: only the skills the evidence names move (engine.kt.mastery)
        for skill, at in touched.items():
            uow.mastery.upsert(learner_id, skill, **_row_values(tracker, learner, skill, at))
        _save_state(uow, learner_id, tracker, learner, evs[-1])
    uow.flush()
    from pathwise.services import strengths  # the strengths-and-needs projection follows mastery

    strengths.refresh(uow, by_learner, compare=True)


def replay(tracker: Tracker, evidence: Iterable[Evidence]) -> dict[str, dict[str, Any]]:
    """Mastery rows (by skill) from a learner's evidence."""
    return replay_learner(tracker, evidence)[1]


def replay_learner(tracker: Tracker, evidence: Iterable[Evidence]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The learner's model state and mastery rows (by skill) from their evidence."""
    learner = tracker.new_learner()
    last: dict[str, datetime] = {}
    with folding(tracker, learner) as fold:
        for ev in sorted(evidence, key=_order):
            for skill in fold.observe(ev):
                last[skill] = ev.timestamp
    return learner, {skill: _row_values(tracker, learner, skill, last[skill]) for skill in last}


def rebuild(uow: UnitOfWork, tracker: Tracker, learner_ids: Sequence[str] | None = None) -> int:
    """Replay evidence into fresh model states and mastery rows; returns the number of learners.
    The learners' evidence is read at once and their rows written at once (callers pass a
    few hundred at a time)."""
    ids = list(dict.fromkeys(learner_ids if learner_ids is not None else uow.evidence.learner_ids()))
    evidence = uow.evidence.for_learners(ids)
    mastery: dict[str, list[dict[str, Any]]] = {}
    states: dict[str, dict[str, Any] | None] = {}
    now = utcnow()
    for lid in ids:
        evs = sorted(evidence.pop(lid), key=_order)
        learner, rows = replay_learner(tracker, evs)
        mastery[lid] = [dict(v, skill_code=k) for k, v in rows.items()]
        states[lid] = None if not evs else {
            "model_version": tracker.version, "state": learner, "last_at": evs[-1].timestamp,
            "last_id": evs[-1].id, "updated_at": now}
    uow.mastery.replace_for_learners(mastery)
    uow.learner_model.replace_states(states)
    uow.flush()
    from pathwise.services import strengths  # rebuilt with mastery, from the rows just written

    strengths.refresh(uow, ids)
    uow.flush()
    return len(ids)


def thresholds(uow: UnitOfWork, skill_codes: Iterable[str], *, school_id: str | None = None,
               learner_id: str | None = None) -> dict[str, float]:
    """Each known skill's mastery threshold (its framework's): of the school's (or the
    learner's school's) frameworks and the shared ones when one is named."""
    return uow.learner_model.thresholds(skill_codes, school_id=school_id, learner_id=learner_id)


def learner_mastery(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[SkillMastery]:
    require_learner(uow, actor, learner_id, Need.READ, "mastery")
    return mastery_rows(uow, [learner_id]).get(learner_id, [])


def mastery_rows(uow: UnitOfWork, learner_ids: Sequence[str],
                 school_id: str | None = None) -> dict[str, list[SkillMastery]]:
    """Mastery for learners the caller has already been allowed to see; skills are named
    from their school's (``school_id``, or one learner's) frameworks and the shared ones."""
    rows = uow.mastery.shown_for_learners(learner_ids)
    codes = {r[1] for r in rows}
    one = learner_ids[0] if len(learner_ids) == 1 and school_id is None else None
    titles = uow.frameworks.skill_titles(codes, school_id=school_id, learner_id=one)
    ths = thresholds(uow, codes, school_id=school_id, learner_id=one)
    out: dict[str, list[SkillMastery]] = defaultdict(list)
    for lid, code, p, n, right, last, why, unc in rows:
        th = ths.get(code, DEFAULT_THRESHOLD)
        out[lid].append(SkillMastery(code, titles.get(code, code), p, n, right, p >= th, th, why, last,
                                     0.5 if unc is None else float(unc)))
    for v in out.values():
        v.sort(key=lambda m: m.skill_code)
    return out
