"""The family's sentences written in the page layer (web/pages/family_words.py): in English they
are word for word what the service's plain-words summary says, in Spanish they are Spanish,
and the counts of the mastery words use the page's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from pathwise.domain.people import Role, User
from pathwise.services.school import LearnerSummary, SkillStatus, in_plain_words
from pathwise.web.pages import family_words, i18n

KID = User("u1", "s1", "kid", "Maya Khan", Role.STUDENT)
AT = datetime(2026, 9, 3, 12, tzinfo=UTC)


def _skills() -> list[SkillStatus]:
    return [SkillStatus("a", "Add fractions", None, 0.97, 5, 5, 0.95, "", AT),
            SkillStatus("b", "Compare fractions", None, 0.6, 3, 2, 0.95, "", AT),
            SkillStatus("c", "Decimals", None, None, 0, 0, 0.95, "", None)]


def test_english_is_the_services_words() -> None:
    summary = LearnerSummary(KID, 3, 1, 1, 0, 0.7, 8, AT)
    with i18n.page_language("en"):
        assert family_words.in_plain_words(summary, _skills()) == in_plain_words(summary, _skills())
        assert family_words.in_states(LearnerSummary(KID, 9, 2, 0, 3, 0.7, 5, None)) == "2 mastered, 3 getting there"
        assert family_words.in_states(LearnerSummary(KID, 3, 0, 0, 0, None, 0, None)) == "no work yet"
        assert family_words.not_started(4) == "4 not started"


def test_spanish_words() -> None:
    summary = LearnerSummary(KID, 3, 1, 1, 0, 0.7, 8, AT)
    with i18n.page_language("es"):
        words = family_words.in_plain_words(summary, _skills())
        assert words == ["Hasta ahora, Maya domina 1 de 3 habilidades.", "Aprendido hace poco: Add fractions.",
                         "Trabajando ahora en: Compare fractions (en camino).",
                         "Última práctica: 3 de septiembre de 2026."]
        assert family_words.in_plain_words(LearnerSummary(KID, 3, 0, 0, 0, None, 0, None), []) == [
            "Maya todavía no tiene trabajo registrado. El progreso aparece aquí después de la primera práctica."]
        assert family_words.in_states(LearnerSummary(KID, 9, 2, 0, 3, 0.7, 5, None)) == "dominada: 2, en camino: 3"


@given(n_mastered=st.integers(0, 20), n_nearly=st.integers(0, 20), n_getting=st.integers(0, 20),
       n_evidence=st.integers(0, 50), days_ago=st.one_of(st.none(), st.integers(0, 400)))
def test_english_always_matches_the_service(n_mastered: int, n_nearly: int, n_getting: int, n_evidence: int,
                                            days_ago: int | None) -> None:
    last = None if days_ago is None else AT - timedelta(days=days_ago)
    n_skills = n_mastered + n_nearly + n_getting + 2
    summary = LearnerSummary(KID, n_skills, n_mastered, n_nearly, n_getting, 0.5, n_evidence, last)
    with i18n.page_language("en"):
        assert family_words.in_plain_words(summary, _skills()) == in_plain_words(summary, _skills())
        assert family_words.in_states(summary) == summary.in_states
    with i18n.page_language("es"):
        spanish = family_words.in_plain_words(summary, _skills())
    assert len(spanish) == len(in_plain_words(summary, _skills()))
    assert not any("has mastered" in s or "Last practised" in s for s in spanish)
