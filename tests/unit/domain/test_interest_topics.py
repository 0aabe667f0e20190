"""Interests are topics of a learner's life: the vocabulary, how other spellings map onto it,
and the path's interest reason, which matches topics only (never a content tag)."""

from __future__ import annotations

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import Skill, SkillGraph
from pathwise.domain.profile import INTEREST_TOPICS, interest_topic, matching_interest, topics_of
from pathwise.engine.paths import LearnerView, rank

CONTENT_TAGS = ("review", "mixed", "real-world", "data", "social")


def test_the_vocabulary_holds_topics_and_no_content_words() -> None:
    assert len(INTEREST_TOPICS) >= 12 and len(set(INTEREST_TOPICS)) == len(INTEREST_TOPICS)
    assert {"sports", "music", "cooking", "animals", "space", "games"} <= set(INTEREST_TOPICS)
    for word in CONTENT_TAGS:
        assert interest_topic(word) is None, word


def test_other_spellings_name_a_topic() -> None:
    assert interest_topic("Soccer") == "sports" and interest_topic("  video   games ") == "games"
    assert interest_topic("building things") == "building" and interest_topic("Cooking") == "cooking"
    assert interest_topic("chess club") is None


def test_topics_of_an_activity_leave_content_tags_out() -> None:
    assert topics_of(("review", "mixed")) == ()
    assert topics_of(("cooking", "real-world", "food")) == ("cooking",)


def test_an_interest_matches_only_a_topic() -> None:
    assert matching_interest(("review", "mixed"), {"review", "mixed"}) is None
    assert matching_interest(("real-world", "cooking"), {"baking"}) == "cooking"
    assert matching_interest(("Sports", "data"), {"soccer"}) == "Sports"
    assert matching_interest(("data",), {"data"}) is None


def test_the_paths_interest_reason_never_comes_from_a_content_tag() -> None:
    graph = SkillGraph([Skill("a", "Alpha")])
    acts = [Activity("act.review", "Mixed review", ActivityKind.PRACTICE, ("a",), tags=("review", "mixed")),
            Activity("act.recipe", "Scale a recipe", ActivityKind.PROJECT, ("a",), tags=("cooking", "real-world"))]

    def reasons(interests: set[str]) -> dict[str, list[str]]:
        view = LearnerView(p_mastery={"a": 0.3}, mastered=frozenset(), interests=frozenset(interests))
        return {r.activity.id: [x.text for x in r.reasons] for r in rank(graph, acts, view, k=2)}

    got = reasons({"review", "mixed", "real-world"})
    assert not any("interest" in t for ts in got.values() for t in ts), got
    got = reasons({"cooking"})
    assert "Matches your interest: cooking" in got["act.recipe"]
    assert not any("interest" in t for t in got["act.review"])
