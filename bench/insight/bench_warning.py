"""Early warning in simulation: precision, recall and lead time against truly struggling students.

Classes of simulated students (``engine.simulate_school``: typical, ahead, struggling and
stuck personas) practise a chain of skills for some weeks. Their answers are replayed through
the product's mastery tracker and, on every school day, the early-warning rules
(``engine.insight.early_warning.rank``, the whole class at once) run on the evidence up to that
evening, as the "Who needs attention" page runs them.

*Truly struggling* comes from the simulator's hidden state only, never from the flags' rules: on
day d a student is struggling when the skills they truly know lag the class median by at least
``--lag`` skills, or when the skill they are on (their place in the class sequence) has not truly
been learned after ``--stuck-days`` school days on it. Figures, over the school days after a
warm-up:

* **at t**: a flag on day d is right when the student is struggling on day d; recall = struggling
  student-days that carried a flag / all struggling student-days;
* **a week ahead**: a flag on day d is right when the student is struggling on day d + 7, whatever
  they were on day d; recall = student-days struggling a week later that were flagged a week
  before / all of them (days whose d + 7 is past the term are left out);
* **onsets**: the first day of a spell of struggling that follows at least five school days
  without it; *flagged ahead* = a flag on one of the 7 days before it, *by the day* = on one of
  the 7 days before it or on it; lead = the onset minus the first flag in the 7 days before it
  up to 7 days after it (median, negative = late; onsets with no flag in that fortnight are
  left out of the median and counted as missed);
* the same for the five most urgent rows of each class's list each day (what a teacher reads
  first) and, as a baseline, the wheel-spinning flag alone (the path's stuck rule).

    .venv/bin/python bench/insight/bench_warning.py --seeds 4-8
    .venv/bin/python bench/insight/bench_warning.py --seeds 4-8 --classes 4 --students 40 --weeks 6
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

import numpy as np

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.engine.insight.early_warning import Flag, StudentEvidence, WarningSettings, rank, replay
from pathwise.engine.simulate_school import SimItem, make_students, simulate
from pathwise.services.mastery import default_tracker

START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
THRESHOLD = 0.95
HORIZON = 7  # days: "a week ahead"
TOP = 5  # the first rows of the list a teacher reads
CALM = 5  # school days without struggling before a spell counts as a new onset


def chain(n: int) -> tuple[Framework, list[str], dict[str, list[SimItem]]]:
    """A chain of ``n`` skills, each needing the one before, four items each."""
    codes = [f"s{i:02d}" for i in range(n)]
    skills = tuple(Skill(c, f"Skill {i}", "u", prerequisites=(frozenset({codes[i - 1]}),) if i else (), position=i)
                   for i, c in enumerate(codes))
    fw = Framework("fw-bench", "Bench chain", units=(Unit("u", "Unit", 0),), skills=skills,
                   mastery_threshold=THRESHOLD)
    items = {c: [SimItem(f"{c}-i{k}", (c,), difficulty=(k - 1.5) / 2, guess=0.2 if k % 2 else 0.1)
                 for k in range(4)] for c in codes}
    return fw, codes, items


def personas(keys: Sequence[str], rng: np.random.Generator) -> dict[str, str]:
    """About the demo's mix: a fifth struggling or stuck each, a few ahead."""
    out: dict[str, str] = {}
    for k in keys:
        r = rng.random()
        out[k] = "struggling" if r < 0.15 else "stuck" if r < 0.3 else "ahead" if r < 0.4 else "typical"
    return out


def school_days(first: date, last: date) -> list[date]:
    d, out = first, []
    while d <= last:
        if d.weekday() < 5:
            out.append(d)
        d += timedelta(days=1)
    return out


def evening(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, 23, 59, tzinfo=UTC)


@dataclass
class StudentDays:
    key: str
    persona: str
    struggling: set[date]  # hidden state, every school day of the term
    flags: dict[str, set[date]] = field(default_factory=lambda: defaultdict(set))  # which -> days flagged
    by_flag: dict[Flag, set[date]] = field(default_factory=lambda: defaultdict(set))


def truly_struggling(keys: Sequence[str], records: dict[str, list], learned_at: dict[str, dict[str, datetime]],
                     codes: Sequence[str], days: Sequence[date], lag: int, stuck_days: int) -> dict[str, set[date]]:
    """The hidden-state truth: the school days each student is struggling (see the module's doc)."""
    known: dict[str, dict[date, int]] = {}
    stuck: dict[str, set[date]] = {}
    for key in keys:
        recs = records[key]
        known[key] = {d: sum(1 for c in codes if learned_at[key].get(c, evening(d) + timedelta(days=1)) <= evening(d))
                      for d in days}
        stuck[key] = set()
        for d in days[1:]:  # day one is the placement check
            done = [r for r in recs if r.timestamp <= evening(d)]
            if not done:
                continue
            cur = done[-1].skill_codes[0]  # the place in the sequence: the newest answer's skill
            began = done[-1].timestamp
            for r in reversed(done):
                if r.skill_codes[0] != cur:
                    break
                began = r.timestamp
            learned_when = learned_at[key].get(cur)
            if (learned_when is None or learned_when > evening(d)) and len(school_days(began.date(), d)) - 1 >= stuck_days:
                stuck[key].add(d)
    median = {d: statistics.median(known[k][d] for k in keys) for d in days}
    return {k: {d for d in days if known[k][d] <= median[d] - lag} | stuck[k] for k in keys}


def run_class(cls: int, n_students: int, weeks: int, seed: int, settings: WarningSettings, lag: int,
              stuck_days: int, warmup_days: int) -> tuple[list[StudentDays], list[date]]:
    fw, codes, items = chain(24)
    keys = [f"c{cls}-s{i:02d}" for i in range(n_students)]
    rng = np.random.default_rng([seed, cls])
    students = make_students(keys, [3] * n_students, personas(keys, rng), codes, seed * 1000 + cls)
    learned: list[tuple[str, str, datetime]] = []
    records = simulate(fw.graph(), codes, items, students, START, weeks, seed * 1000 + cls, learned)
    by_student: dict[str, list] = defaultdict(list)
    for r in records:
        by_student[r.student].append(r)
    learned_at: dict[str, dict[str, datetime]] = defaultdict(dict)
    for key, code, when in learned:
        learned_at[key].setdefault(code, when)
    days = school_days(START.date(), (START + timedelta(weeks=weeks) - timedelta(days=1)).date())
    eval_days = [d for d in days if (d - START.date()).days >= warmup_days]
    truth = truly_struggling(keys, by_student, learned_at, codes, days, lag, stuck_days)

    tracker = default_tracker()
    evidence = []
    for key in keys:
        evs = [Evidence(f"{key}-{r.seq}", key, EvidenceKind.ANSWER, r.skill_codes, 1.0 if r.correct else 0.0,
                        r.timestamp, r.item_id, data={"hints_used": r.hints, "hints_total": 3})
               for r in by_student[key]]
        evidence.append(StudentEvidence(key, replay(tracker, evs)))
    out = {st.key: StudentDays(st.key, st.persona, truth[st.key]) for st in students}
    for d in eval_days:
        rows = rank(evidence, THRESHOLD, evening(d), settings)  # flagged rows, most urgent first
        for i, row in enumerate(rows):
            sd = out[row.learner_id]
            sd.flags["all"].add(d)
            if i < TOP:
                sd.flags["top"].add(d)
            if Flag.WHEEL_SPINNING in row.flags:
                sd.flags["spinning"].add(d)
            for f in row.flags:
                sd.by_flag[f].add(d)
    return list(out.values()), eval_days


def nan_median(xs: list[int]) -> float:
    return float(statistics.median(xs)) if xs else float("nan")


def scores(rows: list[StudentDays], eval_days: list[date], flagged: dict[str, set[date]]) -> dict[str, float]:
    """``flagged``: student -> days flagged."""
    c: Counter[tuple[str, bool, bool]] = Counter()
    last = eval_days[-1]
    onsets = ahead = by_day = 0
    leads: list[int] = []
    for r in rows:
        fl = flagged[r.key]
        for d in eval_days:
            f = d in fl
            c[("now", d in r.struggling, f)] += 1
            if d + timedelta(days=HORIZON) <= last:
                c[("week", d + timedelta(days=HORIZON) in r.struggling, f)] += 1
        for o in eval_days:
            if o < eval_days[0] + timedelta(days=HORIZON) or o not in r.struggling:
                continue
            before = [d for d in eval_days if d < o][-CALM:]
            if len(before) < CALM or any(d in r.struggling for d in before):
                continue
            onsets += 1
            near = sorted(d for d in fl if o - timedelta(days=HORIZON) <= d <= o + timedelta(days=HORIZON))
            ahead += any(d < o for d in near)
            by_day += any(d <= o for d in near)
            if near:
                leads.append((o - near[0]).days)
    out: dict[str, float] = {}
    for h in ("now", "week"):
        tp, fp, fn = c[(h, True, True)], c[(h, False, True)], c[(h, True, False)]
        out[f"p_{h}"] = tp / (tp + fp) if tp + fp else float("nan")
        out[f"r_{h}"] = tp / (tp + fn) if tp + fn else float("nan")
    out["base"] = (c[("now", True, True)] + c[("now", True, False)]) / max(1, sum(v for k, v in c.items() if k[0] == "now"))
    out["flag_share"] = (c[("now", True, True)] + c[("now", False, True)]) / max(1, sum(v for k, v in c.items() if k[0] == "now"))
    out["onsets"] = onsets
    out["ahead"] = ahead / onsets if onsets else float("nan")
    out["by_day"] = by_day / onsets if onsets else float("nan")
    out["lead"] = nan_median(leads)
    return out


def seeds_of(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b) + 1) if b else [int(a)])
    return out


def show(x: float) -> str:
    return "n/a" if x != x else f"{x:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--classes", type=int, default=8)
    ap.add_argument("--students", type=int, default=25)
    ap.add_argument("--weeks", type=int, default=10)
    ap.add_argument("--seeds", default="1-3", help="e.g. 1-3 or 4,5,6")
    ap.add_argument("--lag", type=int, default=3, help="skills behind the class median that count as struggling")
    ap.add_argument("--stuck-days", type=int, default=5, help="school days on a skill not truly learned")
    ap.add_argument("--warmup", type=int, default=14, help="days before flags are scored")
    ap.add_argument("--by-flag", action="store_true", help="also print each flag's precision a week ahead")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="change one of the rules' settings (WarningSettings), e.g. behind_skills=3")
    a = ap.parse_args()
    changes: dict[str, float] = {}
    for item in a.set:
        name, _, value = item.partition("=")
        changes[name] = int(value) if value.isdigit() else float(value)
    settings = replace(WarningSettings(), **changes)  # type: ignore[arg-type]
    print(f"{a.classes} classes x {a.students} students, {a.weeks} weeks{'; ' if changes else ''}"
          f"{', '.join(f'{k}={v}' for k, v in changes.items())}; struggling = >= {a.lag} skills under "
          f"the class median or {a.stuck_days} school days on a skill not learned; scored after {a.warmup} days\n")
    print("| seed | rows | precision at t | recall at t | precision a week ahead | recall a week ahead | "
          "onsets | flagged ahead | flagged by the day | median lead (days) | student-days struggling | flagged |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    per_flag: Counter[tuple[str, bool]] = Counter()
    t0 = time.perf_counter()
    for seed in seeds_of(a.seeds):
        rows: list[StudentDays] = []
        eval_days: list[date] = []
        for c in range(a.classes):
            r, eval_days = run_class(c, a.students, a.weeks, seed, settings, a.lag, a.stuck_days, a.warmup)
            rows.extend(r)
        for name, which in (("every row", "all"), (f"top {TOP}", "top"), ("spinning only", "spinning")):
            s = scores(rows, eval_days, {r.key: r.flags[which] for r in rows})
            print(f"| {seed} | {name} | {show(s['p_now'])} | {show(s['r_now'])} | {show(s['p_week'])} | "
                  f"{show(s['r_week'])} | {s['onsets']:.0f} | {show(s['ahead'])} | {show(s['by_day'])} | "
                  f"{show(s['lead'])} | {100 * s['base']:.0f}% | {100 * s['flag_share']:.0f}% |")
        last = eval_days[-1]
        for r in rows:
            for f, ds in r.by_flag.items():
                for d in ds:
                    if d + timedelta(days=HORIZON) <= last:
                        per_flag[(f.value, d + timedelta(days=HORIZON) in r.struggling)] += 1
    if a.by_flag:
        print("\nflag: flag-days / precision a week ahead: " + "; ".join(
            f"{f.value} {per_flag[(f.value, True)] + per_flag[(f.value, False)]} / "
            f"{show(per_flag[(f.value, True)] / max(1, per_flag[(f.value, True)] + per_flag[(f.value, False)]))}"
            for f in Flag))
    print(f"\n({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
