"""The catalogue of learner models: names, one-line descriptions, constructors, loading.

Every model here follows one contract: ``fit(log, progress) -> self``,
``predict_sequential(log)`` (each row predicted from the learner's earlier rows of
that log), online ``new_state/observe_state/predict_state/mastery_state``, and
``to_params``/``from_params`` as plain data. No storage, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pathwise.engine.kt.bkt import BKT
from pathwise.engine.kt.elo import EloKT
from pathwise.engine.kt.logistic import LogisticKT
from pathwise.engine.kt.mastery import MODEL as MASTERY_MODEL
from pathwise.engine.kt.mastery import MasteryModel
from pathwise.engine.kt.paced import PacedBKT
from pathwise.engine.kt.tracker import MasteryTracker

DEFAULT = "lr-plus"  # the default predictor
# The slot under which the product's learner model (mastery model + predictor) keeps its fitted parameters.
PRODUCT_SLOT = "learner-model"
PRODUCT = "pathwise"  # the "model" name of the product's parameters: {"mastery": ..., "prediction": ...}

_FACTORIES: dict[str, tuple[str, Callable[[], Any]]] = {
    "lr-plus": ("Best-LR+ logistic model: Best-LR counts plus recent windows, recency, patterns, per-skill "
                "weights, skill-combination counts, transfer from recent skills, practice-block history and "
                "ability against item difficulty; online (default)", lambda: LogisticKT(extended=True)),
    "best-lr": ("Best-LR logistic model (Gervet et al. 2020): item, skills, log counts per skill, item "
                "and total", lambda: LogisticKT(extended=False, name="best-lr")),
    "bkt": ("Bayesian Knowledge Tracing per skill (prior, learn, guess, slip), fitted by EM",
            lambda: BKT()),
    "bkt-pace": ("Bayesian Knowledge Tracing per skill plus each learner's pace, learned from all their "
                 "skills (the spread of paces chosen by the fit)", lambda: PacedBKT()),
    "bkt-forget": ("Bayesian Knowledge Tracing with forgetting", lambda: BKT(forgets=True)),
    "bkt-item": ("Bayesian Knowledge Tracing with per-item guess and slip",
                 lambda: BKT(item_guess_slip=True)),
    "elo": ("Elo-style ability and item difficulty, updated online from the first answer", lambda: EloKT()),
    MASTERY_MODEL: ("the mastery model: knowledge tracing per skill whose estimate moves only with the evidence "
                    "on the skill (learning credited by right answers; help weakens evidence); what people see "
                    "as mastery", lambda: MasteryModel()),
}


def register(name: str, description: str, factory: Callable[[], Any]) -> None:
    _FACTORIES[name] = (description, factory)


def describe() -> dict[str, str]:
    return {k: v[0] for k, v in _FACTORIES.items()}


def create(name: str) -> Any:
    return _FACTORIES[name][1]()


def from_params(params: dict[str, Any]) -> Any:
    name = params.get("model", DEFAULT)
    return type(create(name)).from_params(params)


def product_params(mastery: dict[str, Any], prediction: dict[str, Any] | None) -> dict[str, Any]:
    """The product's learner model as data: the mastery model and the predictor, fitted together."""
    return {"model": PRODUCT, "mastery": mastery, "prediction": prediction}


def product_tracker(params: dict[str, Any] | None, version: str) -> MasteryTracker:
    """The tracker the services run, from stored parameters (``product_params``).

    Parameters stored before mastery had its own model hold a predictor alone: it keeps
    predicting, mastery comes from the mastery model's defaults, and the version says so
    (so the stored projections are rebuilt).
    """
    if not params:
        return MasteryTracker(MasteryModel(), None, version)
    if params.get("model") == PRODUCT:
        mastery = MasteryModel.from_params(params.get("mastery") or {})
        pred = params.get("prediction")
        return MasteryTracker(mastery, from_params(pred) if pred else None, version)
    if params.get("model") == MASTERY_MODEL:
        return MasteryTracker(MasteryModel.from_params(params), None, version)
    return MasteryTracker(MasteryModel(), from_params(params), f"{version}+{MASTERY_MODEL}-defaults", version)
