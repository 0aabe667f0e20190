"""A refusal names the field as the API body calls it."""

from __future__ import annotations

import pytest

from pathwise.services.errors import Invalid
from pathwise.web.api.schemas import fields_named


def test_a_service_field_is_renamed_to_the_bodys_and_others_are_kept() -> None:
    with pytest.raises(Invalid) as renamed, fields_named(skill_codes="skill_ids"):
        raise Invalid("unknown skill(s) x", "skill_codes")
    assert renamed.value.field == "skill_ids" and str(renamed.value) == "unknown skill(s) x"
    with pytest.raises(Invalid) as kept, fields_named(skill_codes="skill_ids"):
        raise Invalid("pick learners of the class", "learner_ids")
    assert kept.value.field == "learner_ids"
