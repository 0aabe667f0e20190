"""Strengths and needs from mastery (engine.agency.strengths) and the survey's own checks
(domain.survey): each list follows the product's states and thresholds, a skill sits on one list
at most, and nothing depends on the order the estimates come in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain import survey as sv
from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import Skill, SkillGraph
from pathwise.domain.mastery_states import State
from pathwise.engine.agency import strengths as eng
from pathwise.engine.agency.strengths import Entry, Estimate, Kind, compute

T0 = datetime(2026, 9, 1, tzinfo=UTC)
SKILLS = (
    Skill("a", "A", "u1"),
    Skill("b", "B", "u1", prerequisites=(frozenset({"a"}),)),
    Skill("c", "C", "u1", prerequisites=(frozenset({"a"}),)),
    Skill("d", "D", "u2", prerequisites=(frozenset({"b", "c"}),)),
    Skill("e", "E", "u2"),
)
GRAPH = SkillGraph(SKILLS)
UNITS = {"u1": ["a", "b", "c"], "u2": ["d", "e"]}


def est(p: float, n: int, minutes: int = 0) -> Estimate:
    return Estimate(p, n, 0.95, T0 + timedelta(minutes=minutes))


def kinds(entries: tuple[Entry, ...]) -> dict[Kind, list[str]]:
    out: dict[Kind, list[str]] = {k: [] for k in Kind}
    for e in sorted(entries, key=lambda e: (e.kind, e.position)):
        out[e.kind].append(e.code)
    return out


def test_nothing_yet_means_only_the_first_skills_are_next_up() -> None:
    got = kinds(compute(GRAPH, UNITS, {}))
    assert got[Kind.NEXT_UP] == ["a", "e"]
    assert got[Kind.STRENGTH] == got[Kind.UNIT] == got[Kind.NOT_YET] == []


def test_solid_mastery_is_a_strength_and_a_thin_one_is_not_yet() -> None:
    got = kinds(compute(GRAPH, UNITS, {"a": est(0.99, 5, 1), "e": est(0.97, 2, 2)}))
    assert got[Kind.STRENGTH] == ["a"]  # e is mastered on two answers only: not solid yet
    assert got[Kind.NEXT_UP][:2] == ["b", "c"]  # unlocked by a


def test_strengths_are_most_recent_first_and_units_mostly_mastered() -> None:
    got = kinds(compute(GRAPH, UNITS, {"a": est(0.99, 4, 1), "b": est(0.99, 4, 9), "c": est(0.5, 2, 3)}))
    assert got[Kind.STRENGTH] == ["b", "a"]
    assert got[Kind.UNIT] == []  # two of three skills is below three quarters
    got = kinds(compute(GRAPH, UNITS, {c: est(0.99, 4, i) for i, c in enumerate("abc")}))
    assert got[Kind.UNIT] == ["u1"]


def test_several_tries_still_getting_there_is_not_yet_and_not_next_up() -> None:
    estimates = {"a": est(0.99, 5), "b": est(0.3, 6), "c": est(0.3, 2), "e": est(0.8, 6)}
    got = kinds(compute(GRAPH, UNITS, estimates))
    assert got[Kind.NOT_YET] == ["b"]
    assert estimates["e"].state == State.NEARLY_THERE and "e" not in got[Kind.NOT_YET]
    assert got[Kind.NEXT_UP] == ["c", "e"]  # begun first, both ready; b is on the not-yet list only
    assert "d" not in got[Kind.NEXT_UP]  # still locked behind b or c


def test_no_framework_still_names_strengths_and_not_yet() -> None:
    got = kinds(compute(None, {}, {"x": est(0.99, 3), "y": est(0.2, 5)}))
    assert got == {Kind.STRENGTH: ["x"], Kind.UNIT: [], Kind.NEXT_UP: [], Kind.NOT_YET: ["y"]}


estimates_st = st.dictionaries(
    st.sampled_from([s.code for s in SKILLS] + ["z"]),
    st.builds(est, st.floats(0.0, 1.0), st.integers(0, 12), st.integers(0, 500)), max_size=6)


@settings(max_examples=200, deadline=None)
@given(estimates_st)
def test_lists_are_consistent_with_the_states(estimates: dict[str, Estimate]) -> None:
    entries = compute(GRAPH, UNITS, estimates)
    got = kinds(entries)
    skill_lists = [c for k in (Kind.STRENGTH, Kind.NEXT_UP, Kind.NOT_YET) for c in got[k]]
    assert len(skill_lists) == len(set(skill_lists))  # a skill is on one list at most
    for c in got[Kind.STRENGTH]:
        assert estimates[c].mastered and estimates[c].n_evidence >= eng.SOLID_EVIDENCE
    for c in got[Kind.NOT_YET]:
        assert estimates[c].state == State.GETTING_THERE and estimates[c].n_evidence >= eng.NOT_YET_TRIES
    mastered = {c for c, e in estimates.items() if e.mastered}
    for c in got[Kind.NEXT_UP]:
        assert c not in mastered and GRAPH.is_ready(c, mastered)
    for k in Kind:
        assert [e.position for e in entries if e.kind == k] == list(range(len(got[k])))
        assert len(got[k]) <= eng.MAX_PER_KIND


@settings(max_examples=100, deadline=None)
@given(estimates_st, st.randoms())
def test_the_order_estimates_arrive_in_does_not_matter(estimates: dict[str, Estimate], rnd) -> None:  # type: ignore[no-untyped-def]
    items = list(estimates.items())
    rnd.shuffle(items)
    assert sorted(compute(GRAPH, UNITS, dict(items))) == sorted(compute(GRAPH, UNITS, estimates))


def test_survey_answers_are_tidied_and_checked() -> None:
    a = sv.check_answers(["music", " music ", "space"], ["video"], ["u1", "a", "a"], "  more   fractions ",
                         known_targets={"u1", "a"})
    assert (a.interests, a.modalities, a.improve, a.note) == (("music", "space"), ("video",), ("u1", "a"),
                                                               "more fractions")
    assert sv.SurveyAnswers.from_stored(a.to_stored()) == a
    assert sv.profile_patch(a) == {"interests": ["music", "space"], "preferred_modalities": ["video"]}
    with pytest.raises(ValidationError) as bad:
        sv.check_answers([], [], ["nope"], "", known_targets={"a"})
    assert bad.value.field == "improve"
    with pytest.raises(ValidationError) as long_note:
        sv.check_answers([], [], [], "x" * (sv.MAX_NOTE + 1), known_targets=set())
    assert long_note.value.field == "note"
    with pytest.raises(ValidationError):
        sv.check_answers([], [], list("abcdef"), "", known_targets=set("abcdef"))


def test_every_way_of_learning_has_kid_words() -> None:
    from pathwise.domain.profile import MODALITY_CHOICES

    assert set(sv.MODALITY_KID_WORDS) == set(MODALITY_CHOICES)
