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
from pathwise.engine.kt.paced import PacedBKT

DEFAULT = "lr-plus"
# The slot under which the model that drives mastery in the product keeps its fitted parameters.
PRODUCT_SLOT = "learner-model"

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
