"""Project teams on simulated classes: do the teams mix levels at least as much as random teams,
and how many students sit on an interest they have?

Each simulated class has 18 to 32 students; a student's level (the share of the class's skills
mastered) is drawn from Beta(2, 2) (most students in the middle, a few far ahead or behind), and
zero to three interests from the topics in ``domain.profile`` with a popularity skew (the first
topics liked more often, a tenth of students with none recorded). Teams are suggested by
``engine.insight.teams`` (sizes 3 to 5 by default); random teams of the very same sizes are drawn
many times per class as the baseline. Prints, over all classes:

* the mean level spread of a team (highest minus lowest level), ours and random;
* the share of classes where ours is at least random's mean;
* the share of students in a team whose interest they have, ours and random (for random teams,
  a team's interest is the one most of its members share);
* the milliseconds to suggest one class's teams (median).

    .venv/bin/python bench/insight/bench_teams.py --classes 300 --seed 1
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from pathwise.domain.profile import INTEREST_TOPICS  # noqa: E402
from pathwise.engine.insight.teams import TeamSettings, TeamStudent, level_spread, suggest_teams  # noqa: E402


def simulated_class(rng: random.Random, i: int) -> list[TeamStudent]:
    weights = [1.0 / (k + 1) for k in range(len(INTEREST_TOPICS))]
    out = []
    for s in range(rng.randint(18, 32)):
        k = 0 if rng.random() < 0.1 else rng.randint(1, 3)
        likes = set()
        while len(likes) < k:
            likes.add(rng.choices(INTEREST_TOPICS, weights)[0])
        out.append(TeamStudent(f"c{i}-s{s:02d}", rng.betavariate(2, 2), frozenset(likes)))
    return out


def _on_interest(teams: list[list[TeamStudent]], topics: list[str | None]) -> int:
    return sum(1 for team, topic in zip(teams, topics) for s in team if topic is not None and topic in s.interests)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--classes", type=int, default=300)
    ap.add_argument("--random-draws", type=int, default=50)
    ap.add_argument("--min-size", type=int, default=3)
    ap.add_argument("--max-size", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    cfg = TeamSettings(args.min_size, args.max_size)
    ours_spread, rand_spread, wins, ms = [], [], 0, []
    ours_on, rand_on, total, rand_total = 0, 0, 0, 0
    for c in range(args.classes):
        students = simulated_class(rng, c)
        t0 = time.perf_counter()
        teams = suggest_teams(students, cfg)
        ms.append((time.perf_counter() - t0) * 1000)
        mean_ours = statistics.fmean(t.spread for t in teams)
        ours_spread.append(mean_ours)
        by_id = {s.id: s for s in students}
        ours_on += _on_interest([[by_id[i] for i in t.ids] for t in teams], [t.interest for t in teams])
        total += len(students)
        sizes = [len(t.members) for t in teams]
        draws = []
        for _ in range(args.random_draws):
            order = list(students)
            rng.shuffle(order)
            at, groups = 0, []
            for size in sizes:
                groups.append(order[at:at + size])
                at += size
            draws.append(statistics.fmean(level_spread([s.level for s in g]) for g in groups))
            topics = []
            for g in groups:
                common = Counter(x for s in g for x in s.interests).most_common(1)
                topics.append(common[0][0] if common and common[0][1] >= 2 else None)
            rand_on += _on_interest(groups, topics)
            rand_total += len(students)
        rand_spread.append(statistics.fmean(draws))
        wins += mean_ours >= statistics.fmean(draws)
    print(f"classes: {args.classes}, team sizes {cfg.min_size}-{cfg.max_size}, random draws per class: "
          f"{args.random_draws}")
    print(f"mean level spread of a team: ours {statistics.fmean(ours_spread):.3f}, "
          f"random {statistics.fmean(rand_spread):.3f}")
    print(f"classes where ours >= random's mean: {wins / args.classes:.1%}")
    print(f"students in a team whose interest they have: ours {ours_on / total:.1%}, random {rand_on / rand_total:.1%}")
    print(f"suggesting one class's teams: median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms")


if __name__ == "__main__":
    main()
