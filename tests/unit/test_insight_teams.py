"""Project teams (engine.insight.teams): every student in exactly one team, sizes within the
range whenever the class size allows, teams on a shared interest where one exists, levels mixed
in each team, the reason said for a student who shares no interest with their team, and the
same answer for the same class."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.insight.teams import (
    Placement,
    TeamSettings,
    TeamStudent,
    level_spread,
    sizes_allowed,
    suggest_teams,
    team_sizes,
)

TOPICS = ("art", "cooking", "games", "music", "sports", "space")


@st.composite
def classes(draw: st.DrawFn) -> tuple[list[TeamStudent], TeamSettings]:
    n = draw(st.integers(0, 40))
    lo = draw(st.integers(2, 6))
    hi = draw(st.integers(lo, 8))
    students = [TeamStudent(f"s{i:02d}", draw(st.floats(0, 1)),
                            frozenset(draw(st.lists(st.sampled_from(TOPICS), max_size=3)))) for i in range(n)]
    return students, TeamSettings(lo, hi)


@given(classes())
@settings(max_examples=200, deadline=None)
def test_every_student_in_exactly_one_team_and_sizes_within_limits(
        case: tuple[list[TeamStudent], TeamSettings]) -> None:
    students, cfg = case
    teams = suggest_teams(students, cfg)
    seated = [i for t in teams for i in t.ids]
    assert sorted(seated) == sorted(s.id for s in students)
    if students and sizes_allowed(len(students), cfg) and len(students) >= cfg.min_size:
        assert all(cfg.min_size <= len(t.members) <= cfg.max_size for t in teams), [len(t.members) for t in teams]
    for t in teams:
        interests = {s.id: s.interests for s in students}
        for m in t.members:
            shares = t.interest is not None and t.interest in interests[m.id]
            assert (m.placement == Placement.SHARED) == shares
            assert bool(m.placement.phrase) != shares  # a reason is said exactly when they do not share it


@given(classes())
@settings(max_examples=100, deadline=None)
def test_the_same_class_gives_the_same_teams_in_any_order(case: tuple[list[TeamStudent], TeamSettings]) -> None:
    students, cfg = case
    shuffled = list(students)
    random.Random(7).shuffle(shuffled)
    assert suggest_teams(students, cfg) == suggest_teams(shuffled, cfg)


@given(st.integers(1, 200), st.integers(2, 8), st.integers(0, 6))
def test_team_sizes_are_even_and_within_range_when_allowed(n: int, lo: int, extra: int) -> None:
    cfg = TeamSettings(lo, lo + extra)
    sizes = team_sizes(n, cfg)
    assert sum(sizes) == n and max(sizes) - min(sizes) <= 1
    if sizes_allowed(n, cfg) and n >= lo:
        assert all(lo <= s <= lo + extra for s in sizes)


def test_shared_interest_wins_and_levels_span_within_it() -> None:
    levels = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95, 0.1]
    students = [TeamStudent(f"m{i}", lv, frozenset({"music"})) for i, lv in enumerate(levels[:4])]
    students += [TeamStudent(f"c{i}", lv, frozenset({"cooking"})) for i, lv in enumerate(levels[4:])]
    teams = suggest_teams(students, TeamSettings(3, 4))
    assert sorted((t.interest, sorted(t.ids)) for t in teams) == [
        ("cooking", ["c0", "c1", "c2", "c3"]), ("music", ["m0", "m1", "m2", "m3"])]
    assert all(m.placement == Placement.SHARED for t in teams for m in t.members)


def test_a_student_sharing_nothing_is_placed_with_the_reason() -> None:
    students = [TeamStudent("a", 0.9, frozenset({"art"})), TeamStudent("b", 0.1, frozenset({"art"})),
                TeamStudent("c", 0.5, frozenset({"art"})), TeamStudent("lone", 0.2, frozenset({"space"})),
                TeamStudent("none", 0.6, frozenset())]
    (team,) = suggest_teams(students, TeamSettings(3, 5))
    why = {m.id: m.placement for m in team.members}
    assert team.interest == "art"
    assert why == {"a": Placement.SHARED, "b": Placement.SHARED, "c": Placement.SHARED,
                   "lone": Placement.UNSHARED, "none": Placement.NO_INTERESTS}
    assert "Nobody else" in Placement.UNSHARED.phrase and "No interests" in Placement.NO_INTERESTS.phrase


def test_teams_mix_levels_more_than_random_teams() -> None:
    """On simulated classes, the mean level spread of the teams is at least that of random teams
    of the same sizes (bench/insight/bench_teams.py measures the figure)."""
    rng = random.Random(11)
    ours, chance = [], []
    for _ in range(30):
        students = [TeamStudent(f"s{i:02d}", rng.random(), frozenset(rng.sample(TOPICS, rng.randint(0, 2))))
                    for i in range(rng.randint(18, 30))]
        teams = suggest_teams(students, TeamSettings(3, 5))
        ours.append(sum(t.spread for t in teams) / len(teams))
        sizes = [len(t.members) for t in teams]
        for _ in range(20):
            order = list(students)
            rng.shuffle(order)
            at, spreads = 0, []
            for size in sizes:
                spreads.append(level_spread([s.level for s in order[at:at + size]]))
                at += size
            chance.append(sum(spreads) / len(spreads))
    assert sum(ours) / len(ours) >= sum(chance) / len(chance)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        TeamSettings(1, 4)
    with pytest.raises(ValueError):
        TeamSettings(4, 3)
    with pytest.raises(ValueError):
        suggest_teams([TeamStudent("a", 1.5)])
    with pytest.raises(ValueError):
        suggest_teams([TeamStudent("a", 0.5), TeamStudent("a", 0.5)])
    assert suggest_teams([]) == []
