"""The simulation benchmark behind ``pathwise simulate``: fixed order, the product's path
and an oracle on synthetic learners, with the product's own fit on a pilot cohort.

The learners and the policies live in ``engine.simulate``; the path they are driven by is
the product's (``engine.paths``: the same fold, view and ranking the services run), and
the learner model is fitted here exactly as ``pathwise kt fit`` fits it
(``services.kt.fit_product``). No database: nothing here reads or writes one.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pathwise.services.errors import Invalid

_PROTOCOL = ("answer", "truly_mastered")


def load_process(spec: str) -> tuple[str, Callable[..., Any]]:
    """The learner process named by ``spec``: a built-in one (``strength``, ``traces``) or
    ``path/to/file.py:draw`` / ``package.module:draw``, a callable ``draw(graph, seed)``
    following the protocol of ``engine.learners``. One learner is drawn on a small graph
    to check the protocol, so a wrong file fails here with a message naming what is
    missing, not halfway through a run."""
    from pathwise.engine.simulate import PROCESSES, synthetic_framework

    if spec in PROCESSES:
        return spec, PROCESSES[spec]
    target, sep, attr = spec.rpartition(":")
    if not sep or not target or not attr.isidentifier():
        raise Invalid(f"learner process {spec!r}: give a built-in one ({', '.join(PROCESSES)}) or "
                      "path/to/file.py:name or package.module:name", "learners_from")
    try:
        if target.endswith(".py"):
            path = Path(target)
            if not path.is_file():
                raise Invalid(f"learner process {spec!r}: no file {target}", "learners_from")
            name = f"pathwise_learners_{abs(hash(str(path.resolve())))}"
            loader = importlib.util.spec_from_file_location(name, path)
            if loader is None or loader.loader is None:
                raise Invalid(f"learner process {spec!r}: {target} cannot be loaded as Python", "learners_from")
            module = importlib.util.module_from_spec(loader)
            sys.modules[name] = module
            loader.loader.exec_module(module)
        else:
            module = importlib.import_module(target)
    except Invalid:
        raise
    except Exception as exc:  # the researcher's file: say what went wrong in it
        raise Invalid(f"learner process {spec!r}: loading {target} failed: {type(exc).__name__}: {exc}",
                      "learners_from") from None
    draw = getattr(module, attr, None)
    if not callable(draw):
        raise Invalid(f"learner process {spec!r}: {target} has no callable {attr!r}", "learners_from")
    graph = synthetic_framework(4, 0).graph()
    try:
        probe = draw(graph, 0)
    except Exception as exc:
        raise Invalid(f"learner process {spec!r}: {attr}(graph, seed) failed: {type(exc).__name__}: {exc}",
                      "learners_from") from None
    missing = [m for m in _PROTOCOL if not callable(getattr(probe, m, None))]
    if missing:
        raise Invalid(f"learner process {spec!r}: the learner {attr} draws has no {' or '.join(missing)} "
                      "method (see engine/learners.py for the protocol)", "learners_from")
    return spec, draw


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


def run_simulation(**kwargs: Any) -> dict[str, Any]:
    """Compare fixed order, Pathwise and the oracle on synthetic learners (no database):
    ``simulate_report``'s report as plain data, with what the pilot cohort's fit learnt."""
    report, info = simulate_report(**kwargs)
    out = report.to_dict()
    if info is not None:
        out["pilot"] = info
    return out


def simulate_report(*, learners: int = 100, seed: int = 0, skills: int = 30, budget_per_skill: float = 20.0,
                    fixed_items_per_skill: int = 8, policies: Sequence[str] | None = None,
                    pilot: int = 200, pilot_model: str = "lr-plus", late: Sequence[int] = (),
                    progress: Callable[[int, int], None] | None = None, learners_from: str = "strength",
                    delay_days: float = 30.0, settings: Any = None) -> tuple[Any, dict[str, Any] | None]:
    """Compare fixed order, Pathwise and the oracle on synthetic learners (no database);
    the report (``engine.simulate.SimReport``, every learner's run kept) and the pilot's fit.

    With ``pilot`` > 0, a pilot cohort of that many other learners first works through
    Pathwise's path with the pre-fit model; ``pilot_model`` is fitted on their logged
    answers with the product's fit, and ``pathwise-fit`` (Pathwise driven by that fitted
    model) meets the evaluation learners too. ``pathwise`` stays the pre-fit model.
    ``learners_from`` names the learner process (see ``load_process``); every policy and
    the pilot cohort meet learners of that process. ``settings`` (``PathSettings``) are
    the path's settings for every Pathwise policy (default: the product's defaults).
    Each ``k`` in ``late`` adds the diagnostic ``pathwise-late<k>``: the same path on the
    hidden truth read ``k`` items late (what a near-perfect estimate would give)."""
    from pathwise.engine.kt import models as kt_models
    from pathwise.engine.simulate import FITTED, LATE, POLICIES, SimConfig, compare, pilot_log

    try:
        cfg = SimConfig(n_skills=skills, learners=learners, seed=seed, budget_per_skill=budget_per_skill,
                        cap_per_skill=max(60.0, budget_per_skill), fixed_items_per_skill=fixed_items_per_skill,
                        delay_days=delay_days)
    except ValueError as exc:
        raise Invalid(str(exc), "simulate") from None
    if not 0 <= pilot <= 100_000:
        raise Invalid("the pilot cohort must have 0 to 100000 learners", "pilot")
    if pilot_model not in kt_models.describe():
        raise Invalid(f"unknown model {pilot_model!r}; known: {', '.join(kt_models.describe())}", "pilot_model")
    if any(not isinstance(k, int) or not 0 <= k <= 50 for k in late):
        raise Invalid("late delays must be whole numbers of items from 0 to 50", "late")
    process_name, process = load_process(learners_from)
    lates = tuple(f"{LATE}{k}" for k in dict.fromkeys(late))
    known = POLICIES + ((FITTED,) if pilot else ()) + lates
    base = tuple(policies) if policies else (("fixed", "pathwise", FITTED, "oracle") if pilot else POLICIES)
    pols = tuple(dict.fromkeys(base + lates))
    unknown = [p for p in pols if p not in known]
    if unknown:
        raise Invalid(f"unknown policy {', '.join(unknown)}; known: {', '.join(known)}", "policies")
    total = pilot + learners * len(pols)
    fitted = None
    info: dict[str, Any] | None = None
    if pilot:
        log = pilot_log(cfg, pilot, progress=(lambda d, _n: progress(d, total)) if progress else None,
                        process=process, settings=settings)
        tracker, info = pilot_tracker(log, pilot_model)
        fitted = lambda: tracker  # noqa: E731  (one live model for every learner, as in the product)
    report = compare(cfg, pols, progress=(lambda d, _n: progress(pilot + d, total)) if progress else None,
                     fitted_factory=fitted, process=process, process_name=process_name, settings=settings)
    return report, info
