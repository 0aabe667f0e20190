"""Flexible groups in simulation: are suggested groups homogeneous in need?

Simulated classes (``engine.simulate_school``: the demo framework and items, 25 students with
the demo's mix of personas, each class starting at one unit, six weeks of practice); the
answers go through the real mastery model (``services.mastery.replay_learner`` with the
default tracker) and the groups are suggested by ``engine.insight.groups`` from those
estimates alone. Each member is then checked against the simulator's hidden state at the
end of the term:

* a "ready" group's member matches when they truly know a skill of every prerequisite group
  of the skill and truly do not know the skill;
* a "stuck" group's member matches when they truly do not know the skill.

The baseline: random groups of the same sizes on the same skills and needs (members drawn
from the class without replacement, like the suggestions). Several seeds; the median and the
spread (25th-75th percentile) of the share of members matching.

    .venv/bin/python bench/insight/bench_groups.py --seeds 10
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from pathwise.domain.content import Item
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, SkillGraph
from pathwise.engine.insight.groups import GroupNeed, GroupSettings, StudentEvidence, SuggestedGroup, suggest_groups
from pathwise.engine.simulate_school import SimRecord, make_students, sim_items, simulate
from pathwise.interop.demo import framework as demo_case
from pathwise.services.access import Actor
from pathwise.services.demo_data import load_activities, load_items
from pathwise.services.frameworks import import_framework
from pathwise.services.mastery import default_tracker, replay_learner
from pathwise.store.uow import Database

THRESHOLD = 0.95
PERSONAS = {"ahead": 2, "stuck": 2, "struggling": 3}


def demo_framework() -> Framework:
    """The demo framework, through the CASE importer (in a throw-away database)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'fw.db'}")
        db.upgrade()
        with db.uow() as uow:
            res = import_framework(uow, Actor.system("bench"), demo_case(), mastery_threshold=THRESHOLD)
            fw = uow.frameworks.get(res.framework_id)
        db.dispose()
    assert fw is not None
    return fw


def matches(graph: SkillGraph, g: SuggestedGroup, known: set[str], member: str) -> bool:
    if g.need == GroupNeed.READY:
        return g.skill_code not in known and graph.is_ready(g.skill_code, known)
    return g.skill_code not in known


def one_class(fw: Framework, items: list[Item], acts: tuple, seed: int, size: int, weeks: int,
              draws: int, settings: GroupSettings, by_need: dict[str, list[int]]) -> tuple[float, float, int, int]:
    graph = fw.graph()
    ordered = sorted(fw.skills, key=lambda s: s.position)
    sequence = [s.code for s in ordered]
    unit_start: dict[str | None, int] = {}
    for i, s in enumerate(ordered):
        unit_start.setdefault(s.unit, i)
    starts_by_unit = sorted(set(unit_start.values()))
    rng = np.random.default_rng([seed, 99])
    start = starts_by_unit[int(rng.integers(0, min(3, len(starts_by_unit))))]
    keys = [f"s{i:02d}" for i in range(size)]
    personas: dict[str, str] = {}
    shuffled = list(rng.permutation(keys))
    for persona, n in PERSONAS.items():
        for _ in range(n):
            personas[shuffled.pop()] = persona
    students = make_students(keys, [start] * size, personas, sequence, seed)
    begin = datetime(2026, 9, 7, tzinfo=UTC)
    learned: list[tuple[str, str, datetime]] = []
    records: list[SimRecord] = simulate(graph, sequence, sim_items(items), students, begin, weeks, seed, learned)
    known: dict[str, set[str]] = {k: set() for k in keys}
    for who, code, _ in learned:
        known[who].add(code)
    tracker = default_tracker()
    by_student: dict[str, list[Evidence]] = {k: [] for k in keys}
    for r in records:
        by_student[r.student].append(Evidence(str(uuid.uuid4()), r.student, EvidenceKind.ANSWER, r.skill_codes,
                                              1.0 if r.correct else 0.0, r.timestamp, r.item_id))
    evidence: list[StudentEvidence] = []
    for k in keys:
        _, rows = replay_learner(tracker, by_student[k])
        p = {c: float(v["p_mastery"]) for c, v in rows.items()}
        n = {c: int(v["n_evidence"]) for c, v in rows.items()}
        evidence.append(StudentEvidence(k, frozenset(c for c, x in p.items() if x >= THRESHOLD), p, n))
    groups = suggest_groups(graph, evidence, THRESHOLD, acts, settings)
    members = sum(len(g.learner_ids) for g in groups)
    if not members:
        return float("nan"), float("nan"), 0, 0
    hit = sum(matches(graph, g, known[m], m) for g in groups for m in g.learner_ids)
    for g in groups:
        tally = by_need.setdefault(g.need.value, [0, 0])
        tally[0] += sum(matches(graph, g, known[m], m) for m in g.learner_ids)
        tally[1] += len(g.learner_ids)
    rand_hits = 0
    for _ in range(draws):
        pool = list(rng.permutation(keys))
        for g in groups:
            chosen = [pool.pop() for _ in g.learner_ids]
            rand_hits += sum(matches(graph, g, known[m], m) for m in chosen)
    return hit / members, rand_hits / (members * draws), len(groups), members


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--students", type=int, default=25)
    ap.add_argument("--weeks", type=int, default=6)
    ap.add_argument("--draws", type=int, default=200, help="random groupings per class")
    ap.add_argument("--min-size", type=int, default=3)
    ap.add_argument("--max-size", type=int, default=6)
    ap.add_argument("--min-evidence", type=int, default=GroupSettings().min_evidence,
                    help="answers on a skill before 'getting there' counts as stuck")
    args = ap.parse_args()
    t0 = time.perf_counter()
    fw = demo_framework()
    parsed = load_items()
    items = [item for item, _, _ in parsed.items]
    acts = load_activities(fw, items)
    settings = GroupSettings(min_size=args.min_size, max_size=args.max_size, min_evidence=args.min_evidence)
    ours: list[float] = []
    rand: list[float] = []
    by_need: dict[str, list[int]] = {}
    for seed in range(1, args.seeds + 1):
        a, b, n_groups, n_members = one_class(fw, items, acts, seed, args.students, args.weeks, args.draws, settings, by_need)
        print(f"seed {seed:2d}: {n_groups} groups, {n_members} of {args.students} students grouped; "
              f"matching need: suggested {a:.2f}, random {b:.2f}")
        if n_members:
            ours.append(a)
            rand.append(b)

    def summary(xs: list[float]) -> str:
        q = np.percentile(xs, [25, 50, 75])
        return f"median {q[1]:.2f} (25-75%: {q[0]:.2f}-{q[2]:.2f})"

    print(f"suggested groups: {summary(ours)}")
    print(f"random groups of the same sizes: {summary(rand)}")
    for need, (hits, total) in sorted(by_need.items()):
        print(f"  {need} groups: {hits} of {total} members match ({hits / total:.2f})")
    print(f"suggested better than random in {sum(a > b for a, b in zip(ours, rand))} of {len(ours)} classes; "
          f"mean gain {statistics.fmean(a - b for a, b in zip(ours, rand)):+.2f}")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
