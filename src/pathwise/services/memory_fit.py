"""Fit a learned review memory model on a school's own outcomes and report, beside the
model the path schedules reviews with, how well each predicts recall after a gap.

``fit_memory`` (admins only; audited) streams the scored evidence of the actor's school
(every school's for the system actor) through a repository, turns it into one history
per (learner, skill) as the memory sees it (``engine.paths.memory.skill_histories``),
holds out a fifth of the learners, fits the forgetting model's few school-specific
weights on the rest (``engine.paths.memory.MemoryFit``, pulled toward the published
defaults), and reports log loss, Brier score and calibration on the held-out learners
for three models: the path's (``engine.paths.review.MemoryModel``), the learned one with
its published weights, and the learned one fitted. It stores nothing: the path keeps its
model until the evidence says to change it (docs/decisions/0013).

What it must not do: no numbers of its own (the engine fits and scores), no tables (the
repositories read), no access decision outside ``services.access``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pathwise.domain.people import Role
from pathwise.engine.kt.tracker import SCORED
from pathwise.engine.paths.memory import (
    MIN_OUTCOMES,
    MODEL_VERSION,
    CalibrationBin,
    ForgettingModel,
    MemoryFit,
    brier,
    calibration_table,
    expected_calibration_error,
    log_loss,
    path_model_predictions,
    predict_outcomes,
    skill_histories,
)
from pathwise.services.access import Actor, require_role
from pathwise.services.errors import Invalid
from pathwise.services.path_state import load_config
from pathwise.store.uow import UnitOfWork

_KINDS = tuple(sorted(k.value for k in SCORED))
History = list[tuple[float, bool, bool]]  # (day, right, a review outcome): memory.memory_history


@dataclass(frozen=True, slots=True)
class Scores:
    """How well a model predicts recall on held-out answers after a gap."""

    log_loss: float
    brier: float
    ece: float
    calibration: tuple[CalibrationBin, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"log_loss": self.log_loss, "brier": self.brier, "ece": self.ece,
                "calibration": [{"lo": b.lo, "hi": b.hi, "n": b.n, "predicted": b.predicted,
                                 "observed": b.observed} for b in self.calibration]}


@dataclass(frozen=True, slots=True)
class MemoryFitReport:
    learners: int
    histories: int
    train_outcomes: int
    test_outcomes: int
    min_outcomes: int
    fitted: bool  # False: too few outcomes to fit
    path_model: Scores | None  # the model the path schedules reviews with
    defaults: Scores | None  # the learned model with its published weights
    after: Scores | None  # the learned model fitted on the school's other learners
    guess: float
    slip: float
    message: str
    changed: dict[int, tuple[float, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"learners": self.learners, "histories": self.histories, "train_outcomes": self.train_outcomes,
                "test_outcomes": self.test_outcomes, "min_outcomes": self.min_outcomes, "fitted": self.fitted,
                "message": self.message, "model": MODEL_VERSION,
                "path_model": self.path_model.to_dict() if self.path_model else None,
                "defaults": self.defaults.to_dict() if self.defaults else None,
                "after": self.after.to_dict() if self.after else None, "guess": self.guess, "slip": self.slip,
                "changed": {f"w{i}": list(v) for i, v in self.changed.items()}}


def _histories(uow: UnitOfWork, school_id: str | None) -> dict[str, list[History]]:
    """Per learner, their histories (one per skill, as the memory sees them), days since the epoch."""
    stream = ((lid, codes, score, at.timestamp() / 86400.0)
              for lid, codes, score, at in uow.paths.answer_stream(_KINDS, school_id))
    return skill_histories(stream)  # type: ignore[return-value]


def _scores(p: np.ndarray, y: np.ndarray) -> Scores | None:
    if not y.size:
        return None
    return Scores(log_loss(p, y), brier(p, y), expected_calibration_error(p, y), tuple(calibration_table(p, y)))


def fit_memory(uow: UnitOfWork, actor: Actor, *, min_outcomes: int = MIN_OUTCOMES, holdout: float = 0.2,
               seed: int = 0, min_gap_days: float = 1.0,
               progress: Callable[[str], None] | None = None) -> MemoryFitReport:
    """Fit the learned memory model on the school's answers and score it, with its published
    weights and with the path's model, on held-out learners. Stores nothing. Admins only."""
    require_role(actor, Role.ADMIN)
    if not 0.0 < holdout < 1.0:
        raise Invalid("holdout must be between 0 and 1", "holdout")
    if min_outcomes < 1:
        raise Invalid("min_outcomes must be at least 1", "min_outcomes")
    if min_gap_days < 0:
        raise Invalid("min_gap_days must be 0 or more", "min_gap_days")
    path_model = load_config(uow).memory
    per = _histories(uow, actor.school_id)
    learners = sorted(per)
    order = np.random.default_rng(seed).permutation(len(learners))
    n_test = int(round(holdout * len(learners))) if len(learners) > 1 else 0
    test_ids = {learners[i] for i in order[:n_test]}
    train = [h for lid in learners if lid not in test_ids for h in per[lid]]
    test = [h for lid in test_ids for h in per[lid]]
    if progress:
        progress(f"{len(learners)} learners, {len(train) + len(test)} skill histories")
    fit = MemoryFit(min_outcomes=min_outcomes, min_gap_days=min_gap_days, random_state=seed).fit(train)
    path_scores = _scores(*path_model_predictions(path_model, test, min_gap_days))
    p_default, y_test = predict_outcomes(ForgettingModel(), test, min_gap_days)
    default_scores = _scores(p_default, y_test)
    after = _scores(*predict_outcomes(fit.model_, test, min_gap_days)) if fit.fitted_ else None
    if not fit.fitted_:
        message = (f"{fit.n_outcomes_} answers after a gap of {min_gap_days:g} day(s) or more among the training "
                   f"learners, fewer than the {min_outcomes} a fit needs")
    else:
        message = "fitted and scored on held-out learners; nothing is stored: reviews keep the path's model"
    uow.audit.add(actor.user_id, "paths:fit_memory", None, "paths:config",
                  {"fitted": fit.fitted_, "learners": len(learners), "train_outcomes": fit.n_outcomes_,
                   "test_outcomes": int(y_test.size)})
    changed = {i: (a, b) for i, (a, b) in enumerate(zip(ForgettingModel().weights, fit.weights_, strict=True))
               if a != b}
    return MemoryFitReport(len(learners), len(train) + len(test), fit.n_outcomes_, int(y_test.size), min_outcomes,
                           fit.fitted_, path_scores, default_scores, after, fit.guess_, fit.slip_, message,
                           changed if fit.fitted_ else {})
