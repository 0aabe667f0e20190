"""Evidence and people validate themselves."""

from datetime import UTC, datetime

import pytest

from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import Evidence, EvidenceKind, derived_evidence_id
from pathwise.domain.people import Enrollment, Role, User

T = datetime(2025, 1, 1, tzinfo=UTC)


def test_derived_id_is_stable_and_distinct() -> None:
    a = derived_evidence_id("s1", "i1", T)
    assert a == derived_evidence_id("s1", "i1", T)
    assert a != derived_evidence_id("s1", "i2", T)
    assert a != derived_evidence_id("s1", "i1", T, attempt=2)


@pytest.mark.parametrize("score", [-0.1, 1.1, float("nan")])
def test_score_must_be_in_unit_interval(score: float) -> None:
    with pytest.raises(ValidationError, match="score"):
        Evidence("e1", "u1", EvidenceKind.ANSWER, ("k1",), score, T)


def test_naive_timestamp_rejected() -> None:
    with pytest.raises(ValidationError, match="timestamp"):
        Evidence("e1", "u1", EvidenceKind.ANSWER, ("k1",), 1.0, datetime(2025, 1, 1))


def test_user_validation() -> None:
    with pytest.raises(ValidationError, match="username"):
        User("u1", "s1", "Bad Name", "B", Role.STUDENT)
    with pytest.raises(ValidationError, match="role"):
        Enrollment("c1", "u1", Role.GUARDIAN)
