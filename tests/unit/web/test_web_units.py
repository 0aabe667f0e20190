"""Small pure pieces of the web door: words for mastery, safe redirects, field names, schemas, policies."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError as PydanticError

from pathwise.domain.people import Role, User
from pathwise.services.auth import csrf_matches
from pathwise.services.mastery import mastery_level
from pathwise.services.school import LearnerSummary, SkillStatus, in_plain_words
from pathwise.web.api.schemas import EvidenceBatchIn, EvidenceIn, TokenRequest
from pathwise.web.app import _field_of
from pathwise.web.pages.links import safe_link, same_site_path
from pathwise.web.policy import Policy, policy


@pytest.mark.parametrize("p,n,words", [
    (None, 0, "not started"), (0.99, 0, "not started"), (0.96, 3, "mastered"), (0.95, 3, "mastered"),
    (0.94, 3, "nearly there"), (0.70, 1, "nearly there"), (0.69, 1, "getting there"), (0.1, 1, "getting there"),
])
def test_mastery_is_put_in_words(p: float | None, n: int, words: str) -> None:
    assert mastery_level(p, 0.95, n) == words


def test_a_skill_without_evidence_has_no_percent() -> None:
    none = SkillStatus("a", "A", None, None, 0, 0, 0.95, "", None)
    some = SkillStatus("a", "A", None, 0.724, 4, 3, 0.95, "", None)
    assert none.percent is None and not none.mastered and none.level == "not started"
    assert some.percent == 72 and some.level == "nearly there"


def _summary(n_evidence: int, last: datetime | None) -> LearnerSummary:
    kid = User("u1", "s1", "kid", "Maya Khan", Role.STUDENT)
    return LearnerSummary(kid, 3, 1, 1, 0, 0.7 if n_evidence else None, n_evidence, last)


def test_plain_words_for_a_family() -> None:
    assert in_plain_words(_summary(0, None), []) == [
        "Maya has no recorded work yet. Progress appears here after the first practice."]
    at = datetime(2026, 9, 3, 12, tzinfo=UTC)
    skills = [SkillStatus("a", "Add fractions", None, 0.97, 5, 5, 0.95, "", at),
              SkillStatus("b", "Compare fractions", None, 0.6, 3, 2, 0.95, "", at),
              SkillStatus("c", "Decimals", None, None, 0, 0, 0.95, "", None)]
    words = in_plain_words(_summary(8, at), skills)
    assert words == ["Maya has mastered 1 of 3 skills so far.", "Recently learned: Add fractions.",
                     "Working on now: Compare fractions (getting there).", "Last practised on 3 September 2026."]


def test_summary_counts_are_put_in_the_same_words() -> None:
    kid = User("u1", "s1", "kid", "Maya Khan", Role.STUDENT)
    assert LearnerSummary(kid, 3, 0, 0, 0, None, 0, None).in_states == "no work yet"
    summary = LearnerSummary(kid, 9, 2, 0, 3, 0.7, 5, None)
    assert summary.in_states == "2 mastered, 3 getting there" and summary.n_not_started == 4
    assert summary.mean_percent == 70


@pytest.mark.parametrize("target,ok", [
    ("/teacher", True), ("/teacher/classes/x?y=1", True), ("//evil.example", False), ("https://evil.example", False),
    ("/\\evil.example", False), ("", False), (None, False), ("teacher", False),
])
def test_only_same_site_paths_are_followed(target: str | None, ok: bool) -> None:
    assert same_site_path(target) == (target if ok else None)


@pytest.mark.parametrize("url,ok", [
    ("/practice/activity/a1", True), ("https://video.example/x", True), ("http://a.example", True),
    ("//evil.example", False), ("/\\evil.example", False), ("javascript:alert(1)", False),
    ("data:text/html,x", False), ("", False), (None, False), ("https://a.example\\@evil", False),
])
def test_rendered_links_are_this_site_or_http(url: str | None, ok: bool) -> None:
    assert safe_link(url) == (url.strip() if ok and url else None)


def test_error_fields_drop_the_location_prefix() -> None:
    assert _field_of(("body", "evidence", 0, "score")) == "evidence.0.score"
    assert _field_of(("query", "limit")) == "limit"
    assert _field_of(("body",)) == "body"


def test_csrf_tokens_compare_exactly() -> None:
    assert csrf_matches("abc", "abc")
    assert not csrf_matches("abc", "abd") and not csrf_matches("abc", None) and not csrf_matches("abc", "")


def test_evidence_input_is_strict() -> None:
    good = {"id": "e1", "learner_id": "u1", "skill_ids": ["frac.add"], "score": 1}
    assert EvidenceIn.model_validate(good).kind == "answer"
    for bad, field in (({**good, "score": 1.5}, "score"), ({**good, "extra": 1}, "extra"),
                       ({**good, "timestamp": "2026-09-01T10:00:00"}, "timestamp"), ({**good, "skill_ids": []},
                                                                                     "skill_ids"),
                       ({**good, "id": ""}, "id")):
        with pytest.raises(PydanticError) as err:
            EvidenceIn.model_validate(bad)
        assert err.value.errors()[0]["loc"][0] == field
    with pytest.raises(PydanticError):
        EvidenceBatchIn.model_validate({"evidence": [good] * 1001})
    with pytest.raises(PydanticError):
        TokenRequest.model_validate({"username": "a", "password": ""})


def test_a_policy_needs_a_name_and_marks_its_dependency() -> None:
    with pytest.raises(ValueError):
        Policy(" ")
    declared = policy("learner:read", Role.TEACHER)
    assert isinstance(declared.dependency, Policy)
    assert declared.dependency.name == "learner:read" and declared.dependency.roles == frozenset({Role.TEACHER})
    assert Policy("public").public and not Policy("self").public


def test_a_self_rating_is_said_in_words_never_as_a_score() -> None:
    from pathwise.domain.evidence import EvidenceKind
    from pathwise.services.school import EvidenceItem

    at = datetime(2026, 9, 3, 12, tzinfo=UTC)
    said = {EvidenceItem("e", EvidenceKind.SELF_ASSESSMENT.value, None, ("a",), ("A",), score, at, "practice").outcome
            for score in (0.0, 0.2, 0.5, 0.8, 1.0)}
    assert said == {"felt unsure", "felt fairly sure", "felt sure"}
    assert not any("%" in s or any(ch.isdigit() for ch in s) for s in said)
    override = EvidenceItem("o", EvidenceKind.OVERRIDE.value, None, ("a",), ("A",), 0.97, at, "teacher")
    assert override.outcome == "marked as mastered"
