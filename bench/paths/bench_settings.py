"""Paired comparison of path settings: the same fitted path, the same learners, two or more settings.

A change to the path (a guard, a check cadence, a threshold) moves the median
opportunities to mastery by a few items, less than the spread between two draws of
200 learners. Run side by side on the *same* learners, each learner's difference
between two settings is far less noisy; this bench reports the median of those
differences with a 95% bootstrap interval over the learners, the ratio to the oracle
with its interval, the share mastered after the budget and the wheel-spinning flags
per learner (each one a "stuck" alert to the teacher).

The path is driven by the model a school would run (fitted on a pilot cohort, as in
``bench_simulate.py``), or with ``--pilot 0`` by the model the product runs before any fit. The first setting is the baseline. A setting is written
``name:key=value,key=value``; keys: ``limit``, ``window`` and ``min_right`` (the
wheel-spinning guard), ``checks`` (0 or 1), ``check_after`` and ``check_size`` (the
mastery-check cadence), ``retention`` (the reviews' target retention), ``stability``,
``per_correct``, ``per_wrong``, ``growth``, ``lapse`` and ``min_gain`` (the review memory
model's initial stability in days, its log2 gain per right and loss per wrong answer
before mastery, its growth scale, the share of stability a failed review keeps, and the
least a successful review multiplies stability by, less one), ``threshold`` (the mastery
threshold). ``name`` alone is the product's defaults.

    .venv/bin/python bench/paths/bench_settings.py --learners 200 --seed 0 \\
        "any-tries:min_right=0" "shipped"
"""

from __future__ import annotations

import argparse
import sys
import time

from pathwise.engine.paths.checks import CheckCadence
from pathwise.engine.paths.guard import WheelSpinGuard
from pathwise.engine.paths.review import MemoryModel
from pathwise.engine.simulate import (
    LearnerRun,
    Oracle,
    PathSettings,
    PathwisePolicy,
    SimConfig,
    _Structure,
    default_tracker,
    pilot_log,
    run_learner,
    summarise,
    synthetic_framework,
)
from pathwise.services.simulation import load_process, pilot_tracker

_KEYS = {"limit", "window", "min_right", "checks", "check_after", "check_size", "retention", "threshold",
         "stability", "per_correct", "per_wrong", "growth", "lapse", "min_gain"}
_MEMORY = {"retention": "target_retention", "stability": "initial_stability", "per_correct": "per_correct",
           "per_wrong": "per_wrong", "growth": "growth", "lapse": "lapse_factor", "min_gain": "min_gain"}


def parse(text: str, default_threshold: float) -> tuple[str, PathSettings, float]:
    name, _, rest = text.partition(":")
    if not name:
        raise SystemExit(f"{text!r}: a setting needs a name, e.g. strict:limit=5")
    kv: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, sep, value = part.partition("=")
        if not sep or key not in _KEYS:
            raise SystemExit(f"{text!r}: {part!r} is not key=value with a key of {', '.join(sorted(_KEYS))}")
        try:
            kv[key] = float(value)
        except ValueError:
            raise SystemExit(f"{text!r}: {value!r} is not a number") from None
    base_guard, base_cadence = WheelSpinGuard(), CheckCadence()
    try:
        settings = PathSettings(
            memory=MemoryModel(**{field: kv[key] for key, field in _MEMORY.items() if key in kv}),
            cadence=CheckCadence(after_new_mastered=int(kv.get("check_after", base_cadence.after_new_mastered)),
                                 every_days=base_cadence.every_days,
                                 size=int(kv.get("check_size", base_cadence.size))),
            guard=WheelSpinGuard(limit=int(kv.get("limit", base_guard.limit)),
                                 step_back_items=base_guard.step_back_items,
                                 window=int(kv.get("window", base_guard.window)),
                                 min_right=int(kv.get("min_right", base_guard.min_right))),
            checks=bool(kv.get("checks", 1)),
        )
    except ValueError as exc:
        raise SystemExit(f"{text!r}: {exc}") from None
    return name, settings, kv.get("threshold", default_threshold)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("settings", nargs="+", help="name[:key=value,...]; the first is the baseline")
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skills", type=int, default=30)
    ap.add_argument("--pilot", type=int, default=200, help="learners in the pilot cohort the model is fitted on "
                                                           "(0: the model the product runs before any fit)")
    ap.add_argument("--pilot-model", default="lr-plus")
    ap.add_argument("--process", default="strength", help="the learner process: strength, traces, or "
                                                          "path/to/file.py:draw (as `pathwise simulate --learners-from`)")
    a = ap.parse_args()
    process_name, draw = load_process(a.process)
    cfg = SimConfig(n_skills=a.skills, learners=a.learners, seed=a.seed)
    variants = [parse(s, cfg.threshold) for s in a.settings]
    if len({v[0] for v in variants}) != len(variants):
        raise SystemExit("each setting needs a name of its own")
    fw = synthetic_framework(cfg.n_skills, cfg.seed)
    graph = fw.graph()
    structure = _Structure(graph)
    t0 = time.perf_counter()
    if a.pilot > 0:
        tracker, info = pilot_tracker(pilot_log(cfg, a.pilot, process=draw), a.pilot_model)
        driven = f"{info['model']} fitted on a pilot cohort of {a.pilot}"
    else:
        tracker, driven = default_tracker(), "the model the product runs before any fit"
    runs: dict[str, list[LearnerRun]] = {"oracle": []} | {v[0]: [] for v in variants}
    for i in range(cfg.learners):
        seed = cfg.seed * 1_000_003 + i  # the learners of `pathwise simulate` with this seed
        learner = draw(graph, seed)
        runs["oracle"].append(run_learner(Oracle(learner, structure), learner, cfg, structure.codes))
        for name, settings, threshold in variants:
            learner = draw(graph, seed)
            policy = PathwisePolicy(graph, structure, tracker, threshold, settings, f"sim{i}")
            runs[name].append(run_learner(policy, learner, cfg, structure.codes))
        bar = "#" * (30 * (i + 1) // cfg.learners)
        print(f"\r[{bar:<30}] {i + 1}/{cfg.learners} learners", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    rep = summarise(cfg, runs, process_name)
    base = variants[0][0]
    print(f"{cfg.learners} learners of the {process_name} process x {cfg.n_skills} skills, seed {cfg.seed}; "
          f"path driven by {driven} "
          f"({time.perf_counter() - t0:.0f} s)")
    print()
    print(f"| setting | median | / oracle | 95% interval | share after budget | {cfg.delay_days:g} days later "
          f"| flags per learner | paired difference from {base}: median (95% interval) | mean |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _, _ in variants:
        s = rep.stats[name]
        lo, hi = rep.ratio_interval(name, "oracle")
        med, dlo, dhi, mean = rep.difference(name, base)
        print(f"| {name} | {s.median:.0f} | {rep.ratio(name, 'oracle'):.3f} | {lo:.3f}-{hi:.3f} | "
              f"{100 * s.share_at_budget:.1f}% | {100 * s.delayed_share:.1f}% | {s.flags():.2f} "
              f"| {med:+.1f} ({dlo:+.1f} to {dhi:+.1f}) "
              f"| {mean:+.1f} |")
    o = rep.stats["oracle"]
    print(f"| oracle | {o.median:.0f} | 1.000 | | {100 * o.share_at_budget:.1f}% | {100 * o.delayed_share:.1f}% "
          "| | | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
