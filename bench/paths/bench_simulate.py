"""Simulation benchmark of adaptive paths: fixed order vs Pathwise vs an oracle.

Synthetic learners follow a continuous-strength process (logistic answers,
prerequisite-gated learning, exponential forgetting), not the knowledge-tracing
model Pathwise uses online. Prints a Markdown table and checks the targets
(Pathwise <= 0.7x fixed order and <= 1.2x oracle in median opportunities to mastery
of every skill, >= 95% of skills truly mastered after the budget). Exit status 1
when a target is missed.

    .venv/bin/python bench/paths/bench_simulate.py --learners 200 --seed 0
"""

from __future__ import annotations

import argparse
import sys
import time

from pathwise.services.paths import run_simulation


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skills", type=int, default=30)
    ap.add_argument("--budget", type=float, default=20.0, help="opportunities per skill for the share mastered")
    ap.add_argument("--fixed-items", type=int, default=8)
    a = ap.parse_args()
    t0 = time.perf_counter()
    rep = run_simulation(learners=a.learners, seed=a.seed, skills=a.skills, budget_per_skill=a.budget,
                         fixed_items_per_skill=a.fixed_items)
    secs = time.perf_counter() - t0
    cfg = rep["config"]
    budget = round(cfg["budget_per_skill"] * cfg["n_skills"])
    print(f"{cfg['learners']} learners x {cfg['n_skills']} skills, seed {cfg['seed']}, "
          f"fixed order {cfg['fixed_items_per_skill']} items/skill, budget {budget}, cap "
          f"{round(cfg['cap_per_skill'] * cfg['n_skills'])} ({secs:.0f} s)\n")
    print("| policy | opportunities to mastery, median | p90 | not done by cap | share mastered after budget |")
    print("|---|---:|---:|---:|---:|")
    for name, s in rep["policies"].items():
        print(f"| {name} | {s['median']:.0f} | {s['p90']:.0f} | {s['censored']} | {100 * s['share_at_budget']:.1f}% |")
    print()
    r = rep["ratios"]
    share = rep["policies"]["pathwise"]["share_at_budget"]
    checks = [
        ("Pathwise / fixed order (median) <= 0.70", r["pathwise/fixed median"], r["pathwise/fixed median"] <= 0.70),
        ("Pathwise / oracle (median) <= 1.20", r["pathwise/oracle median"], r["pathwise/oracle median"] <= 1.20),
        ("Pathwise share mastered after budget >= 95%", share, share >= 0.95),
    ]
    for text, value, ok in checks:
        print(f"- {text}: {value:.2f} -> {'met' if ok else 'MISSED'}")
    print(f"- (p90 ratios: vs fixed {r['pathwise/fixed p90']:.2f}, vs oracle {r['pathwise/oracle p90']:.2f})")
    return 0 if all(ok for _, _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
