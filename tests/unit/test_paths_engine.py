"""engine.paths: frontier and skill map, scoring with reasons and weights, the
wheel-spinning guard and the mastery-check cadence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Skill, SkillGraph
from pathwise.engine.paths import (
    CheckCadence,
    LearnerView,
    SkillStatus,
    Weights,
    WheelSpinGuard,
    check_skills,
    open_skills,
    rank,
    skill_map,
    step_back_targets,
)

# a needs nothing; b needs a; c needs (a) AND (b OR d); d needs nothing; e needs c
G = SkillGraph([
    Skill("a", "Alpha"), Skill("b", "Beta", prerequisites=(frozenset({"a"}),)),
    Skill("d", "Delta"),
    Skill("c", "Gamma", prerequisites=(frozenset({"a"}), frozenset({"b", "d"}))),
    Skill("e", "Epsilon", prerequisites=(frozenset({"c"}),)),
])
TITLES = {"a": "Alpha", "b": "Beta", "c": "Gamma", "d": "Delta", "e": "Epsilon"}
ACTS = [Activity(f"p.{c}", f"Practise {c}", ActivityKind.PRACTICE, (c,)) for c in "abcde"]


def view(mastered: set[str], **kw: object) -> LearnerView:
    p = {c: (0.97 if c in mastered else 0.3) for c in "abcde"}
    p.update(kw.pop("p", {}))  # type: ignore[arg-type]
    return LearnerView(p_mastery=p, mastered=frozenset(mastered), **kw)  # type: ignore[arg-type]


def test_and_or_readiness() -> None:
    assert open_skills(G, set()) == ["a", "d"]
    assert set(open_skills(G, {"a"})) == {"b", "d"}  # c still needs b or d
    assert "c" in open_skills(G, {"a", "d"})  # the OR group is met by d
    assert "c" in open_skills(G, {"a", "b"})
    assert "c" not in open_skills(G, {"b", "d"})  # the AND group a is missing
    assert open_skills(G, {"a", "b", "c", "d", "e"}) == []
    # a skill the learner has begun stays open though its prerequisites are not mastered
    assert "e" in open_skills(G, {"a"}, started={"e"}) and "e" not in open_skills(G, {"a"})
    assert skill_map(G, {"a"}, {"e": 1})[4].status == SkillStatus.IN_PROGRESS


def test_skill_map_names_what_unlocks_a_locked_skill() -> None:
    m = {s.code: s for s in skill_map(G, {"a"}, {"b": 2})}
    assert m["a"].status == SkillStatus.MASTERED and m["b"].status == SkillStatus.IN_PROGRESS
    assert m["d"].status == SkillStatus.READY
    assert m["c"].status == SkillStatus.LOCKED and m["c"].missing == (("b", "d"),)
    assert m["e"].status == SkillStatus.LOCKED and m["e"].missing == (("c",),)
    opened = {s.code: s for s in skill_map(G, {"a"}, opened={"e"})}
    assert opened["e"].status == SkillStatus.READY and opened["e"].opened_by_teacher


@settings(max_examples=60, deadline=None)
@given(st.sets(st.sampled_from("abcde")), st.sets(st.sampled_from("abcde")))
def test_rank_never_offers_a_locked_skill_unless_opened(mastered: set[str], opened: set[str]) -> None:
    v = view(mastered, opened=frozenset(opened))
    for r in rank(G, ACTS, v, k=10, titles=TITLES):
        for s in r.activity.skill_codes:
            assert s in mastered or s in opened or G.is_ready(s, mastered)


def test_every_recommendation_keeps_its_reasons() -> None:
    recs = rank(G, ACTS, view({"a"}), k=3, titles=TITLES)
    assert [r.activity.id for r in recs] == ["p.b", "p.d"] or {r.activity.id for r in recs} == {"p.b", "p.d"}
    b = next(r for r in recs if r.activity.id == "p.b")
    assert b.reason == "Ready: you've mastered the prerequisite Alpha"
    assert abs(sum(x.value for x in b.reasons) - b.score) < 1e-6
    assert {x.code for x in b.reasons} >= {"gain", "readiness", "difficulty"}
    two = rank(G, ACTS, view({"a", "b"}), k=5, titles=TITLES)
    assert next(r for r in two if r.activity.id == "p.c").reason == "Ready: you've mastered both prerequisites"


def test_weights_change_the_ranking() -> None:
    acts = [Activity("vid.b", "Beta video", ActivityKind.VIDEO, ("b",), tags=("sports",)),
            Activity("p.d", "Practise d", ActivityKind.PRACTICE, ("d",))]
    v = view({"a"}, interests=frozenset({"sports"}))
    plain = rank(G, acts, v, Weights(interest=0.0, modality=0.0), k=2, titles=TITLES)
    keen = rank(G, acts, v, Weights(interest=3.0), k=2, titles=TITLES)
    assert plain[0].activity.id == "p.d" and keen[0].activity.id == "vid.b"
    assert keen[0].reason == "Matches your interest: sports"
    focus = rank(G, ACTS, view({"a"}, focus=frozenset({"d"})), k=2, titles=TITLES)
    assert focus[0].activity.id == "p.d" and focus[0].reason == "Your teacher's focus this week"
    with pytest.raises(ValueError, match="unknown weight"):
        Weights.from_mapping({"gian": 1.0})
    with pytest.raises(ValueError, match="gain"):
        Weights(gain=-1)


def test_review_due_is_offered_with_its_age() -> None:
    v = view({"a", "d"}, review_due={"a": 21.0}, retrievability={"a": 0.85, "d": 0.99})
    recs = rank(G, ACTS, v, k=5, titles=TITLES)
    a = next(r for r in recs if r.activity.id == "p.a")
    assert a.purpose == "review" and a.reason == "Due for review: Alpha, last practised 3 weeks ago"
    assert "Keep it fresh: Alpha" in [r.text for r in a.reasons]
    assert "p.d" not in [r.activity.id for r in recs]  # mastered and not due


def test_a_mixed_review_names_the_skill_whose_age_it_gives() -> None:
    """A review of several skills, one due (6 weeks) and one practised today: the words name
    the due skill, so the age is never read as that of the whole activity."""
    mixed = Activity("mix.ad", "Mixed review: Alpha and Delta", ActivityKind.PRACTICE, ("a", "d"))
    v = view({"a", "d"}, review_due={"a": 42.0}, retrievability={"a": 0.8, "d": 0.99})
    rec = next(r for r in rank(G, [mixed], v, k=3, titles=TITLES) if r.activity.id == "mix.ad")
    assert rec.purpose == "review" and rec.skills == ("a",)
    assert rec.reason == "Due for review: Alpha, last practised 6 weeks ago"
    both = view({"a", "d"}, review_due={"a": 42.0, "d": 9.0}, retrievability={"a": 0.8, "d": 0.9})
    rec = next(r for r in rank(G, [mixed], both, k=3, titles=TITLES) if r.activity.id == "mix.ad")
    texts = [r.text for r in rec.reasons]
    assert rec.reason == "Due for review: Alpha, last practised 6 weeks ago"  # the older of the two
    assert "Keep it fresh: Alpha and 1 more" in texts


def test_wheel_spinning_routes_to_prerequisites() -> None:
    guard = WheelSpinGuard(limit=10)
    spinning = guard.spinning({"c": 10, "b": 3}, mastered={"a", "b"})
    assert spinning == {"c"}
    v = view({"a", "b"}, spinning=frozenset(spinning), p={"a": 0.99, "b": 0.96})
    recs = rank(G, ACTS, v, k=5, titles=TITLES)
    ids = [r.activity.id for r in recs]
    assert "p.c" not in ids
    assert recs[0].purpose == "step_back" and recs[0].activity.id in {"p.a", "p.b"}
    # the prerequisites are mastered: the words say refresh, never "strengthen" a mastered skill
    assert recs[0].reason == "Step back: refresh Beta (mastered), a base for Gamma"
    assert not any("strengthen" in r.reason for r in recs)
    assert step_back_targets(G, "c", {"a": 0.99, "b": 0.96, "d": 0.2}) == ["b", "a"]
    with pytest.raises(ValueError):
        WheelSpinGuard(limit=1)


def test_a_slow_learner_who_is_getting_there_is_not_wheel_spinning() -> None:
    guard = WheelSpinGuard(limit=10)
    rising = [0, 0, 0, 0, 0, 1, 0, 1, 1, 1]  # 3 of the last 5 right: learning, only slowly
    stuck = [0, 1, 0, 0, 0, 1, 0, 0, 1, 0]  # 2 of the last 5
    assert not guard.is_spinning(10, False, rising)
    assert guard.is_spinning(10, False, stuck)
    assert not guard.is_spinning(12, False, rising + [0, 0])  # still 3 of the last 5
    assert guard.is_spinning(13, False, rising + [0, 0, 0])  # progress stalled: flagged at once
    assert not guard.is_spinning(9, False, stuck)  # too few tries yet
    assert not guard.is_spinning(15, True, stuck)  # mastered
    assert guard.is_spinning(10, False, [1, 1, 1])  # fewer answers than the window show nothing
    assert guard.spinning({"c": 10, "d": 11}, set(), {"c": rising, "d": stuck}) == {"d"}
    assert WheelSpinGuard(limit=10, min_right=0).is_spinning(10, False, rising)  # progress not asked
    assert WheelSpinGuard(limit=10, window=3, min_right=3).is_spinning(10, False, [1, 0, 1, 1, 0])
    for bad in ({"window": 0}, {"min_right": 6}, {"min_right": -1}):
        with pytest.raises(ValueError):
            WheelSpinGuard(**bad)  # type: ignore[arg-type]


def test_a_student_stuck_on_a_first_skill_is_never_left_with_nothing() -> None:
    """Both skills open to a new student are wheel-spinning and have no prerequisites
    to step back to: the path offers another way in first (a video), then another try,
    never an empty list (that left the student with nothing to do)."""
    video = Activity("v.a", "Video on Alpha", ActivityKind.VIDEO, ("a",))
    v = view(set(), spinning=frozenset({"a", "d"}))
    recs = rank(G, ACTS + [video], v, k=3, titles=TITLES)
    assert recs[0].activity.id == "v.a" and recs[0].purpose == "step_back"
    assert recs[0].reason == "Another way in: videos on Alpha, since more practice has not helped yet"
    # practice comes back too (other ways in alone do not clear the flag: a dead end)
    assert {r.activity.id for r in recs[1:]} == {"p.a", "p.d"}  # b, c, e stay locked
    assert all(r.purpose == "learn" and "your teacher knows" in r.reason for r in recs[1:])
    recs = rank(G, ACTS, v, k=3, titles=TITLES)  # no other way in at all
    assert {r.activity.id for r in recs} == {"p.a", "p.d"}
    # while other work is open, a stuck skill's practice stays off the path
    v1 = view(set(), spinning=frozenset({"a"}))
    assert [r.activity.id for r in rank(G, ACTS + [video], v1, k=5, titles=TITLES)] == ["v.a", "p.d"]
    # with a way back open, nothing changes: the spinning skill's own work stays off the path
    v2 = view({"a", "b"}, spinning=frozenset({"c"}), p={"a": 0.99, "b": 0.96})
    ids2 = [r.activity.id for r in rank(G, ACTS + [Activity("v.c", "Video on Gamma", ActivityKind.VIDEO, ("c",))],
                                        v2, k=5, titles=TITLES)]
    assert "p.c" not in ids2 and "v.c" not in ids2


def test_mastery_check_cadence() -> None:
    cad = CheckCadence(after_new_mastered=3, every_days=21, size=4)
    assert check_skills(cad, ["a", "b"], 5.0, {"a": 0.99, "b": 0.99, "d": 0.9}) == []
    assert check_skills(cad, ["a", "b"], 22.0, {"a": 0.99, "b": 0.99, "d": 0.9}) == ["a", "b", "d"]
    got = check_skills(cad, ["a", "b", "c"], None, {"a": 1, "b": 1, "c": 1, "d": 0.8, "e": 0.95})
    assert got == ["a", "b", "c", "d"]
    assert check_skills(cad, [], 100.0, {"a": 0.5}) == []
    recs = rank(G, ACTS, view({"a", "b", "d"}, check=("a", "b")), k=3, titles=TITLES)
    assert recs[0].purpose == "check" and recs[0].reason == "Mastery check: confirm Alpha and Beta"


def test_when_everything_is_mastered_reviews_ahead_are_offered_most_forgotten_first() -> None:
    everything = {"a", "b", "c", "d", "e"}
    v = view(everything, retrievability={"a": 0.97, "b": 0.80, "c": 0.95, "d": 0.99, "e": 0.90})
    recs = rank(G, ACTS, v, k=3, titles=TITLES)
    assert [r.activity.id for r in recs] == ["p.b", "p.e", "p.c"]
    assert all(r.purpose == "review" for r in recs)
    assert recs[0].reason == "Review ahead: everything open to you is mastered; keep Beta fresh"
    # with anything left to learn or due, nothing is reviewed ahead
    assert all(r.reasons[0].code != "ahead" for r in rank(G, ACTS, view(everything - {"e"}), k=5, titles=TITLES))
