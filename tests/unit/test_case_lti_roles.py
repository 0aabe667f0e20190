"""LTI role mapping (kept with the CASE unit tests' neighbours: pure functions, no database)."""

from __future__ import annotations

from pathwise.domain.people import Role
from pathwise.interop.lti.ags import scores_url
from pathwise.services.lti import map_roles

V = "http://purl.imsglobal.org/vocab/lis/v2/"


def test_roles() -> None:
    assert map_roles([V + "membership#Learner"]) == Role.STUDENT
    assert map_roles([V + "membership#Instructor", V + "membership#Learner"]) == Role.TEACHER
    assert map_roles([V + "membership/Instructor#TeachingAssistant"]) == Role.TEACHER
    assert map_roles([V + "membership#Mentor"]) == Role.GUARDIAN
    assert map_roles([]) == Role.STUDENT


def test_scores_url_keeps_the_query() -> None:
    assert scores_url("https://lms/x/lineitems/4?type=1") == "https://lms/x/lineitems/4/scores?type=1"
    assert scores_url("https://lms/x/lineitems/4/") == "https://lms/x/lineitems/4/scores"
