"""Small-cell suppression of the school leader's tables (engine.insight.aggregates).

Constructed cases show each rule (primary, complementary, a total too small to publish,
the state counts of a row, the weeks); property tests show that on any school no published
cell is built from fewer than K students and no single subtraction of published cells from a
published total reveals a remainder built from fewer than K students or from one cell.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain.mastery_states import State
from pathwise.engine.insight import aggregates as agg
from pathwise.engine.insight.aggregates import ClassIn, Estimate, FrameworkIn


def people(prefix: str, n: int) -> frozenset[str]:
    return frozenset(f"{prefix}{i}" for i in range(n))


FW = FrameworkIn("fw", "Fractions", 0.95, {"a": "u1", "b": "u1", "c": "u2", "d": None}, [("u1", "One"), ("u2", "Two")])


# -- the suppression rule on its own --------------------------------------------------------------


def test_a_small_cell_and_the_next_smallest_are_held_back() -> None:
    cells = {"T": people("x", 20), "A": people("a", 3), "B": people("b", 10), "C": people("c", 7)}
    hidden = agg.suppress(cells, [("T", ["A", "B", "C"])])
    assert hidden == {"A", "C"}  # C is the next-smallest: T - B now reveals A and C together (10 students)


def test_complements_are_added_until_the_remainder_covers_k_students() -> None:
    cells = {"T": people("x", 30), "A": people("a", 2), "B": people("b", 2), "C": people("c", 12),
             "D": people("d", 14)}
    hidden = agg.suppress(cells, [("T", ["A", "B", "C", "D"])])
    assert hidden == {"A", "B", "C"}  # A and B together are 4 students: not enough


def test_nothing_small_means_nothing_held_back() -> None:
    cells = {"T": people("x", 20), "A": people("a", 5), "B": people("b", 15)}
    assert agg.suppress(cells, [("T", ["A", "B"])]) == frozenset()


def test_a_total_with_every_member_held_back_and_too_few_students_is_held_back_too() -> None:
    cells = {"T": people("a", 4), "A": people("a", 2), "B": frozenset({"a2", "a3"})}
    assert agg.suppress(cells, [("T", ["A", "B"])]) == {"T", "A", "B"}


def test_k_is_a_setting() -> None:
    cells = {"T": people("x", 20), "A": people("a", 6), "B": people("b", 14)}
    assert agg.suppress(cells, [("T", ["A", "B"])], k=5) == frozenset()
    assert agg.suppress(cells, [("T", ["A", "B"])], k=10) == {"A", "B"}


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="k must be"):
        agg.suppress({}, [], k=0)
    with pytest.raises(KeyError, match="unknown cell 'Z'"):
        agg.suppress({"T": frozenset()}, [("T", ["Z"])])


# -- the school's tables ------------------------------------------------------------------------------


def _estimates(learners: frozenset[str], p: float, skills: tuple[str, ...] = ("a", "b")) -> list[Estimate]:
    return [Estimate(lid, s, p, 4) for lid in sorted(learners) for s in skills]


def test_a_class_of_three_is_held_back_and_cannot_be_derived_from_the_totals() -> None:
    big, other, small = people("b", 12), people("o", 9), people("s", 3)
    classes = [ClassIn("big", "Big", "fw", big), ClassIn("other", "Other", "fw", other),
               ClassIn("small", "Small", "fw", small)]
    ests = _estimates(big, 0.97) + _estimates(other, 0.5) + _estimates(small, 0.2)
    t = agg.school_tables([FW], classes, ests)
    rows = {r.key: r for r, _ in t.classes}
    assert rows["class:small"].students is None and rows["class:small"].mean is None
    assert all(v is None for v in rows["class:small"].states.values())
    # the complement: the next-smallest class goes too, so the framework minus the rest is 12 students
    assert rows["class:other"].students is None and rows["class:other"].mean is None
    assert rows["class:big"].students == 12
    assert t.frameworks[0].students == 24 and t.school.students == 24
    published = sum(r.students or 0 for r in rows.values())
    assert t.frameworks[0].students - published >= agg.K
    assert t.frameworks[0].mean is not None and rows["class:big"].mean == pytest.approx(0.97)


def test_a_state_few_students_are_in_is_held_back_with_its_complement() -> None:
    learners = people("s", 10)
    ests = _estimates(people("s", 2), 0.99, ("a", "b", "c", "d"))  # two students mastered everything
    ests += _estimates(learners - people("s", 2), 0.3, ("a", "b", "c", "d"))  # eight are getting there
    t = agg.school_tables([FW], [ClassIn("c", "C", "fw", learners)], ests)
    row = t.classes[0][0]
    assert row.students == 10
    assert row.states[State.MASTERED] is None and row.mastered_share is None
    # "nearly there" and "not started" hold no one: held back too; with them the held-back
    # states cover only the 2 students, so the row's total (10 students x 4 skills) minus
    # "getting there" would reveal them: "getting there" goes as well
    assert row.states[State.NEARLY_THERE] is None and row.states[State.NOT_STARTED] is None
    assert row.states[State.GETTING_THERE] is None
    gaps = agg.derivable_gaps(*_cells_lines([FW], [ClassIn("c", "C", "fw", learners)], ests))
    assert gaps and all(n_cells >= 2 and n_students >= agg.K for _, n_cells, n_students in gaps)


def test_states_spread_over_enough_students_are_published() -> None:
    learners = people("s", 12)
    ests = _estimates(people("s", 6), 0.99, ("a", "b", "c", "d"))
    ests += _estimates(learners - people("s", 6), 0.3, ("a", "b"))  # six getting there on a, b; not started c, d
    ests += [Estimate(lid, c, 0.8, 3) for lid in sorted(learners - people("s", 6)) for c in ("c",)]
    t = agg.school_tables([FW], [ClassIn("c", "C", "fw", learners)], ests)
    row = t.classes[0][0]
    assert row.states == {State.MASTERED: 24, State.NEARLY_THERE: 6, State.GETTING_THERE: 12, State.NOT_STARTED: 6}
    assert row.mastered_share == pytest.approx(24 / 48)
    assert row.mean == pytest.approx((24 * 0.99 + 12 * 0.3 + 6 * 0.8) / 42)


def test_units_count_the_frameworks_skills_once_each() -> None:
    learners = people("s", 6)
    t = agg.school_tables([FW], [ClassIn("c", "C", "fw", learners)], _estimates(learners, 0.99, ("a", "b", "c", "d")))
    units = {r.label: r for r, _ in t.units}
    assert set(units) == {"One", "Two", "Skills outside any unit"}
    assert units["One"].skills == 2 and units["Two"].skills == 1 and units["Skills outside any unit"].skills == 1
    assert units["One"].students == 6 and units["One"].mean == pytest.approx(0.99)
    # every estimate in one state: the empty states are held back, and with them that one,
    # or the row's total would tell that every student has mastered the unit
    assert units["One"].states[State.MASTERED] is None and units["One"].mastered_share is None


def test_a_quiet_week_is_held_back_with_another() -> None:
    mon = date(2026, 3, 2)
    weeks = [mon + timedelta(weeks=i) for i in range(3)]
    answers = [(f"s{i}", datetime(2026, 3, 3, 10, tzinfo=UTC)) for i in range(8)]  # week 1: 8 students
    answers += [("s1", datetime(2026, 3, 10, 10, tzinfo=UTC))] * 4  # week 2: one student, four answers
    answers += [(f"s{i}", datetime(2026, 3, 18, 10, tzinfo=UTC)) for i in range(6)]  # week 3: 6 students
    t = agg.school_tables([], [], [], answers, weeks=weeks)
    by_week = {w.week: w for w in t.weeks}
    assert by_week[weeks[1]].answers is None
    assert by_week[weeks[2]].answers is None  # the next-smallest, so the total minus week 1 covers 6 students
    assert by_week[weeks[0]].answers == 8 and by_week[weeks[0]].students == 8
    assert t.weeks_total.answers == 18 and t.weeks_total.students == 8


# -- properties ---------------------------------------------------------------------------------------


def _cells_lines(frameworks, classes, ests, answers=(), weeks=()):  # type: ignore[no-untyped-def]
    p = agg.plan(frameworks, classes, ests, answers, weeks=weeks)
    return p.cells, p.lines, agg.suppress(p.cells, p.lines)


@st.composite
def schools(draw: st.DrawFn) -> tuple[list[FrameworkIn], list[ClassIn], list[Estimate], list, list]:  # type: ignore[type-arg]
    pool = [f"s{i}" for i in range(draw(st.integers(0, 30)))]
    fws = [FrameworkIn("f1", "One", 0.9, {"a": "u", "b": "u", "c": None}, [("u", "U")]),
           FrameworkIn("f2", "Two", 0.8, {"x": "v", "y": "w"}, [("v", "V"), ("w", "W")])]
    classes = []
    for i in range(draw(st.integers(1, 5))):
        members = draw(st.sets(st.sampled_from(pool), max_size=14)) if pool else set()
        classes.append(ClassIn(f"c{i}", f"Class {i}", draw(st.sampled_from(["f1", "f2"])), frozenset(members)))
    ests = []
    for lid in pool:
        for code in draw(st.sets(st.sampled_from(["a", "b", "c", "x", "y"]))):
            ests.append(Estimate(lid, code, draw(st.floats(0.0, 1.0)), draw(st.integers(0, 5))))
    mon = date(2026, 1, 5)
    weeks = [mon + timedelta(weeks=i) for i in range(4)]
    answers = [(draw(st.sampled_from(pool)), datetime(2026, 1, 5, tzinfo=UTC) + timedelta(days=draw(st.integers(0, 27))))
               for _ in range(draw(st.integers(0, 40)))] if pool else []
    return fws, classes, ests, answers, weeks


@settings(max_examples=150, deadline=None)
@given(schools())
def test_no_published_cell_is_built_from_fewer_than_k_students(school) -> None:  # type: ignore[no-untyped-def]
    cells, lines, hidden = _cells_lines(*school)
    for key, who in cells.items():
        assert key in hidden or len(who) >= agg.K, key


@settings(max_examples=150, deadline=None)
@given(schools())
def test_no_subtraction_reveals_a_small_remainder(school) -> None:  # type: ignore[no-untyped-def]
    cells, lines, hidden = _cells_lines(*school)
    for total, n_cells, n_students in agg.derivable_gaps(cells, lines, hidden):
        assert n_cells >= 2, f"{total} minus its published cells gives one held-back cell"
        assert n_students >= agg.K, f"{total} minus its published cells covers {n_students} students"


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 12), min_size=1, max_size=6))
def test_a_total_minus_the_published_classes_is_never_a_small_class(sizes: list[int]) -> None:
    """On the published numbers themselves: disjoint classes of one framework."""
    classes, start = [], 0
    for i, n in enumerate(sizes):
        classes.append(ClassIn(f"c{i}", f"Class {i}", "fw", frozenset(f"s{j}" for j in range(start, start + n))))
        start += n
    t = agg.school_tables([FW], classes, [])
    fw = t.frameworks[0]
    shown = [r.students for r, _ in t.classes if r.students is not None]
    held = [r for r, _ in t.classes if r.students is None]
    assert all(n >= agg.K for n in shown)
    if fw.students is not None:
        assert fw.students == sum(sizes)
        remainder = fw.students - sum(shown)
        assert not held or (len(held) >= 2 and remainder >= agg.K)
    else:
        assert sum(sizes) < agg.K or len(held) == len(sizes)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.sets(st.integers(0, 12), max_size=12), min_size=2),
       st.data())
def test_any_lines_hold_after_suppression(cells_raw, data) -> None:  # type: ignore[no-untyped-def]
    cells = {k: frozenset(f"p{i}" for i in v) for k, v in cells_raw.items()}
    keys = sorted(cells)
    lines = [(data.draw(st.sampled_from(keys)), data.draw(st.lists(st.sampled_from(keys), max_size=5)))
             for _ in range(data.draw(st.integers(0, 4)))]
    lines = [(t, [m for m in ms if m != t]) for t, ms in lines]
    hidden = agg.suppress(cells, lines)
    assert all(k in hidden or len(cells[k]) >= agg.K for k in keys)
    for total, n_cells, n_students in agg.derivable_gaps(cells, lines, hidden):
        assert n_cells >= 2 and n_students >= agg.K, total
