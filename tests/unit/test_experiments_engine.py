"""The experiments' engine: stable, balanced assignment (property tests) and the report's
figures, intervals and conclusions in words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.insight.experiments import (
    ESTIMATED_SECONDS,
    StudentTally,
    assign_arms,
    report,
    tally_student,
)

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
ids = st.text("abcdefgh0123", min_size=1, max_size=6)
classes_st = st.dictionaries(st.sampled_from(["c1", "c2", "c3"]), st.lists(ids, max_size=25), max_size=3)


@given(st.text(min_size=1, max_size=10), classes_st)
@settings(max_examples=150, deadline=None)
def test_the_same_input_gives_the_same_arms(salt: str, classes: dict[str, list[str]]) -> None:
    first = assign_arms(salt, classes, {})
    again = assign_arms(salt, {k: list(reversed(v)) for k, v in classes.items()}, {})
    assert first == again
    assert set(first) == {lid for v in classes.values() for lid in v}


@given(st.text(min_size=1, max_size=10), st.lists(st.lists(ids, max_size=25), max_size=3),
       st.lists(ids, max_size=6))
@settings(max_examples=150, deadline=None)
def test_each_class_is_balanced_also_after_late_joiners(salt: str, groups: list[list[str]],
                                                        joiners: list[str]) -> None:
    # disjoint classes (a student in one class): prefix the ids with the class
    classes = {f"c{i}": [f"{i}-{x}" for x in g] for i, g in enumerate(groups)}
    arms = {k: v[0] for k, v in assign_arms(salt, classes, {}).items()}
    if classes:
        classes["c0"] = classes["c0"] + [f"0-late-{x}" for x in joiners]  # they join class c0 later
    new = assign_arms(salt, classes, arms)
    assert not set(new) & set(arms), "a student keeps the arm they were given"
    arms.update({k: v[0] for k, v in new.items()})
    for members in classes.values():
        a = sum(arms[m] == "A" for m in set(members))
        b = sum(arms[m] == "B" for m in set(members))
        assert abs(a - b) <= 1, (a, b)


def test_the_salt_changes_who_is_in_which_arm() -> None:
    members = {"c1": [f"s{i}" for i in range(40)]}
    assert assign_arms("one", members, {}) != assign_arms("two", members, {})


def _ans(skill: str, score: float, minutes: int, **data: object) -> tuple:  # type: ignore[type-arg]
    return ("answer", (skill,), score, T0 + timedelta(minutes=minutes), data)


def test_a_students_tally_counts_practice_reviews_and_checks() -> None:
    mastered = {"s1": T0 + timedelta(minutes=5), "s0": T0 - timedelta(days=3)}
    ev = [_ans("s1", 1, 1, duration_s=30), _ans("s1", 1, 5), _ans("s1", 0, 6),  # review after mastery at 5
          _ans("s0", 1, 7, mode="check", session_id="k1"), _ans("s0", 0, 8, mode="check", session_id="k2"),
          _ans("s0", 1, 9, mode="check", session_id="k2"),
          ("hint", ("s1",), 0.0, T0 + timedelta(minutes=2), {}),
          _ans("s1", 1, 60 * 24 * 9)]  # after the window
    t = tally_student("u1", "A", ev, mastered, T0, T0 + timedelta(days=7))
    assert t.answers == 6 and t.timed_answers == 1
    assert t.seconds == 30 + 5 * ESTIMATED_SECONDS
    assert (t.review_right, t.review_total) == (2, 4)  # s1 at minute 6 and s0's three check answers
    assert (t.checks_passed, t.checks_taken) == (1, 2)
    assert t.mastered == 1  # s0 was mastered before the window


def _cohort(n: int, per_hour_a: float, per_hour_b: float, noise: float = 0.0) -> list[StudentTally]:
    out = []
    for i in range(n):
        for arm, rate in (("A", per_hour_a), ("B", per_hour_b)):
            hours = 1.0 + (i % 3) * 0.5
            mastered = round(rate * hours + (noise if i % 2 else -noise))
            out.append(StudentTally(f"{arm}{i}", arm, max(mastered, 0), hours * 3600, 10, 10, 8, 10, i % 2, 2))
    return out


def test_a_clear_difference_names_the_better_arm_with_its_interval() -> None:
    rep = report(_cohort(12, 2.0, 4.0, noise=0.5))
    per_hour = rep.metrics[0]
    assert per_hour.key == "per_hour"
    assert per_hour.diff.low is not None and per_hour.diff.low > 0
    assert rep.conclusion.startswith("arm B mastered more skills per hour of practice: ")
    assert f"({per_hour.diff.low:.2f} to {per_hour.diff.high:.2f})" in rep.conclusion
    assert rep.students == {"A": 12, "B": 12}
    flipped = report(_cohort(12, 4.0, 2.0, noise=0.5))
    assert flipped.conclusion.startswith("arm A mastered more skills per hour of practice: ")
    assert flipped.metrics[0].diff.value < 0  # B - A


def test_no_difference_says_so_and_a_small_cohort_claims_nothing() -> None:
    same = report(_cohort(12, 3.0, 3.0, noise=1.0))
    assert same.conclusion == "no clear difference yet"
    assert same.metrics[1].conclusion == "no clear difference yet"  # retention: equal by construction
    small = report(_cohort(3, 1.0, 9.0))
    assert small.conclusion == "too few students to tell"


def test_the_intervals_are_repeatable_with_the_fixed_seed_and_contain_the_estimate() -> None:
    data = _cohort(10, 2.0, 3.0, noise=1.0)
    one, two = report(data), report(data)
    assert one == two
    for m in one.metrics:
        for iv in (m.a, m.b):
            assert iv.low is not None and iv.high is not None and iv.value is not None
            assert iv.low <= iv.value + 1e-9 and iv.value <= iv.high + 1e-9
    assert report(data, seed=1).metrics[0].diff != one.metrics[0].diff


def test_durations_say_where_practice_time_comes_from() -> None:
    t = [StudentTally("x", "A", 1, 60.0, 3, 0, 0, 0, 0, 0), StudentTally("y", "B", 1, 60.0, 2, 0, 0, 0, 0, 0)]
    assert report(t).durations == "estimated"
    assert report([StudentTally("x", "A", 1, 60.0, 3, 3, 0, 0, 0, 0)]).durations == "recorded"


def test_the_report_words_its_verdict_in_the_readers_language() -> None:
    """The page words each conclusion from the verdict and the amounts (the same figures as the
    English sentence), in English and in Spanish; a verdict of no difference or too few
    students is worded too."""
    from pathwise.web.pages import i18n
    from pathwise.web.pages.render import TEMPLATES

    words = TEMPLATES.env.from_string('{% import "experiments/words.html" as d %}'
                                      '{% for m in ms %}[{{ d.in_words(m) }}]{% endfor %}')
    clear = report(_cohort(12, 2.0, 4.0, noise=0.5)).metrics[0]
    assert clear.verdict == "B" and clear.amount is not None
    d, lo, hi = clear.amount
    assert clear.conclusion == f"arm B mastered more skills per hour of practice: {d} more ({lo} to {hi})"
    same, small = report(_cohort(12, 3.0, 3.0, noise=1.0)).metrics[0], report(_cohort(3, 1.0, 9.0)).metrics[0]
    assert (same.verdict, small.verdict) == ("unclear", "too_few")
    english = words.render(ms=[clear, same, small])
    assert english == f"[{clear.conclusion}][no clear difference yet][too few students to tell]"
    with i18n.page_language("es"):
        spanish = words.render(ms=[clear, same, small])
    assert spanish == (f"[el grupo B dominó más habilidades por hora de práctica: {d} más (de {lo} a {hi})]"
                       "[todavía no hay una diferencia clara][muy pocos estudiantes para saberlo]")
