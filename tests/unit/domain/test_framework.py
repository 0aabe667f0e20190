"""Frameworks: AND/OR prerequisites, readiness, order and named cycles."""

import pytest

from pathwise.domain.errors import CycleError, ValidationError
from pathwise.domain.framework import Framework, Skill, SkillGraph, Unit


def s(code: str, *groups: set[str]) -> Skill:
    return Skill(code, code.upper(), prerequisites=tuple(frozenset(g) for g in groups))


def test_order_puts_prerequisites_first() -> None:
    g = SkillGraph([s("c", {"b"}), s("b", {"a"}), s("a")])
    order = g.codes()
    assert order.index("a") < order.index("b") < order.index("c")


def test_and_of_or_groups() -> None:
    # d needs (a or b) and c
    g = SkillGraph([s("a"), s("b"), s("c"), s("d", {"a", "b"}, {"c"})])
    assert not g.is_ready("d", {"a"})
    assert not g.is_ready("d", {"c"})
    assert g.is_ready("d", {"b", "c"})
    assert g.missing_groups("d", {"a"}) == [frozenset({"c"})]


def test_frontier_is_ready_and_not_mastered() -> None:
    g = SkillGraph([s("a"), s("b", {"a"}), s("c", {"b"}), s("x")])
    assert g.frontier(set()) == ["a", "x"]
    assert g.frontier({"a"}) == ["b", "x"]
    assert g.frontier({"a": True, "b": True, "x": False}) == ["c", "x"]


def test_cycle_is_named_in_full() -> None:
    with pytest.raises(CycleError) as info:
        SkillGraph([s("a", {"c"}), s("b", {"a"}), s("c", {"b"})])
    cycle = info.value.cycle
    assert cycle[0] == cycle[-1]
    assert set(cycle) == {"a", "b", "c"}
    assert "->" in str(info.value)


def test_self_prerequisite_is_a_cycle() -> None:
    with pytest.raises(CycleError):
        s("a", {"a"})


def test_unknown_prerequisite_named() -> None:
    with pytest.raises(ValidationError, match="needs unknown skill zz"):
        SkillGraph([s("a", {"zz"})])


def test_unlocks_and_ancestors() -> None:
    g = SkillGraph([s("a"), s("b", {"a"}), s("c", {"b"})])
    assert g.unlocks("a") == {"b"}
    assert g.ancestors("c") == {"a", "b"}


def test_framework_checks_units_and_duplicates() -> None:
    with pytest.raises(ValidationError, match="unknown unit"):
        Framework("f1", "F", skills=(Skill("a", "A", unit="u9"),))
    with pytest.raises(ValidationError, match="appears twice"):
        Framework("f1", "F", units=(Unit("u1", "U"),), skills=(Skill("a", "A"), Skill("a", "A2")))
    with pytest.raises(ValidationError, match="mastery_threshold"):
        Framework("f1", "F", mastery_threshold=1.5)


def test_bad_codes_rejected() -> None:
    with pytest.raises(ValidationError, match="skill"):
        Skill("has space", "X")
