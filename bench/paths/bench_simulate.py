"""Simulation benchmark of adaptive paths: fixed order vs Pathwise vs an oracle.

Synthetic learners follow a learner process that is not the knowledge-tracing model
Pathwise uses online: by default ``strength`` (continuous strengths, logistic answers,
prerequisite-gated learning, exponential forgetting), with ``--process traces`` memory
traces with power-law forgetting and a spacing effect, or a process of your own
(``path/to/file.py:draw``, the protocol in ``engine/learners.py``). Pathwise runs twice on the same learners: with the
model the product runs before any fit (``pathwise``) and with that model fitted by
the product's fit on a pilot cohort (``pathwise-fit``): other learners of the same
population, with seeds of their own, who worked through Pathwise's path first; only
their logged answers are fitted. Prints a Markdown table and checks the targets
for both (at most 0.6x the fixed order's median opportunities to mastery of every skill,
and a larger share still truly mastered 30 days after the budget than the fixed order's:
the delayed test); the oracle ratio and the share after the budget are information. Each
ratio comes with a 95% paired bootstrap interval over the learners drawn. Exit status 1
when the fitted Pathwise misses a target. ``--late 0,1,2,3`` adds a diagnostic: the
same path on the hidden truth read k items late (no real model can do that; it shows
what a near-perfect estimate would give).

    .venv/bin/python bench/paths/bench_simulate.py --learners 200 --seed 0 --process traces
"""

from __future__ import annotations

import argparse
import sys
import time

from dataclasses import replace

from pathwise.engine.simulate import summarise
from pathwise.services.simulation import simulate_report


def seeds_of(text: str) -> list[int]:
    """``3``, ``0-2`` or ``0,4,7``."""
    out: list[int] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, sep, hi = part.partition("-")
        out.extend(range(int(lo), int(hi) + 1) if sep else [int(lo)])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--seed", default="0", help="a seed, or several (0-2, or 0,4,7): each is run and reported, "
                                                "then the learners of all of them pooled, each paired with itself")
    ap.add_argument("--skills", type=int, default=30)
    ap.add_argument("--budget", type=float, default=20.0, help="opportunities per skill for the share mastered")
    ap.add_argument("--fixed-items", type=int, default=8)
    ap.add_argument("--pilot", type=int, default=200, help="learners in the pilot cohort (0: no fitted run)")
    ap.add_argument("--pilot-model", default="lr-plus",
                    help="the predictor fitted (with the mastery model) on the pilot cohort")
    ap.add_argument("--process", default="strength", help="the learner process: strength, traces, or "
                                                          "path/to/file.py:draw (as `pathwise simulate --learners-from`)")
    ap.add_argument("--late", default="", help="diagnostic: comma-separated delays k; adds pathwise-late<k>, the "
                                               "path on the hidden truth read k items late")
    a = ap.parse_args()
    late = [int(x) for x in a.late.split(",") if x.strip()]
    seeds = seeds_of(a.seed)
    reports = []
    verdict = 0
    for seed in seeds:
        t0 = time.perf_counter()
        report, info = simulate_report(learners=a.learners, seed=seed, skills=a.skills, budget_per_skill=a.budget,
                                       fixed_items_per_skill=a.fixed_items, pilot=a.pilot,
                                       pilot_model=a.pilot_model, late=late, learners_from=a.process)
        reports.append(report)
        rep = report.to_dict() | ({"pilot": info} if info else {})
        verdict = show(rep, time.perf_counter() - t0)
    if len(seeds) > 1:
        first = reports[0]
        runs = {p: [r for rep in reports for r in rep.stats[p].runs] for p in first.stats}
        pooled = summarise(replace(first.config, learners=len(runs["fixed"])), runs, first.process)
        print(f"## Seeds {a.seed} pooled: {len(runs['fixed'])} learners, each paired with itself across policies\n")
        verdict = show(pooled.to_dict(), 0.0, pooled=True)
    return verdict


def show(rep: dict, secs: float, pooled: bool = False) -> int:
    """Print one report's tables and the targets; 1 when the fitted Pathwise misses one."""
    cfg = rep["config"]
    budget = round(cfg["budget_per_skill"] * cfg["n_skills"])
    if not pooled:
        print(f"## {cfg['learners']} learners of the {rep['process']} process x {cfg['n_skills']} skills, "
              f"seed {cfg['seed']}, fixed order {cfg['fixed_items_per_skill']} items/skill, budget {budget}, cap "
              f"{round(cfg['cap_per_skill'] * cfg['n_skills'])} ({secs:.0f} s)\n")
    pilot = rep.get("pilot")
    if pilot:
        params = pilot.get("median_params")
        print(f"pilot cohort: {pilot['learners']} other learners, {pilot['rows']} answers on Pathwise's path; "
              f"{pilot['model']} fitted in {pilot['fit_seconds']:.2f} s"
              + (f"; mastery model's median p_init {params['p_init']}, p_learn {params['p_learn']}, "
                 f"p_guess {params['p_guess']}, p_slip {params['p_slip']}, p_lose {params.get('p_lose')}"
                 if params else "")
              + (f", pace spread {pilot['pace_spread']}" if pilot.get("pace_spread") is not None else "")
              + (f"; {len(pilot['fallback_skills'])} skills left at the defaults" if pilot["fallback_skills"] else ""))
    print()
    print("| policy | opportunities to mastery, median | p90 | not done by cap | share mastered after budget "
          f"| still mastered {cfg['delay_days']:g} days later |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, s in rep["policies"].items():
        print(f"| {name} | {s['median']:.0f} | {s['p90']:.0f} | {s['censored']} | {100 * s['share_at_budget']:.1f}% "
              f"| {100 * s['delayed_share']:.1f}% |")
    print()
    spent = {n: s["spent"] for n, s in rep["policies"].items() if s.get("spent")}
    if spent:
        kinds = sorted({k for v in spent.values() for k in v})
        print("Where Pathwise's opportunities until mastery go (mean per learner; \"truly\" is the hidden state "
              "before the item):\n")
        print("| served | " + " | ".join(spent) + " |")
        print("|---|" + "---:|" * len(spent))
        for k in kinds:
            print(f"| {k} | " + " | ".join(f"{v.get(k, 0.0):.1f}" for v in spent.values()) + " |")
        print()
    flags = {n: s["flags"] for n, s in rep["policies"].items() if n.startswith("pathwise")}
    if flags:
        print("Wheel-spinning flags raised per learner until mastery (mean): "
              + ", ".join(f"{n} {v:.2f}" for n, v in flags.items()))
        print()
    r = rep["ratios"]
    ci = rep["ratio_intervals"]
    verdict = True
    oracle = rep["policies"].get("oracle")
    for name, s in rep["policies"].items():
        if name.startswith("pathwise-late") and oracle:
            print(f"- (diagnostic {name} / oracle (median): {s['median'] / oracle['median']:.3f})")
    for who in ("pathwise", "pathwise-fit"):
        if who not in rep["policies"]:
            continue
        share = rep["policies"][who]["share_at_budget"]
        delayed = rep["policies"][who]["delayed_share"]
        fixed_delayed = rep["policies"]["fixed"]["delayed_share"]
        checks = [
            (f"{who} / fixed order (median) <= 0.60", r[f"{who}/fixed median"], r[f"{who}/fixed median"] <= 0.60),
            (f"{who} delayed test > fixed order's ({100 * fixed_delayed:.1f}%)", delayed, delayed > fixed_delayed),
        ]
        keys = (f"{who}/fixed median", None)
        for (text, value, ok), key in zip(checks, keys, strict=True):
            span = f" (95% interval over learners {ci[key][0]:.3f}-{ci[key][1]:.3f})" if key else ""
            print(f"- {text}: {value:.3f}{span} -> {'met' if ok else 'MISSED'}")
        lo, hi = ci[f"{who}/oracle median"]
        print(f"- ({who} / oracle (median): {r[f'{who}/oracle median']:.3f}, interval {lo:.3f}-{hi:.3f}; "
              f"share mastered after budget {100 * share:.1f}%; p90 ratios: vs fixed {r[f'{who}/fixed p90']:.2f}, "
              f"vs oracle {r[f'{who}/oracle p90']:.2f})")
        if who == "pathwise-fit" or "pathwise-fit" not in rep["policies"]:
            verdict = all(ok for _, _, ok in checks)
    print()
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
