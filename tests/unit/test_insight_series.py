"""The chart series (engine.insight.series): a learner's history on a skill ends at the live
estimate and moves only with the evidence's direction; the class's weekly progress ends at the
count of mastered cells the live fold gives and never counts more cells than there are; the
distribution per skill counts every learner once in the grid's states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.mastery_states import State, state_of
from pathwise.engine.insight.series import (
    GRID_STATES,
    ChangesReplay,
    SkillCounts,
    WeekPoint,
    class_progress,
    distribution,
    learner_changes,
    percent,
    skill_history,
    week_start,
)
from pathwise.services.mastery import default_tracker, replay

T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday
SKILLS = ("a", "b", "c")


def answers(learner: str, plan: list[tuple[int, str, float]]) -> list[Evidence]:
    """(minutes after T0, skill, score) -> evidence."""
    return [Evidence(f"{learner}-{i}", learner, EvidenceKind.ANSWER, (skill,), score, T0 + timedelta(minutes=m),
                     item_id=f"q-{skill}-{i}") for i, (m, skill, score) in enumerate(plan)]


plans = st.lists(st.tuples(st.integers(0, 60 * 24 * 40), st.sampled_from(SKILLS), st.sampled_from([0.0, 1.0])),
                 max_size=40)


@settings(max_examples=60, deadline=None)
@given(plan=plans)
def test_history_ends_at_the_live_estimate_and_follows_each_answer(plan: list[tuple[int, str, float]]) -> None:
    tracker = default_tracker()
    evs = answers("s", plan)
    live = replay(tracker, evs)  # the projection the grid shows
    for skill in SKILLS:
        h = skill_history(tracker, list(reversed(evs)), skill, 0.95)  # any order in: canonical order out
        assert len(h) == sum(1 for _, k, _ in plan if k == skill)
        if not h:
            assert skill not in live
            continue
        assert h[-1].p_mastery == pytest.approx(live[skill]["p_mastery"])
        assert h[-1].n_evidence == live[skill]["n_evidence"]
        assert [r.at for r in h] == sorted(r.at for r in h)
        for before, after in zip(h, h[1:], strict=False):
            if after.score == 1.0:
                assert after.p_mastery >= before.p_mastery - 1e-12
            else:
                assert after.p_mastery <= before.p_mastery + 1e-12
        assert all(r.state == state_of(r.p_mastery, 0.95, r.n_evidence) for r in h)


@settings(max_examples=40, deadline=None)
@given(a=plans, b=plans)
def test_the_last_week_counts_the_cells_the_live_fold_has_mastered(a: list[tuple[int, str, float]],
                                                                   b: list[tuple[int, str, float]]) -> None:
    tracker = default_tracker()
    evidence = {"s1": answers("s1", a), "s2": answers("s2", b)}
    today = (T0 + timedelta(days=45)).date()
    points = class_progress(tracker, evidence, SKILLS, {k: 0.95 for k in SKILLS}, today, weeks=12)
    if not a and not b:
        assert points == []
        return
    mastered = sum(1 for evs in evidence.values() for k, row in replay(tracker, evs).items()
                   if state_of(row["p_mastery"], 0.95, row["n_evidence"]) is State.MASTERED)
    assert points[-1].n_mastered == mastered
    assert points[-1].week_of == week_start(today)
    assert all(0 <= p.n_mastered <= p.n_cells == 6 for p in points)
    assert [p.week_of for p in points] == sorted({p.week_of for p in points})
    assert all((q.week_of - p.week_of).days == 7 for p, q in zip(points, points[1:], strict=False))


@settings(max_examples=40, deadline=None)
@given(a=plans)
def test_one_skill_shown_counts_what_the_whole_replay_counts_on_it(a: list[tuple[int, str, float]]) -> None:
    tracker = default_tracker()
    evidence = {"s1": answers("s1", a)}
    today = (T0 + timedelta(days=45)).date()
    whole = replay(tracker, evidence["s1"])
    for skill in SKILLS:
        points = class_progress(tracker, evidence, (skill,), {skill: 0.95}, today)
        row = whole.get(skill)
        expected = int(row is not None and state_of(row["p_mastery"], 0.95, row["n_evidence"]) is State.MASTERED)
        assert (points[-1].n_mastered if points else 0) == expected


def test_a_class_fills_up_week_by_week() -> None:
    tracker = default_tracker()
    right = [(7 * 24 * 60 * w + i, "a", 1.0) for w in (1,) for i in range(12)]
    evidence = {"s1": answers("s1", right), "s2": []}
    points = class_progress(tracker, evidence, ("a", "b"), {"a": 0.95, "b": 0.95}, date(2026, 9, 30), weeks=12)
    assert [(p.week_of, p.n_mastered, p.n_cells) for p in points] == [
        (date(2026, 9, 14), 1, 4), (date(2026, 9, 21), 1, 4), (date(2026, 9, 28), 1, 4)]
    assert points[-1].percent == 25


def test_old_mastery_is_carried_into_the_first_week_shown() -> None:
    tracker = default_tracker()
    evidence = {"s1": answers("s1", [(i, "a", 1.0) for i in range(12)])}
    points = class_progress(tracker, evidence, ("a",), {"a": 0.95}, date(2027, 3, 1), weeks=4)
    assert len(points) == 4 and all(p.n_mastered == 1 for p in points)


def test_weeks_must_be_positive() -> None:
    with pytest.raises(ValueError, match="weeks"):
        class_progress(default_tracker(), {}, ("a",), {}, date(2026, 9, 7), weeks=0)


@given(st.lists(st.sampled_from(list(State)), max_size=30))
def test_distribution_counts_every_learner_once(states: list[State]) -> None:
    [counts] = distribution([("a", "A skill")], {"a": states})
    assert counts.total == len(states)
    assert counts.count(State.MASTERED) == sum(1 for s in states if s in (State.MASTERED, State.DUE_FOR_REVIEW))
    assert counts.percent_mastered == percent(counts.count(State.MASTERED), len(states))


def test_distribution_keeps_the_column_order_and_the_state_order() -> None:
    out = distribution([("b", "B"), ("a", "A")], {"a": [State.GETTING_THERE], "b": [State.NOT_STARTED]})
    assert [c.code for c in out] == ["b", "a"]
    assert out[1] == SkillCounts("a", "A", tuple(1 if s is State.GETTING_THERE else 0 for s in GRID_STATES))
    assert percent(0, 0) == 0 and percent(1, 3) == 33 and WeekPoint(date(2026, 9, 7), 1, 8).percent == round(12.5)  # rounded as the grid rounds


@settings(max_examples=80, deadline=None)
@given(plan=plans, cut=st.integers(0, 40), local=st.booleans())
def test_a_replay_continued_with_the_later_work_equals_a_replay_of_the_whole_history(
        plan: list[tuple[int, str, float]], cut: int, local: bool) -> None:
    """The class page keeps each student's replay and continues it with their new work: that
    gives exactly what replaying everything gives, and the kept replay is left as it was."""
    tracker = default_tracker()
    if local:
        tracker.local = True  # type: ignore[attr-defined]
    evs = sorted(answers("s", plan), key=lambda e: (e.timestamp, e.id))
    shown = ("a", "b")
    ths = {"a": 0.95, "b": 0.6}
    whole = learner_changes(tracker, evs, shown, ths)
    kept = ChangesReplay(tracker, shown, ths).add(evs[:cut])
    before = (kept.result(), kept.count, kept.last)
    continued = kept.copy().add(list(reversed(evs[cut:])))  # any order in: canonical order replayed
    assert continued.result() == whole
    assert continued.count == len(evs)
    assert (kept.result(), kept.count, kept.last) == before
    assert kept.copy().add(evs[cut:]).result() == whole  # the kept one still continues from where it was


def test_a_replay_refuses_evidence_from_before_its_last_piece() -> None:
    tracker = default_tracker()
    evs = answers("s", [(10, "a", 1.0), (20, "a", 1.0)])
    kept = ChangesReplay(tracker, ("a",), {"a": 0.95}).add([evs[1]])
    with pytest.raises(ValueError, match="before the replay's last"):
        kept.copy().add([evs[0]])
