"""Suggested groups on constructed classes (engine.insight.groups)."""

from __future__ import annotations

import pytest

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Skill, SkillGraph
from pathwise.engine.insight.groups import (
    GroupNeed,
    GroupSettings,
    StudentEvidence,
    activities_for,
    needs_of,
    suggest_groups,
)

TH = 0.95
# a -> b -> c ; a -> d
GRAPH = SkillGraph([Skill("a", "A"), Skill("b", "B", prerequisites=(frozenset({"a"}),)),
                    Skill("c", "C", prerequisites=(frozenset({"b"}),)),
                    Skill("d", "D", prerequisites=(frozenset({"a"}),))])
ACTS = [Activity("p.b", "Practise b", ActivityKind.PRACTICE, ("b",)),
        Activity("mix.bc", "Mixed", ActivityKind.PRACTICE, ("b", "c")),
        Activity("v.b", "Video b", ActivityKind.VIDEO, ("b",)),
        Activity("p.d", "Practise d", ActivityKind.PRACTICE, ("d",))]


def ready_for_b(i: str) -> StudentEvidence:
    return StudentEvidence(i, frozenset({"a"}), {"a": 0.97}, {"a": 6})


def stuck_on_b(i: str, p: float = 0.3) -> StudentEvidence:
    return StudentEvidence(i, frozenset({"a"}), {"a": 0.97, "b": p}, {"a": 6, "b": 8}, frozenset())


def test_needs_of_reads_frontier_and_getting_there() -> None:
    assert needs_of(GRAPH, ready_for_b("s1"), TH) == [(GroupNeed.READY, "b"), (GroupNeed.READY, "d")]
    stuck = needs_of(GRAPH, stuck_on_b("s1"), TH)
    assert (GroupNeed.STUCK, "b") in stuck and (GroupNeed.READY, "b") not in stuck
    few = StudentEvidence("s", frozenset({"a"}), {"b": 0.3}, {"b": 2})  # too little evidence to call stuck
    assert (GroupNeed.STUCK, "b") not in needs_of(GRAPH, few, TH)
    nearly = StudentEvidence("s", frozenset({"a"}), {"b": 0.8}, {"b": 9})  # nearly there is not stuck
    assert (GroupNeed.STUCK, "b") not in needs_of(GRAPH, nearly, TH)
    spinning = StudentEvidence("s", frozenset({"a"}), {"b": 0.8}, {"b": 9}, frozenset({"b"}))
    assert (GroupNeed.STUCK, "b") in needs_of(GRAPH, spinning, TH)
    locked = StudentEvidence("s", frozenset())
    assert [c for _, c in needs_of(GRAPH, locked, TH)] == ["a"]


def test_stuck_students_grouped_on_their_skill_with_its_activities() -> None:
    students = [stuck_on_b(f"s{i}", 0.1 * i) for i in range(1, 5)]
    groups = suggest_groups(GRAPH, students, TH, ACTS)
    assert len(groups) == 1
    g = groups[0]
    assert (g.need, g.skill_code) == (GroupNeed.STUCK, "b")
    assert g.learner_ids == ("s1", "s2", "s3", "s4")
    assert g.activity_ids == ("p.b", "v.b", "mix.bc")  # single-skill activities first


def test_a_student_is_in_at_most_one_group() -> None:
    students = [ready_for_b(f"r{i}") for i in range(5)] + [stuck_on_b(f"s{i}") for i in range(3)]
    groups = suggest_groups(GRAPH, students, TH, ACTS)
    seen = [i for g in groups for i in g.learner_ids]
    assert len(seen) == len(set(seen)) == 8
    assert {(g.need, g.skill_code) for g in groups} == {(GroupNeed.READY, "b"), (GroupNeed.STUCK, "b")}


def test_too_few_make_no_group_and_sizes_respect_limits() -> None:
    assert suggest_groups(GRAPH, [stuck_on_b("s1"), stuck_on_b("s2")], TH) == []
    students = [stuck_on_b(f"s{i:02d}", 0.01 * i) for i in range(13)]
    groups = suggest_groups(GRAPH, students, TH, settings=GroupSettings(min_size=3, max_size=6))
    sizes = sorted(len(g.learner_ids) for g in groups)
    assert sizes == [4, 4, 5] and sum(sizes) == 13
    tight = suggest_groups(GRAPH, students[:7], TH, settings=GroupSettings(min_size=5, max_size=6))
    assert [len(g.learner_ids) for g in tight] == [6]  # 7 cannot split into two of 5: one full group
    # the furthest behind are grouped together
    assert groups[0].learner_ids == ("s00", "s01", "s02", "s03", "s04")


def test_skip_leaves_out_kept_members_and_result_is_deterministic() -> None:
    students = [stuck_on_b(f"s{i}") for i in range(4)]
    assert suggest_groups(GRAPH, students, TH, skip={"s0"})[0].learner_ids == ("s1", "s2", "s3")
    assert suggest_groups(GRAPH, students, TH, skip={"s0", "s1"}) == []
    assert suggest_groups(GRAPH, students, TH, ACTS) == suggest_groups(GRAPH, list(reversed(students)), TH, ACTS)


def test_settings_validate() -> None:
    with pytest.raises(ValueError, match="max_size"):
        GroupSettings(min_size=4, max_size=3)
    with pytest.raises(ValueError, match="min_size"):
        GroupSettings(min_size=1)
    assert activities_for("d", ACTS, 0) == ()
