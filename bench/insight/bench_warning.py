"""Early warning in simulation: precision, recall and lead time against truly struggling students.

Classes of simulated students (``engine.simulate_school``: typical, ahead, struggling and
stuck personas) practise a chain of skills for some weeks. Their answers are replayed through
the product's mastery tracker and, on every school day, the early-warning rules
(``engine.insight.early_warning``) run on the evidence up to that evening, as the page would.

"Truly struggling" comes from the simulator's hidden state only, never from the flags' rules:
on day d a student is *behind* when the skills they truly know lag the class median by at least
``--lag`` skills, or when the skill they are working on has not truly been learned after
``--stuck-days`` school days on it. Figures, over the school days after a warm-up:

* day level, at a week's lead: a flag on day d is right when the student is behind on some day
  in [d, d + 7]; precision = right flags / flags, recall = student-days behind within a week
  that were flagged / all such student-days;
* student level: precision = flagged students who are behind within a week of their first
  flag; recall = struggling students flagged no later than their first day behind; lead
  time = days from the first flag to the first day behind (median; negative = late);
* the same for the first five rows of each class's list each day (what a teacher reads first),
  and for the old stuck flags alone (the path's wheel-spinning rule) as a baseline.

    .venv/bin/python bench/insight/bench_warning.py --classes 8 --students 25 --weeks 10 --seed 0
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta

import numpy as np

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.engine.insight.early_warning import Answer, Flag, StudentEvidence, WarningSettings, assess, replay
from pathwise.engine.simulate_school import SimItem, make_students, simulate
from pathwise.services.mastery import default_tracker

START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
THRESHOLD = 0.95
HORIZON = 7  # days: "at a week's lead"
TOP = 5  # the first rows of the list a teacher reads


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


def run_class(cls: int, n_students: int, weeks: int, seed: int, settings: WarningSettings, lag: int,
              stuck_days: int, warmup_days: int) -> list[dict[str, object]]:
    """Per student: the days behind, the days flagged (all flags) and the days with a stuck flag."""
    fw, codes, items = chain(24)
    keys = [f"c{cls}-s{i:02d}" for i in range(n_students)]
    rng = np.random.default_rng([seed, cls])
    start_at = 3
    students = make_students(keys, [start_at] * n_students, personas(keys, rng), codes, seed * 1000 + cls)
    learned: list[tuple[str, str, datetime]] = []
    records = simulate(fw.graph(), codes, items, students, START, weeks, seed * 1000 + cls, learned)
    by_student: dict[str, list] = defaultdict(list)
    for r in records:
        by_student[r.student].append(r)
    learned_at: dict[str, dict[str, datetime]] = defaultdict(dict)
    for key, code, when in learned:
        learned_at[key].setdefault(code, when)
    tracker = default_tracker()
    days = school_days(START.date(), (START + timedelta(weeks=weeks) - timedelta(days=1)).date())
    eval_days = [d for d in days if (d - START.date()).days >= warmup_days]

    def evening(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, 23, 59, tzinfo=UTC)

    # hidden state per day: skills truly known, and the skill being worked on since when
    known_count: dict[str, dict[date, int]] = {}
    stuck_on: dict[str, dict[date, bool]] = {}
    for key in keys:
        recs = by_student[key]
        kc: dict[date, int] = {}
        so: dict[date, bool] = {}
        for d in days:
            ev = evening(d)
            kc[d] = sum(1 for c in codes if learned_at[key].get(c, ev + timedelta(days=1)) <= ev)
            done = [r for r in recs if r.timestamp <= ev]
            # the skill worked on now: the newest answer's (placement answers come first, on day one)
            if not done or d == days[0]:
                so[d] = False
                continue
            cur = done[-1].skill_codes[0]
            began = done[-1].timestamp
            for r in reversed(done):
                if r.skill_codes[0] != cur:
                    break
                began = r.timestamp
            learned_when = learned_at[key].get(cur)
            on_it = len(school_days(began.date(), d)) - 1
            so[d] = (learned_when is None or learned_when > ev) and on_it >= stuck_days
        known_count[key] = kc
        stuck_on[key] = so
    median = {d: statistics.median(known_count[k][d] for k in keys) for d in days}
    behind = {k: {d for d in days if known_count[k][d] <= median[d] - lag or stuck_on[k][d]} for k in keys}

    out: list[dict[str, object]] = []
    for key, st in zip(keys, students, strict=True):
        evs = [Evidence(f"{key}-{r.seq}", key, EvidenceKind.ANSWER, r.skill_codes, 1.0 if r.correct else 0.0,
                        r.timestamp, r.item_id, data={"hints_used": r.hints, "hints_total": 3})
               for r in by_student[key]]
        answers: tuple[Answer, ...] = replay(tracker, evs)
        student = StudentEvidence(key, answers)
        flagged: set[date] = set()
        stuck_flag: set[date] = set()
        urgency: dict[date, float] = {}
        for d in eval_days:
            row = assess(student, THRESHOLD, evening(d), settings)
            if row.reasons:
                flagged.add(d)
                urgency[d] = row.urgency
            if Flag.WHEEL_SPINNING in row.flags:
                stuck_flag.add(d)
        out.append({"key": key, "cls": cls, "persona": st.persona, "behind": behind[key], "flagged": flagged,
                    "stuck": stuck_flag, "urgency": urgency, "eval_days": eval_days})
    # the list's top: the TOP most urgent students of the class each day
    for d in eval_days:
        ranked = sorted((r for r in out if d in r["urgency"]), key=lambda r: -r["urgency"][d])  # type: ignore[index]
        for r in ranked[:TOP]:
            r.setdefault("top", set()).add(d)  # type: ignore[union-attr]
    for r in out:
        r.setdefault("top", set())
    return out


def scores(rows: list[dict[str, object]], which: str) -> dict[str, float]:
    tp = fp = fn = 0
    s_flagged = s_right = s_struggling = s_caught = s_ever = 0
    leads: list[int] = []
    for row in rows:
        eval_days: list[date] = row["eval_days"]  # type: ignore[assignment]
        behind: set[date] = row["behind"]  # type: ignore[assignment]
        flags: set[date] = row[which]  # type: ignore[assignment]
        last = eval_days[-1]

        def soon(d: date, behind: set[date] = behind) -> bool:
            return any(d <= b <= d + timedelta(days=HORIZON) for b in behind)

        for d in eval_days:
            if d + timedelta(days=HORIZON) > last:
                continue  # the week after is not simulated
            truth = soon(d)
            if d in flags:
                tp += truth
                fp += not truth
            elif truth:
                fn += 1
        first_flag = min(flags) if flags else None
        first_behind = min((b for b in behind if b >= eval_days[0]), default=None)
        if first_flag is not None and first_flag + timedelta(days=HORIZON) <= last:
            s_flagged += 1
            s_right += soon(first_flag)
        if first_behind is not None:
            s_struggling += 1
            if first_flag is not None:
                s_ever += 1
                leads.append((first_behind - first_flag).days)
                s_caught += first_flag <= first_behind
    return {"precision": tp / (tp + fp) if tp + fp else float("nan"),
            "recall": tp / (tp + fn) if tp + fn else float("nan"),
            "s_precision": s_right / s_flagged if s_flagged else float("nan"),
            "s_recall": s_caught / s_struggling if s_struggling else float("nan"),
            "s_ever": s_ever / s_struggling if s_struggling else float("nan"),
            "lead": statistics.median(leads) if leads else float("nan"),
            "flagged_share": sum(1 for r in rows if r[which]) / len(rows),
            "struggling": s_struggling, "students": len(rows)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--classes", type=int, default=8)
    ap.add_argument("--students", type=int, default=25)
    ap.add_argument("--weeks", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--lag", type=int, default=3, help="skills behind the class median that count as behind")
    ap.add_argument("--stuck-days", type=int, default=5, help="school days on a skill not truly learned")
    ap.add_argument("--warmup", type=int, default=14, help="days before flags are scored")
    a = ap.parse_args()
    settings = WarningSettings()
    t0 = time.perf_counter()
    rows: list[dict[str, object]] = []
    for c in range(a.classes):
        rows.extend(run_class(c, a.students, a.weeks, a.seed, settings, a.lag, a.stuck_days, a.warmup))
    secs = time.perf_counter() - t0
    print(f"{a.classes} classes x {a.students} students, {a.weeks} weeks, seed {a.seed}; behind = "
          f">= {a.lag} skills under the class median or {a.stuck_days} school days on a skill not learned "
          f"({secs:.0f} s)\n")
    print("| flags | precision (day, 1-week lead) | recall (day, 1-week lead) | student precision | "
          "student recall (flag by first day behind) | flagged ever | median lead, days | students flagged |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    show: Callable[[float], str] = lambda x: "n/a" if x != x else f"{x:.2f}"  # noqa: E731
    for name, which in (("early warning, every row", "flagged"), (f"early warning, the {TOP} most urgent rows", "top"),
                        ("stuck flags only (baseline)", "stuck")):
        s = scores(rows, which)
        print(f"| {name} | {show(s['precision'])} | {show(s['recall'])} | {show(s['s_precision'])} | "
              f"{show(s['s_recall'])} | {show(s['s_ever'])} | {show(s['lead'])} | {100 * s['flagged_share']:.0f}% |")
    s = scores(rows, "flagged")
    print(f"\n{s['struggling']} of {s['students']} students truly behind at some point after the warm-up.")
    by_persona: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        p = by_persona[str(r["persona"])]
        p[0] += 1
        p[1] += bool(r["behind"])
        p[2] += bool(r["flagged"])
    print("persona: students / ever behind / ever flagged: " + "; ".join(
        f"{k} {v[0]}/{v[1]}/{v[2]}" for k, v in sorted(by_persona.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
