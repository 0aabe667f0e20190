"""The simulation benchmark behind ``pathwise simulate``: fixed order, the product's path
and an oracle on synthetic learners, with the product's own fit on a pilot cohort.

The learners and the policies live in ``engine.simulate``; the path they are driven by is
the product's (``engine.paths``: the same fold, view and ranking the services run), and
the learner model is fitted here exactly as ``pathwise kt fit`` fits it
(``services.kt.fit_product``). No database: nothing here reads or writes one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pathwise.services.errors import Invalid


def pilot_tracker(log: Any, model: str) -> tuple[Any, dict[str, Any]]:
    """Fit the product's learner model (the predictor ``model`` and the mastery model) on a
    pilot cohort's log as ``pathwise kt fit`` does (thin skills keep the defaults), and load
    it back from its parameters as the live tracker would be."""
    from pathwise.engine.kt import models as kt_models
    from pathwise.services import kt

    predictor, mastery_fit = kt.fit_product(log, model)
    info: dict[str, Any] = {"model": model, "rows": len(log), "learners": len(set(log.students)),
                            "fallback_skills": mastery_fit.fallback,
                            "fit_seconds": round(mastery_fit.seconds + (predictor.seconds if predictor else 0.0), 3)}
    skills = mastery_fit.params.get("skills") or {}
    if skills:
        # the mastery model's median fitted parameters: what the pilot taught it
        import numpy as np

        info["median_params"] = {k: round(float(np.median([v[k] for v in skills.values()])), 4)
                                 for k in ("p_init", "p_learn", "p_guess", "p_slip", "p_lose")}
    pace = (predictor.params.get("pace") if predictor else None) or {}
    if isinstance(pace, dict) and "spread" in pace:
        info["pace_spread"] = pace.get("spread")  # the spread of learners' paces the predictor's fit chose
    params = kt_models.product_params(mastery_fit.params, predictor.params if predictor else None)
    return kt_models.product_tracker(params, f"{model}-pilot"), info


def run_simulation(*, learners: int = 100, seed: int = 0, skills: int = 30, budget_per_skill: float = 20.0,
                   fixed_items_per_skill: int = 8, policies: Sequence[str] | None = None,
                   pilot: int = 200, pilot_model: str = "lr-plus", late: Sequence[int] = (),
                   progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Compare fixed order, Pathwise and the oracle on synthetic learners (no database).

    With ``pilot`` > 0, a pilot cohort of that many other learners first works through
    Pathwise's path with the pre-fit model; ``pilot_model`` is fitted on their logged
    answers with the product's fit, and ``pathwise-fit`` (Pathwise driven by that fitted
    model) meets the evaluation learners too. ``pathwise`` stays the pre-fit model.
    Each ``k`` in ``late`` adds the diagnostic ``pathwise-late<k>``: the same path on the
    hidden truth read ``k`` items late (what a near-perfect estimate would give)."""
    from pathwise.engine.kt import models as kt_models
    from pathwise.engine.simulate import FITTED, LATE, POLICIES, SimConfig, compare, pilot_log

    try:
        cfg = SimConfig(n_skills=skills, learners=learners, seed=seed, budget_per_skill=budget_per_skill,
                        cap_per_skill=max(60.0, budget_per_skill), fixed_items_per_skill=fixed_items_per_skill)
    except ValueError as exc:
        raise Invalid(str(exc), "simulate") from None
    if not 0 <= pilot <= 100_000:
        raise Invalid("the pilot cohort must have 0 to 100000 learners", "pilot")
    if pilot_model not in kt_models.describe():
        raise Invalid(f"unknown model {pilot_model!r}; known: {', '.join(kt_models.describe())}", "pilot_model")
    if any(not isinstance(k, int) or not 0 <= k <= 50 for k in late):
        raise Invalid("late delays must be whole numbers of items from 0 to 50", "late")
    lates = tuple(f"{LATE}{k}" for k in dict.fromkeys(late))
    known = POLICIES + ((FITTED,) if pilot else ()) + lates
    pols = tuple(policies or (("fixed", "pathwise", FITTED, "oracle") if pilot else POLICIES) + lates)
    unknown = [p for p in pols if p not in known]
    if unknown:
        raise Invalid(f"unknown policy {', '.join(unknown)}; known: {', '.join(known)}", "policies")
    total = pilot + learners * len(pols)
    fitted = None
    info: dict[str, Any] | None = None
    if pilot:
        log = pilot_log(cfg, pilot, progress=(lambda d, _n: progress(d, total)) if progress else None)
        tracker, info = pilot_tracker(log, pilot_model)
        fitted = lambda: tracker  # noqa: E731  (one live model for every learner, as in the product)
    out = compare(cfg, pols, progress=(lambda d, _n: progress(pilot + d, total)) if progress else None,
                  fitted_factory=fitted).to_dict()
    if info is not None:
        out["pilot"] = info
    return out
