"""Goal forecasts in simulation: how often the completion day falls inside the 80% range, and how far
the likely day is from it.

Classes of simulated students (``engine.simulate_school``: typical, ahead, struggling and stuck
personas, each with their own ability and sessions per week) practise a chain of skills for a
term. Their answers are replayed through the product's mastery tracker. At several points in the
term each student gets goals (the next 1, 2 and 4 skills they have not mastered yet, in the chain's
order), and ``engine.agency.forecast`` forecasts them from what the product knows at that evening
only: the student's answer times and, for each skill practised, the day of its first answer and
the day the readout showed it mastered (if it did), as the goals page does. The term then runs on
and the completion day is read.

*Completion* is the day the product's own mastery readout (the tracker's estimate reaching the
framework's threshold) shows every skill of the goal mastered: this is the day the goal turns
"reached" on the student's page, which is what the sentence promises. The hidden state (the day
the simulated student truly knows every skill of the goal) comes earlier, by the evidence the
readout needs; its figures are printed too. A goal not completed by the end of the term counts as
*outside* the range when the range ends before the term does, and is left out (counted as
"unresolved") when the range's (closed) late end falls after the end of the term, since its day is
unknown. An *open* range (late end past the forecast's horizon: "it could take much longer")
covers every day from its early end on: a goal not completed by the end of the term with an open
range whose early end is inside the term counts as *inside*, and the report says how many such.

Figures: coverage (share of resolved goals whose completion day is inside the range, aim: the
level, 80%), median absolute error of the likely day in days (completed goals), the share of goals
with no date ("too little data" or out of reach), and the same on the hidden state.

    .venv/bin/python bench/agency/bench_forecast.py --seeds 11-15
    .venv/bin/python bench/agency/bench_forecast.py --seeds 1-3      # the seeds the settings were chosen on
    .venv/bin/python bench/agency/bench_forecast.py --seeds 11-15 --answers-model   # the earlier model
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "insight"))

from bench_warning import chain, personas, seeds_of  # noqa: E402

from pathwise.domain.evidence import Evidence, EvidenceKind  # noqa: E402
from pathwise.engine.agency.forecast import ForecastSettings, SkillSpan, SkillWork, forecast  # noqa: E402
from pathwise.engine.insight.early_warning import replay  # noqa: E402
from pathwise.engine.simulate_school import make_students, simulate  # noqa: E402
from pathwise.services.mastery import default_tracker  # noqa: E402

START = datetime(2026, 9, 7, tzinfo=UTC)  # a Monday
THRESHOLD = 0.95
SIZES = (1, 2, 4)


@dataclass
class Tally:
    resolved: int = 0
    inside: int = 0
    completed_inside: int = 0
    unresolved: int = 0
    no_date: int = 0
    total: int = 0
    too_soon: int = 0  # completed before the early end
    too_late: int = 0  # completed (or still not done) after the late end
    open_ranges: int = 0  # ranges whose late end is open ("it could take much longer")
    open_after_end: int = 0  # of them: not done by the end of the term, counted as inside
    errors: list[int] = field(default_factory=list)
    by_persona: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, persona: str, early: date, late: date | None, likely: date, done: date | None, end: date) -> None:
        if late is None:
            self.open_ranges += 1
        if done is None and late is None and early <= end:
            # an open range [early, ...) covers any completion after the term's end
            self.open_after_end += 1
            self.resolved += 1
            self.inside += 1
            self.by_persona[persona][0] += 1
            self.by_persona[persona][1] += 1
            return
        late = late or date.max  # the range runs past the horizon
        if done is None:
            if late < end:
                self.resolved += 1
                self.too_late += 1
                self.by_persona[persona][1] += 1
            else:
                self.unresolved += 1
            return
        self.resolved += 1
        ok = early <= done <= late
        self.too_soon += done < early
        self.too_late += done > late
        self.inside += ok
        self.completed_inside += ok
        self.by_persona[persona][0] += ok
        self.by_persona[persona][1] += 1
        self.errors.append(abs((done - likely).days))


def run_class(cls: int, n_students: int, weeks: int, seed: int, points: list[int], settings: ForecastSettings,
              readout: Tally, hidden: Tally, old: bool = False, last_answer: bool = False) -> None:
    fw, codes, items = chain(30)
    keys = [f"c{cls}-s{i:02d}" for i in range(n_students)]
    rng = np.random.default_rng([seed, cls])
    students = make_students(keys, [3] * n_students, personas(keys, rng), codes, seed * 1000 + cls)
    learned: list[tuple[str, str, datetime]] = []
    records = simulate(fw.graph(), codes, items, students, START, weeks, seed * 1000 + cls, learned)
    graph = fw.graph()
    ancestors = {c: set(graph.ancestors(c)) for c in codes}
    by_student: dict[str, list] = defaultdict(list)
    for r in records:
        by_student[r.student].append(r)
    truth: dict[str, dict[str, date]] = defaultdict(dict)
    for key, code, when in learned:
        truth[key].setdefault(code, when.date())
    end = (START + timedelta(weeks=weeks)).date()
    tracker = default_tracker()
    for st in students:
        recs = by_student[st.key]
        evs = [Evidence(f"{st.key}-{r.seq}", st.key, EvidenceKind.ANSWER, r.skill_codes, 1.0 if r.correct else 0.0,
                        r.timestamp, r.item_id) for r in recs]
        answers = replay(tracker, evs)
        first_mastered: dict[str, datetime] = {}
        for a in answers:
            for c, p in a.after.items():
                if p >= THRESHOLD:
                    first_mastered.setdefault(c, a.at)
        for week in points:
            t = START + timedelta(weeks=week) - timedelta(minutes=1)
            today = t.date()
            done_before = [a for a in answers if a.at <= t]
            mastered = {c for c, when in first_mastered.items() if when <= t}
            n_on: dict[str, int] = defaultdict(int)
            first_on: dict[str, date] = {}
            last_on: dict[str, date] = {}
            for a in done_before:
                for c in a.skills:
                    n_on[c] += 1
                    first_on.setdefault(c, a.at.date())
                    last_on[c] = a.at.date()
            # the day a skill was mastered: the readout's crossing day, or (as the goals service reads
            # it, having no crossing day stored) the day of the skill's last answer
            spans = [SkillSpan(c, first_on[c], (last_on[c] if last_answer else first_mastered[c].date())
                               if c in mastered else None) for c in first_on]
            if not done_before:
                continue
            here = codes.index(done_before[-1].skills[0])  # the student's place in the chain
            ahead = [c for c in codes[here:] if c not in mastered]
            times = [a.at for a in done_before]
            since = t - timedelta(weeks=settings.window_weeks)
            recent = [c for c in mastered if first_mastered[c] > since]  # mastered within the window
            per_mastered = [n_on[c] for c in recent]
            given_recent = sum(1 for a in done_before if a.at > since)
            for size in SIZES:
                goal = ahead[:size]
                if len(goal) < size:
                    continue
                # the skills on the way, as the goals page counts them, from the student's place on (the
                # skills before it that the readout never marked were known at placement and are not
                # practised again in this simulation)
                way = list(dict.fromkeys([*(x for g in goal for x in sorted(ancestors[g])
                                            if x not in mastered and codes.index(x) >= here), *goal]))
                work = [SkillWork(c, n_on[c], False) for c in way]
                if old:
                    f = forecast(work, times, today, mastered_answers=per_mastered, answers_given=given_recent,
                                 practised=[SkillWork(c, k, c in mastered) for c, k in n_on.items()],
                                 settings=settings)
                else:
                    f = forecast(work, times, today, spans=spans, settings=settings)
                for tally in (readout, hidden):
                    tally.total += 1
                if not f.has_date or f.early is None or f.likely is None:
                    readout.no_date += 1
                    hidden.no_date += 1
                    continue
                need = [first_mastered.get(c) for c in goal]
                done = max(n.date() for n in need) if all(n is not None for n in need) else None  # type: ignore[union-attr]
                readout.add(st.persona, f.early, f.late, f.likely, done if done is None or done <= end else None, end)
                known = [truth[st.key].get(c) for c in goal]
                hdone = max(known) if all(k is not None for k in known) else None  # type: ignore[type-var]
                hidden.add(st.persona, f.early, f.late, f.likely, hdone, end)


def report(name: str, t: Tally) -> str:
    cov = t.inside / max(1, t.resolved)
    mae = statistics.median(t.errors) if t.errors else float("nan")
    per = ", ".join(f"{p} {v[0] / v[1]:.0%} of {v[1]}" for p, v in sorted(t.by_persona.items()) if v[1])
    return (f"{name}: coverage {cov:.1%} of {t.resolved} resolved goals (aim {int(round(100 * LEVEL))}%), "
            f"median abs error {mae:.1f} days over {len(t.errors)} completed (inside the range: "
            f"{t.completed_inside / max(1, len(t.errors)):.1%} of them), unresolved {t.unresolved}, "
            f"no date {t.no_date} of {t.total}, outside: {t.too_soon} sooner, {t.too_late} later, open late end {t.open_ranges} (of which {t.open_after_end} "
            f"not done by the term's end, counted inside); by persona: {per}")


LEVEL = 0.8


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--classes", type=int, default=4)
    ap.add_argument("--students", type=int, default=25)
    ap.add_argument("--weeks", type=int, default=16)
    ap.add_argument("--points", default="3,5,7,9", help="weeks into the term at which goals are forecast")
    ap.add_argument("--seeds", default="11-15", help="e.g. 11-15 or 1,2,3")
    ap.add_argument("--prior-days", type=float, default=ForecastSettings().prior_days)
    ap.add_argument("--prior-spans", type=float, default=ForecastSettings().prior_spans)
    ap.add_argument("--window-weeks", type=int, default=ForecastSettings().window_weeks)
    ap.add_argument("--mastered-at-last-answer", action="store_true",
                    help="date a mastery by the skill's last answer, as the goals service does")
    ap.add_argument("--answers-model", action="store_true",
                    help="the earlier model (answers per skill, practice per week), for comparison")
    args = ap.parse_args()
    settings = ForecastSettings(level=LEVEL, prior_days=args.prior_days, prior_spans=args.prior_spans,
                                window_weeks=args.window_weeks)
    points = [int(p) for p in args.points.split(",")]
    began = time.perf_counter()
    readout_all, hidden_all = Tally(), Tally()
    for seed in seeds_of(args.seeds):
        readout, hidden = Tally(), Tally()
        for cls in range(args.classes):
            run_class(cls, args.students, args.weeks, seed, points, settings, readout, hidden, args.answers_model,
                      args.mastered_at_last_answer)
        print(f"seed {seed}: " + report("readout", readout).split(";")[0])
        for a, b in ((readout_all, readout), (hidden_all, hidden)):
            a.resolved += b.resolved
            a.inside += b.inside
            a.completed_inside += b.completed_inside
            a.unresolved += b.unresolved
            a.no_date += b.no_date
            a.open_ranges += b.open_ranges
            a.too_soon += b.too_soon
            a.too_late += b.too_late
            a.open_after_end += b.open_after_end
            a.total += b.total
            a.errors += b.errors
            for p, v in b.by_persona.items():
                a.by_persona[p][0] += v[0]
                a.by_persona[p][1] += v[1]
    print(f"seeds {args.seeds}, {args.classes} classes x {args.students} students, {args.weeks} weeks, "
          f"goals of {', '.join(map(str, SIZES))} skills at weeks {args.points}")
    print(report("product readout (the goal turns reached)", readout_all))
    print(report("hidden state (truly known)", hidden_all))
    print(f"{time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
