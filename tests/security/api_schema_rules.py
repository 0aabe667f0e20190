"""The one exception the API schema test and scripts/api-fuzz.sh make to schemathesis' checks.

schemathesis' positive-data check expects every request its description calls valid to be
accepted. Pathwise refuses some of them with 422, rightly: the request names stored things
that do not exist (a skill, an item, a criterion, an activity on offer, a member of the
class) or breaks a rule JSON Schema cannot state (a comparison between two fields or
between the items of a list, a date relative to today, letters in any alphabet, the
content of an uploaded file). ``keep_failure`` passes over exactly those: a 422 for an
operation listed in ``STORED_DATA_RULES`` whose ``field`` is one listed for it. Any other
refusal of valid data, and every other check, still fails.
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from schemathesis.openapi.checks import RejectedPositiveData

API_PREFIX = "/api/v1"

# Operation -> the `field`s of its 422 answers that name stored data or a rule JSON Schema
# cannot state (patterns as in fnmatch; some fields carry the service's name for the value).
STORED_DATA_RULES: dict[str, tuple[str, ...]] = {
    # skills of a framework; a time from 2000 to a day from now
    f"POST {API_PREFIX}/evidence": ("evidence.*.skill_ids", "evidence.*.timestamp"),
    # goals name skills of the learner's framework, each once, by a date not in the past;
    # interests are words in any alphabet, at most 12 different ones
    f"PATCH {API_PREFIX}/learners/{{learner_id}}/profile": ("goals.*.skill_code", "goals.*.target_date",
                                                            "goals", "interests", "interests.*"),
    # one of the activities on the learner's path right now
    f"POST {API_PREFIX}/learners/{{learner_id}}/choices": ("activity_id",),
    # skills of the class's framework, learners of the class
    f"POST {API_PREFIX}/classes/{{class_id}}/focus": ("skill_ids", "learner_ids"),
    # a skill that has practice items
    f"POST {API_PREFIX}/practice/sessions": ("skill_code",),
    # no hint past the item's last
    f"POST {API_PREFIX}/practice/items/{{presentation_id}}/hints": ("number",),
    # skills that exist; the levels of a criterion are worth different points, one more than 0
    f"POST {API_PREFIX}/rubrics": ("skill_codes", "levels"),
    f"PUT {API_PREFIX}/rubrics/{{rubric_id}}": ("skill_codes", "levels"),
    # skills, items and a rubric of the school that exist
    f"POST {API_PREFIX}/assessments": ("skill_codes", "item_ids", "rubric_id"),
    f"PUT {API_PREFIX}/assessments/{{assessment_id}}": ("skill_codes", "item_ids", "rubric_id"),
    # students of the class; the window closes after it opens
    f"POST {API_PREFIX}/assessments/{{assessment_id}}/assignments": ("student_ids", "closes_at"),
    # criteria of the project's rubric, scored with the points of one of their levels
    f"POST {API_PREFIX}/assessments/{{assessment_id}}/scores": ("criterion", "points"),
    # skills that exist
    f"POST {API_PREFIX}/observations": ("skill_codes",),
    f"POST {API_PREFIX}/submissions": ("skill_codes",),
    # the uploaded file must be a OneRoster bundle / a CASE package Pathwise can read
    f"POST {API_PREFIX}/admin/roster/import": ("file",),
    f"POST {API_PREFIX}/admin/frameworks/import": ("file", "package"),
    # a background import needs a file with something in it (its content is read by the job)
    f"POST {API_PREFIX}/jobs": ("file",),
    # an experiment: two arms that differ, a last day not past nor before the first nor more than a
    # year after it, classes of the school
    f"POST {API_PREFIX}/experiments": ("arm_b", "ends_on", "class_ids"),
}


def keep_failure(failure: Any, case: Any, response: Any) -> bool:
    """schemathesis' ``filter_failure`` hook: False only for a 422 under ``STORED_DATA_RULES``."""
    fields = STORED_DATA_RULES.get(case.operation.label)
    if not fields or not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return True
    try:
        named = json.loads(response.content).get("field") or ""
    except (ValueError, AttributeError):
        return True
    return not any(fnmatch.fnmatchcase(named, pattern) for pattern in fields)
