"""Early-warning rules on constructed students: each flag, one row per student, the order,
the class comparison, and invariants of the list (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.engine.insight.early_warning import (
    Answer,
    Flag,
    GoalTarget,
    StudentEvidence,
    WarningSettings,
    assess,
    class_median,
    rank,
    replay,
    school_days_between,
    standing,
)
from pathwise.services.mastery import default_tracker

NOW = datetime(2026, 3, 20, 15, 0, tzinfo=UTC)  # a Friday
TH = 0.95


def ans(days_ago: float, skill: str, score: float, before: float, after: float) -> Answer:
    return Answer(NOW - timedelta(days=days_ago), (skill,), score, {skill: before}, {skill: after})


def steady_learner(lid: str = "ok") -> StudentEvidence:
    """Works every day, estimates rise, a skill newly mastered in the window."""
    out = []
    p = 0.3
    for d in range(10, 0, -1):
        out.append(ans(d, "a", 1.0, p, min(0.97, p + 0.08)))
        p = min(0.97, p + 0.08)
    return StudentEvidence(lid, tuple(out))


def test_a_steady_learner_has_no_reason() -> None:
    row = assess(steady_learner(), TH, NOW)
    assert row.reasons == ()
    assert row.urgency == 0


def test_stalled_active_without_gain() -> None:
    # works on 6 days, alternating right and wrong, the estimate goes nowhere
    out = [ans(d, "a", float(d % 2), 0.4, 0.4 + (0.02 if d % 2 else -0.02)) for d in range(8, 2, -1)]
    row = assess(StudentEvidence("s", tuple(out)), TH, NOW)
    assert Flag.STALLED in row.flags
    assert Flag.INACTIVE not in row.flags
    stalled = next(r for r in row.reasons if r.flag == Flag.STALLED)
    assert stalled.skills == ("a",)
    assert stalled.days == 6


def test_reviewing_mastered_skills_is_not_a_stall() -> None:
    out = [ans(d, "m", 1.0, 0.97, 0.98) for d in range(8, 2, -1)]
    assert Flag.STALLED not in assess(StudentEvidence("s", tuple(out)), TH, NOW).flags


def test_few_active_days_is_not_a_stall() -> None:
    out = [ans(d, "a", 0.0, 0.4, 0.4) for d in (3, 2)]
    assert Flag.STALLED not in assess(StudentEvidence("s", tuple(out)), TH, NOW).flags


def test_wheel_spinning_uses_the_path_guard() -> None:
    # 12 tries, all wrong, never mastered: the guard's limit (10) without progress
    out = [ans(5 - i * 0.1, "b", 0.0, 0.2, 0.2) for i in range(12)]
    row = assess(StudentEvidence("s", tuple(out)), TH, NOW)
    assert Flag.WHEEL_SPINNING in row.flags
    spin = next(r for r in row.reasons if r.flag == Flag.WHEEL_SPINNING)
    assert spin.skills == ("b",) and spin.count == 12
    # nine tries are under the limit
    row9 = assess(StudentEvidence("s", tuple(out[:9])), TH, NOW)
    assert Flag.WHEEL_SPINNING not in row9.flags


def test_progressing_after_many_tries_is_not_spinning() -> None:
    out = [ans(5 - i * 0.1, "b", 0.0, 0.2, 0.2) for i in range(8)]
    out += [ans(4 - i * 0.1, "b", 1.0, 0.3, 0.5) for i in range(5)]
    assert Flag.WHEEL_SPINNING not in assess(StudentEvidence("s", tuple(out)), TH, NOW).flags


def test_declining_failed_reviews_and_lost_mastery() -> None:
    # "lost" is in the model's terms: the estimate now says more likely not known (below 0.5);
    # a mastered skill that only dipped under the threshold after two misses is not a decline
    out = [ans(30, "c", 1.0, 0.9, 0.97)]  # mastered long ago
    dipped = out + [ans(4, "c", 0.0, 0.97, 0.96), ans(2, "c", 0.0, 0.96, 0.9)]
    assert Flag.DECLINING not in assess(StudentEvidence("s", tuple(dipped)), TH, NOW).flags
    out += [ans(4, "c", 0.0, 0.97, 0.8), ans(2, "c", 0.0, 0.8, 0.4)]  # two failed reviews, now likely lost
    row = assess(StudentEvidence("s", tuple(out)), TH, NOW)
    assert Flag.DECLINING in row.flags
    dec = next(r for r in row.reasons if r.flag == Flag.DECLINING)
    assert dec.skills == ("c",) and dec.count == 2


def test_one_slip_on_a_mastered_skill_is_not_a_decline() -> None:
    out = [ans(30, "c", 1.0, 0.9, 0.99), ans(2, "c", 0.0, 0.99, 0.97)]
    assert Flag.DECLINING not in assess(StudentEvidence("s", tuple(out)), TH, NOW).flags


def test_inactive_counts_school_days() -> None:
    # last work on the Friday a week before: Mon..Fri = 5 school days
    out = [ans(7, "a", 1.0, 0.5, 0.6)]
    row = assess(StudentEvidence("s", tuple(out)), TH, NOW)
    assert Flag.INACTIVE in row.flags
    assert next(r for r in row.reasons if r.flag == Flag.INACTIVE).days == 5
    # the weekend does not count; the last day worked does not either
    assert school_days_between(date(2026, 3, 13), date(2026, 3, 20)) == 5
    assert school_days_between(date(2026, 3, 16), date(2026, 3, 20)) == 4
    assert school_days_between(date(2026, 3, 20), date(2026, 3, 20)) == 0


def test_no_work_at_all_is_inactive() -> None:
    row = assess(StudentEvidence("s", ()), TH, NOW)
    assert row.flags == {Flag.INACTIVE}
    assert row.reasons[0].days is None


def test_off_pace_for_a_goal() -> None:
    out = [ans(d, "g", 1.0, 0.1, 0.15) for d in (20, 10, 1)]
    goal = GoalTarget("g", date(2026, 3, 25), set_on=date(2026, 2, 25))
    row = assess(StudentEvidence("s", tuple(out), (goal,)), TH, NOW)
    assert Flag.OFF_PACE in row.flags
    # a goal set yesterday is not behind yet
    fresh = GoalTarget("g", date(2026, 4, 30), set_on=date(2026, 3, 19))
    assert Flag.OFF_PACE not in assess(StudentEvidence("s", tuple(out), (fresh,)), TH, NOW).flags
    # a passed target with the skill unmet is off pace
    passed = GoalTarget("g", date(2026, 3, 1), set_on=date(2026, 2, 1))
    assert Flag.OFF_PACE in assess(StudentEvidence("s", tuple(out), (passed,)), TH, NOW).flags


def test_one_row_per_student_with_all_reasons_most_urgent_first() -> None:
    spinning = [ans(5 - i * 0.1, "b", 0.0, 0.2, 0.2) for i in range(12)]
    spinning += [ans(d, "b", 0.0, 0.2, 0.2) for d in (4, 3, 2)]
    both = StudentEvidence("both", tuple(spinning))  # spinning and stalled
    idle = StudentEvidence("idle", (ans(9, "a", 1.0, 0.5, 0.6),))  # inactive only
    fine = steady_learner("fine")
    rows = rank([idle, fine, both], TH, NOW)
    assert [r.learner_id for r in rows] == ["both", "idle"]
    assert rows[0].flags == {Flag.WHEEL_SPINNING, Flag.STALLED}
    assert rows[0].urgency > rows[1].urgency
    # the same student twice is still one row
    assert len(rank([both, both], TH, NOW)) == 1
    assert len(rank([idle, fine, both], TH, NOW, flagged_only=False)) == 3


def test_settings_validate() -> None:
    with pytest.raises(ValueError, match="stall_school_days"):
        WarningSettings(stall_school_days=0)
    with pytest.raises(ValueError, match="behind_skills"):
        WarningSettings(behind_skills=0)
    with pytest.raises(ValueError, match="lost_below"):
        WarningSettings(lost_below=0)
    with pytest.raises(ValueError, match="inactive_school_days"):
        WarningSettings(inactive_school_days=0)


def test_stalled_counts_school_days_on_the_skill_worked_on_now() -> None:
    # five school days on "a" (Mon..Fri), several tries a day, the estimate flat
    out = [ans(d + i * 0.01, "a", float(i % 2), 0.3, 0.3) for d in (4, 3, 2, 1, 0.1) for i in range(3)]
    row = assess(StudentEvidence("s", tuple(out)), TH, NOW)
    stalled = next(r for r in row.reasons if r.flag == Flag.STALLED)
    assert stalled.skills == ("a",) and stalled.days == 4 and stalled.count == 15
    # the same days with the estimate climbing 0.06 a try: slow, but learning
    climbing = [ans(d + i * 0.01, "a", 1.0, 0.05 + 0.06 * k, 0.11 + 0.06 * k)
                for k, (d, i) in enumerate((d, i) for d in (4, 3, 2, 1, 0.1) for i in range(3))]
    assert Flag.STALLED not in assess(StudentEvidence("s", tuple(climbing)), TH, NOW).flags


def test_a_skill_left_for_a_while_starts_a_new_spell() -> None:
    # tried three weeks ago, then nothing on it; back on it today: not "three weeks on it"
    old = [ans(21 + i * 0.01, "a", 0.0, 0.2, 0.2) for i in range(4)]
    today = [ans(0.1 + i * 0.01, "a", 0.0, 0.2, 0.2) for i in range(4)]
    assert Flag.STALLED not in assess(StudentEvidence("s", tuple(old + today)), TH, NOW).flags
    # while one unbroken spell of the same length is a stall
    steady = [ans(d + i * 0.01, "a", 0.0, 0.2, 0.2) for d in (7, 6, 3, 1, 0.1) for i in range(2)]
    assert Flag.STALLED in assess(StudentEvidence("s", tuple(steady)), TH, NOW).flags


def test_only_the_main_skill_of_the_latest_day_can_stall() -> None:
    # mixed review on the latest day: many skills once each; the old gap "x" is not what they work on
    gap = [ans(d, "x", 0.0, 0.1, 0.1) for d in (4, 3, 2, 1)]
    review = [ans(0.2 + 0.01 * i, c, 1.0, 0.97, 0.98) for i, c in enumerate("pqrspq")]
    last = [ans(0.1, "x", 0.0, 0.1, 0.1)]
    assert Flag.STALLED not in assess(StudentEvidence("s", tuple(gap + review + last)), TH, NOW).flags
    assert Flag.STALLED in assess(StudentEvidence("s", tuple(gap + last)), TH, NOW).flags


def learner_with(lid: str, n_known: int, extra: tuple[Answer, ...] = ()) -> StudentEvidence:
    """Knows ``n_known`` skills well (estimates 0.97, worked on today), plus ``extra``."""
    known = tuple(ans(0.1 + 0.001 * i, f"k{i}", 1.0, 0.9, 0.97) for i in range(n_known))
    return StudentEvidence(lid, tuple(sorted(known + extra, key=lambda a: a.at)))


def test_behind_the_class_compares_expected_skills_with_the_median() -> None:
    cls = [learner_with(f"s{i}", 6) for i in range(5)] + [learner_with("low", 2)]
    assert standing(cls[0], NOW).expected_known == pytest.approx(6 * 0.97)
    assert class_median(cls, NOW) == pytest.approx(6 * 0.97)
    rows = rank(cls, TH, NOW)
    assert [r.learner_id for r in rows] == ["low"]
    behind = rows[0].reasons[0]
    assert behind.flag == Flag.BEHIND and behind.amount == pytest.approx(3.9, abs=0.05)
    assert rows[0].urgency == pytest.approx(4 * 0.97, abs=0.01)
    # one skill short is not behind; a class too small to have a middle is not compared
    assert rank([learner_with(f"s{i}", 6) for i in range(5)] + [learner_with("near", 5)], TH, NOW) == []
    assert class_median(cls[:4], NOW) is None
    assert Flag.BEHIND not in assess(cls[-1], TH, NOW).flags  # no class given: not asked


def test_a_student_ahead_of_the_class_is_not_listed_for_one_hard_skill() -> None:
    spin = tuple(ans(0.5 + 0.001 * i, "hard", 0.0, 0.2, 0.2) for i in range(12))
    ahead = learner_with("ahead", 9, spin)
    cls = [learner_with(f"s{i}", 5) for i in range(5)] + [ahead]
    # on their own the skill spins; in the class, above the median, the path deals with it
    assert Flag.WHEEL_SPINNING in assess(ahead, TH, NOW).flags
    assert "ahead" not in {r.learner_id for r in rank(cls, TH, NOW)}
    # the same tries by a student at the class's middle are listed
    middle = learner_with("mid", 5, spin)
    rows = rank([learner_with(f"s{i}", 5) for i in range(5)] + [middle], TH, NOW)
    assert rows[0].learner_id == "mid" and Flag.WHEEL_SPINNING in rows[0].flags


answer_lists = st.lists(st.tuples(st.floats(0, 30), st.sampled_from("abc"), st.sampled_from([0.0, 1.0]),
                                  st.floats(0, 1), st.floats(0, 1)), max_size=25)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["p", "q", "r", "s", "t", "u", "v"]), answer_lists), max_size=9))
def test_the_list_has_one_row_per_student_most_urgent_first(students: list) -> None:  # type: ignore[type-arg]
    evidence = [StudentEvidence(lid, tuple(sorted((ans(d, c, sc, b, a) for d, c, sc, b, a in rows),
                                                  key=lambda x: x.at))) for lid, rows in students]
    every = rank(evidence, TH, NOW, flagged_only=False)
    ids = [r.learner_id for r in every]
    assert len(ids) == len(set(ids)) == len({e.learner_id for e in evidence})
    assert all(r.urgency >= 0 for r in every)
    assert [r.urgency for r in every] == sorted((r.urgency for r in every), reverse=True)
    listed = rank(evidence, TH, NOW)
    assert listed == [r for r in every if r.reasons]
    assert all(r.urgency > 0 for r in listed)


@given(st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.integers(-5, 60))
def test_school_days_between_counts_weekdays(last: date, span: int) -> None:
    today = last + timedelta(days=span)
    naive = sum(1 for k in range(1, span + 1) if (last + timedelta(days=k)).weekday() < 5)
    assert school_days_between(last, today) == naive


def test_replay_reads_estimates_from_the_tracker() -> None:
    evs = [Evidence(f"e{i}", "s", EvidenceKind.ANSWER, ("a",), 1.0, NOW - timedelta(hours=10 - i))
           for i in range(3)]
    answers = replay(default_tracker(), evs)
    assert len(answers) == 3
    for a in answers:
        assert a.after["a"] >= a.before["a"]  # a right answer never lowers mastery
    assert answers[1].before["a"] == pytest.approx(answers[0].after["a"])
    # the uncertainty shrinks as evidence comes in
    assert answers[2].uncertainty["a"] < answers[0].uncertainty["a"]


def test_mastery_only_gives_the_same_estimates() -> None:
    from pathwise.engine.insight.early_warning import mastery_only
    from pathwise.engine.kt.tracker import MasteryTracker

    full = default_tracker()
    assert isinstance(full, MasteryTracker)
    with_predictor = MasteryTracker(full.mastery, object(), full.version)  # a predictor is never asked here
    lean = mastery_only(with_predictor)
    assert isinstance(lean, MasteryTracker) and lean.predictor is None
    evs = [Evidence(f"e{i}", "s", EvidenceKind.ANSWER, ("a",), float(i % 2), NOW - timedelta(hours=10 - i))
           for i in range(6)]
    assert [a.after for a in replay(lean, evs)] == [a.after for a in replay(full, evs)]


def test_school_simulator_reports_its_hidden_state_without_changing_the_answers() -> None:
    from pathwise.domain.framework import Framework, Skill, Unit
    from pathwise.engine.simulate_school import SimItem, make_students, simulate

    codes = [f"k{i}" for i in range(6)]
    fw = Framework("fw", "Chain", units=(Unit("u", "Unit", 0),), skills=tuple(
        Skill(c, c, "u", prerequisites=(frozenset({codes[i - 1]}),) if i else (), position=i)
        for i, c in enumerate(codes)))
    items = {c: [SimItem(f"{c}-{j}", (c,)) for j in range(3)] for c in codes}
    start = datetime(2026, 9, 7, tzinfo=UTC)
    students = make_students(["a", "b"], [2, 2], {"b": "stuck"}, codes, 3)
    learned: list[tuple[str, str, datetime]] = []
    with_trace = simulate(fw.graph(), codes, items, students, start, 3, 3, learned)
    assert with_trace == simulate(fw.graph(), codes, items, students, start, 3, 3)
    assert learned and {who for who, _, _ in learned} <= {"a", "b"}
    for who, code, when in learned:
        assert code in codes and when >= start
        # a skill is learned once, and (after the start) right after one of the student's answers on it
        assert sum(1 for w2, c2, _ in learned if (w2, c2) == (who, code)) == 1
        if when > start:
            assert any(r.student == who and r.timestamp == when and code in r.skill_codes for r in with_trace)
    blocker = students[1].blocker
    assert (("b", blocker) not in {(w, c) for w, c, t in learned if t > start})
