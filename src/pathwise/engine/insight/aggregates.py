"""A school's progress in aggregate, with small cells suppressed: what a school leader sees.

Progress is counted per class, per framework, per unit of a framework and for the whole
school (students, mean estimate over the skills they have started, how many student x skill
estimates are in each mastery state of ``domain.mastery_states``, and from those the share
mastered), and activity over time (answers per week).

Every published number is a *cell* built from a set of students (its contributors: the
students of a row for "students", those with an estimate in a state for that state's count,
those who started a skill for the mean, those who answered in a week for that week). Two
rules keep any one student from being singled out:

* **primary suppression**: a cell built from fewer than ``k`` students (``K``, 5 by default)
  is not published;
* **complementary suppression**: cells form *lines*, a total and the cells that add up to it
  (a framework and its classes, a framework and its units, the school and its frameworks, a
  row's students and its state counts, all weeks and each week). In a line whose total is
  published, the suppressed cells together must be at least two and built from at least
  ``k`` students, so that the total minus the other published cells reveals nothing smaller;
  otherwise the next-smallest published cell (or, when none is left, the total) is suppressed
  too, until every line holds.

The contributors stay inside this module's results as counts only; nothing here names a
student, stores anything or knows about the web.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pathwise.domain.mastery_states import State, state_of

K = 5  # the smallest number of students a published cell may be built from

# the states a leader's table counts: "due for review" needs the review schedule and is
# counted with "mastered" (it is a mastered skill)
STATES: tuple[State, ...] = (State.MASTERED, State.NEARLY_THERE, State.GETTING_THERE, State.NOT_STARTED)

Line = tuple[str, Sequence[str]]  # (the total's key, the keys of the cells that add up to it)


# -- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    """One stored mastery estimate of one student on one skill."""

    learner_id: str
    skill_code: str
    p_mastery: float
    n_evidence: int


@dataclass(frozen=True, slots=True)
class FrameworkIn:
    key: str
    title: str
    threshold: float
    skills: Mapping[str, str | None]  # skill code -> unit key (None: no unit)
    units: Sequence[tuple[str, str]] = ()  # (unit key, title) in order


@dataclass(frozen=True, slots=True)
class ClassIn:
    key: str
    name: str
    framework_key: str | None
    learners: frozenset[str]


# -- outputs --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProgressRow:
    """One published row; ``None`` marks a suppressed number."""

    key: str
    label: str
    level: str  # school, framework, class, unit
    skills: int
    students: int | None
    mean: float | None  # mean estimate over the started skills, 0..1
    states: dict[State, int | None]
    mastered_share: float | None  # mastered estimates / all student x skill pairs, 0..1

    @property
    def suppressed(self) -> bool:
        """Something in the row is held back."""
        return self.students is None or self.mean is None or any(v is None for v in self.states.values())


@dataclass(frozen=True, slots=True)
class WeekRow:
    key: str
    week: date | None  # the Monday the week starts on; None: the whole period
    answers: int | None
    students: int | None


@dataclass(frozen=True, slots=True)
class SchoolTables:
    k: int
    school: ProgressRow
    frameworks: list[ProgressRow]
    classes: list[tuple[ProgressRow, str]]  # (class row, its framework's key)
    units: list[tuple[ProgressRow, str]]  # (unit row, its framework's key)
    weeks: list[WeekRow]
    weeks_total: WeekRow
    hidden: frozenset[str] = frozenset()  # the keys of the cells held back
    # how many students each cell is built from, by cell key (for checks; never shown)
    contributors: dict[str, int] = field(default_factory=dict)


# -- suppression ----------------------------------------------------------------------------------


def suppress(cells: Mapping[str, frozenset[str]], lines: Iterable[Line], k: int = K) -> frozenset[str]:
    """The keys of the cells not to publish: primary (fewer than ``k`` contributors) and
    complementary (see the module's docstring). ``cells`` maps each key to its contributors."""
    if k < 1:
        raise ValueError("k must be at least 1")
    lines = [(total, list(members)) for total, members in lines]
    for total, members in lines:
        for key in (total, *members):
            if key not in cells:
                raise KeyError(f"a line names an unknown cell {key!r}")
    hidden = {key for key, who in cells.items() if len(who) < k}
    changed = True
    while changed:
        changed = False
        for total, members in lines:
            while total not in hidden and not _line_safe(cells, members, hidden, k):
                shown = [m for m in members if m not in hidden]
                if shown:
                    hidden.add(min(shown, key=lambda m: (len(cells[m]), m)))
                else:
                    hidden.add(total)
                changed = True
    return frozenset(hidden)


def _line_safe(cells: Mapping[str, frozenset[str]], members: Sequence[str], hidden: set[str], k: int) -> bool:
    gone = [m for m in dict.fromkeys(members) if m in hidden]
    if not gone:
        return True
    if len(gone) < 2:
        return False
    return len(frozenset().union(*(cells[m] for m in gone))) >= k


def derivable_gaps(cells: Mapping[str, frozenset[str]], lines: Iterable[Line],
                   hidden: frozenset[str]) -> list[tuple[str, int, int]]:
    """What one subtraction (a published total minus the other published cells of its line)
    reveals: for each line with suppressed members, (the total's key, how many cells the
    remainder covers, how many students it is built from). A check: two cells or more and
    at least ``k`` students each time."""
    out: list[tuple[str, int, int]] = []
    for total, members in lines:
        if total in hidden:
            continue
        gone = [m for m in dict.fromkeys(members) if m in hidden]
        if gone:
            out.append((total, len(gone), len(frozenset().union(*(cells[m] for m in gone)))))
    return out


# -- progress -------------------------------------------------------------------------------------


@dataclass
class _Tally:
    learners: set[str] = field(default_factory=set)
    skills: int = 0
    started: set[str] = field(default_factory=set)
    sum_p: float = 0.0
    n_started: int = 0
    counts: dict[State, int] = field(default_factory=lambda: dict.fromkeys(STATES, 0))
    who: dict[State, set[str]] = field(default_factory=lambda: {s: set() for s in STATES})
    pairs: int = 0

    def add(self, other: _Tally) -> None:
        self.learners |= other.learners
        self.started |= other.started
        self.sum_p += other.sum_p
        self.n_started += other.n_started
        self.pairs += other.pairs
        for s in STATES:
            self.counts[s] += other.counts[s]
            self.who[s] |= other.who[s]


def _tally(learners: Iterable[str], skills: Iterable[str], threshold: float,
           estimates: Mapping[tuple[str, str], Estimate]) -> _Tally:
    t = _Tally()
    codes = list(skills)
    t.skills = len(codes)
    for lid in learners:
        t.learners.add(lid)
        for code in codes:
            t.pairs += 1
            e = estimates.get((lid, code))
            st = state_of(e.p_mastery if e else None, threshold, e.n_evidence if e else 0)
            st = State.MASTERED if st is State.DUE_FOR_REVIEW else st
            t.counts[st] += 1
            t.who[st].add(lid)
            if e is not None and st is not State.NOT_STARTED:
                t.started.add(lid)
                t.sum_p += e.p_mastery
                t.n_started += 1
    return t


def _cells(key: str, t: _Tally) -> dict[str, frozenset[str]]:
    out = {f"{key}|students": frozenset(t.learners), f"{key}|mean": frozenset(t.started)}
    out.update({f"{key}|{s.key}": frozenset(t.who[s]) for s in STATES})
    return out


def _row_lines(key: str) -> list[Line]:
    return [(f"{key}|students", [f"{key}|{s.key}" for s in STATES])]


def _between(parent: str, children: Sequence[str]) -> list[Line]:
    if not children:
        return []
    return [(f"{parent}|{m}", [f"{c}|{m}" for c in children]) for m in ("students", "mean", *(s.key for s in STATES))]


def _row(key: str, label: str, level: str, t: _Tally, hidden: frozenset[str]) -> ProgressRow:
    def shown(cell: str) -> bool:
        return f"{key}|{cell}" not in hidden

    states: dict[State, int | None] = {s: (t.counts[s] if shown(s.key) else None) for s in STATES}
    mean = (t.sum_p / t.n_started) if shown("mean") and t.n_started else None
    mastered = states[State.MASTERED]
    share = (mastered / t.pairs) if mastered is not None and shown("students") and t.pairs else None
    return ProgressRow(key, label, level, t.skills, len(t.learners) if shown("students") else None, mean, states,
                       share)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Plan:
    """Every cell that could be published (key -> contributors) and the lines between them."""

    cells: dict[str, frozenset[str]]
    lines: list[Line]
    tallies: dict[str, tuple[str, str, _Tally]]
    frameworks: list[str]
    classes: list[tuple[str, str]]
    units: list[tuple[str, str]]
    weeks: list[date]
    per_week: dict[date, list[str]]


def plan(frameworks: Sequence[FrameworkIn], classes: Sequence[ClassIn], estimates: Iterable[Estimate],
         answers: Iterable[tuple[str, datetime]] = (), *, weeks: Sequence[date] = (),
         school_label: str = "Whole school") -> Plan:
    """The cells and lines of a school. ``answers`` are (student, when) of each answer,
    ``weeks`` the Mondays of the weeks to show. A student counts in a framework once, however
    many of its classes they are in; the school adds up its frameworks."""
    by_pair = {(e.learner_id, e.skill_code): e for e in estimates}
    lines: list[Line] = []
    tallies: dict[str, tuple[str, str, _Tally]] = {}
    school = _Tally()
    fw_keys: list[str] = []
    class_rows: list[tuple[str, str]] = []
    unit_rows: list[tuple[str, str]] = []
    for fw in frameworks:
        mine = [c for c in classes if c.framework_key == fw.key]
        if not mine:
            continue
        fkey = f"fw:{fw.key}"
        learners = sorted(frozenset().union(*(c.learners for c in mine)))
        ft = _tally(learners, fw.skills, fw.threshold, by_pair)
        tallies[fkey] = (fw.title, "framework", ft)
        fw_keys.append(fkey)
        school.add(ft)
        school.skills += ft.skills
        ckeys: list[str] = []
        for c in mine:
            ckey = f"class:{c.key}"
            tallies[ckey] = (c.name, "class", _tally(sorted(c.learners), fw.skills, fw.threshold, by_pair))
            ckeys.append(ckey)
            class_rows.append((ckey, fkey))
        known = dict(fw.units)
        unit_of = {code: (u if u in known else "") for code, u in fw.skills.items()}
        ukeys: list[str] = []
        for ucode, utitle in [*fw.units, ("", "Skills outside any unit")]:
            codes = [code for code, u in unit_of.items() if u == ucode]
            if not codes:
                continue
            ukey = f"unit:{fw.key}:{ucode}"
            tallies[ukey] = (utitle, "unit", _tally(learners, codes, fw.threshold, by_pair))
            ukeys.append(ukey)
            unit_rows.append((ukey, fkey))
        lines += _between(fkey, ckeys) + _between(fkey, ukeys)
    tallies["school"] = (school_label, "school", school)
    lines += _between("school", fw_keys)
    cells: dict[str, frozenset[str]] = {}
    for key, (_, _, t) in tallies.items():
        cells.update(_cells(key, t))
        lines += _row_lines(key)

    # activity: each week a cell of the students who answered in it, adding up to the period
    wanted = sorted(set(weeks))
    per_week: dict[date, list[str]] = defaultdict(list)
    for lid, at in answers:
        m = monday(at.date())
        if m in wanted:
            per_week[m].append(lid)
    for m in wanted:
        cells[f"week:{m.isoformat()}"] = frozenset(per_week[m])
    cells["week:all"] = frozenset(lid for m in wanted for lid in per_week[m])
    lines.append(("week:all", [f"week:{m.isoformat()}" for m in wanted]))
    return Plan(cells, lines, tallies, fw_keys, class_rows, unit_rows, wanted, dict(per_week))


def publish(p: Plan, k: int = K) -> SchoolTables:
    """The tables with every suppressed number set to ``None``."""
    hidden = suppress(p.cells, p.lines, k)

    def row(key: str) -> ProgressRow:
        label, level, t = p.tallies[key]
        return _row(key, label, level, t, hidden)

    def week(key: str, m: date | None, lids: Sequence[str]) -> WeekRow:
        shown = key not in hidden
        return WeekRow(key, m, len(lids) if shown else None, len(set(lids)) if shown else None)

    return SchoolTables(
        k=k, school=row("school"), frameworks=[row(f) for f in p.frameworks],
        classes=[(row(c), f) for c, f in p.classes], units=[(row(u), f) for u, f in p.units],
        weeks=[week(f"week:{m.isoformat()}", m, p.per_week.get(m, [])) for m in p.weeks],
        weeks_total=week("week:all", None, [lid for m in p.weeks for lid in p.per_week.get(m, [])]),
        hidden=hidden, contributors={key: len(who) for key, who in p.cells.items()},
    )


def school_tables(frameworks: Sequence[FrameworkIn], classes: Sequence[ClassIn], estimates: Iterable[Estimate],
                  answers: Iterable[tuple[str, datetime]] = (), *, weeks: Sequence[date] = (), k: int = K,
                  school_label: str = "Whole school") -> SchoolTables:
    """``plan`` then ``publish``."""
    return publish(plan(frameworks, classes, estimates, answers, weeks=weeks, school_label=school_label), k)
