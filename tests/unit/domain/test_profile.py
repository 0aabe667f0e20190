"""The learner profile's rules: reading any stored form, and checking a merge-patch."""

from __future__ import annotations

from datetime import date

import pytest

from pathwise.domain.errors import ValidationError
from pathwise.domain.profile import Accommodations, Goal, LearnerProfile, apply_patch

TODAY = date(2026, 9, 1)
SKILLS = {"frac.add", "frac.equiv"}


def patch(stored: dict, change: dict):  # type: ignore[no-untyped-def]
    return apply_patch(stored, change, known_skills=SKILLS, today=TODAY)


def test_reads_the_demo_form_and_dicts_alike() -> None:
    p = LearnerProfile.from_stored({"interests": ["Sports", "music", "sports"], "preferred_modalities": ["video", "x"],
                                    "accommodations": ["extended_time", "read_aloud"], "goals": [
                                        "frac.add", {"skill_code": "frac.equiv", "target_date": "2026-12-01"}, 7],
                                    "home_language": "es"})
    assert p.interests == ("sports", "music") and p.modalities == ("video",)
    assert p.goals == (Goal("frac.add"), Goal("frac.equiv", date(2026, 12, 1)))
    assert p.accommodations == Accommodations(1.5, None, frozenset({"read_aloud"}))
    assert p.home_language == "es"
    assert LearnerProfile.from_stored({"accommodations": {"fewer_choices": True, "extended_time": 9}}).accommodations \
        == Accommodations(None, 3)


def test_a_patch_normalises_and_keeps_other_keys() -> None:
    stored = {"interests": ["art"], "grade": "7", "home_language": "pl", "accommodations": ["breaks"]}
    ch = patch(stored, {"interests": ["  Video   Games ", "ART", "cooking"], "goals": [
        {"skill_code": "frac.add", "target_date": "2026-10-01"}, "frac.equiv"]})
    assert ch.stored["interests"] == ["video games", "art", "cooking"]
    assert ch.stored["goals"] == [{"skill_code": "frac.add", "target_date": "2026-10-01"}, {"skill_code": "frac.equiv"}]
    assert ch.stored["grade"] == "7" and ch.stored["home_language"] == "pl" and ch.stored["accommodations"] == ["breaks"]
    assert ch.changed == ("interests", "goals") and ch.before["interests"] == ["art"]


def test_accommodations_merge_key_by_key() -> None:
    ch = patch({"accommodations": ["read_aloud", "fewer_choices"]}, {"accommodations": {"extended_time": 2}})
    assert ch.stored["accommodations"] == {"extended_time": 2.0, "fewer_choices": 3, "read_aloud": True}
    ch = patch(ch.stored, {"accommodations": {"fewer_choices": None, "read_aloud": False, "breaks": True}})
    assert ch.stored["accommodations"] == {"extended_time": 2.0, "breaks": True}
    assert patch(ch.stored, {"accommodations": {"breaks": True}}).changed == ()
    cleared = patch(ch.stored, {"accommodations": None, "interests": None})
    assert cleared.stored["accommodations"] == {} and cleared.stored["interests"] == []


@pytest.mark.parametrize("change,field", [
    ({"goals": ["frac.mul"]}, "goals.0.skill_code"),
    ({"goals": ["frac.add", "frac.add"]}, "goals.1.skill_code"),
    ({"goals": [{"skill_code": "frac.add", "target_date": "2026-13-01"}]}, "goals.0.target_date"),
    ({"goals": [{"skill_code": "frac.add", "target_date": "2026-08-31"}]}, "goals.0.target_date"),
    ({"goals": [{"skill_code": "frac.add", "by": "x"}]}, "goals.0.by"),
    ({"interests": ["x" * 41]}, "interests.0"),
    ({"interests": ["<script>"]}, "interests.0"),
    ({"interests": [f"w{i}" for i in range(13)]}, "interests"),
    ({"interests": "sports"}, "interests"),
    ({"preferred_modalities": ["podcast"]}, "preferred_modalities.0"),
    ({"accommodations": {"extended_time": 1}}, "accommodations.extended_time"),
    ({"accommodations": {"extended_time": 4.5}}, "accommodations.extended_time"),
    ({"accommodations": {"extended_time": "long"}}, "accommodations.extended_time"),
    ({"accommodations": {"fewer_choices": 1}}, "accommodations.fewer_choices"),
    ({"accommodations": {"fewer_choices": 2.5}}, "accommodations.fewer_choices"),
    ({"accommodations": {"read_aloud": "yes"}}, "accommodations.read_aloud"),
    ({"accommodations": {"nap_time": True}}, "accommodations.nap_time"),
    ({"grade": "9"}, "grade"),
])
def test_bad_input_names_the_field(change: dict, field: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as exc:
        patch({}, change)
    assert exc.value.field == field


def test_the_unknown_skill_is_named_and_an_old_past_date_may_stay() -> None:
    with pytest.raises(ValidationError, match="frac.mul"):
        patch({}, {"goals": ["frac.mul"]})
    stored = {"goals": [{"skill_code": "frac.add", "target_date": "2026-06-01"}]}
    assert patch(stored, {"goals": [{"skill_code": "frac.add", "target_date": "2026-06-01"}, "frac.equiv"]}).changed \
        == ("goals",)
