"""The profile API on SQLite and PostgreSQL: read and merge-patch, who may change which
field, errors that name the field, and the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable

from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool


def test_student_reads_and_patches_own_profile(school: tuple[App, WebSchool],  # noqa: F811
                                               web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = bearer(c.token("ana"))
    url = f"/api/v1/learners/{w.ana}/profile"
    r = c.get(url, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["interests"] == [] and r.json()["editable"] == ["interests", "preferred_modalities", "goals"]
    r = c.request("PATCH", url, headers=h, json={"interests": ["Sports"], "preferred_modalities": ["video"],
                                                 "goals": [{"skill_code": "frac.add", "target_date": "2099-01-31"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["interests"] == ["sports"] and body["preferred_modalities"] == ["video"]
    assert body["goals"] == [{"skill_code": "frac.add", "title": "Add fractions", "target_date": "2099-01-31",
                              "mastered": False, "p_mastery": body["goals"][0]["p_mastery"]}]
    r = c.request("PATCH", url, headers=h, json={"interests": ["music"]})  # goals stay as they are
    assert r.json()["interests"] == ["music"] and [g["skill_code"] for g in r.json()["goals"]] == ["frac.add"]


def test_bad_input_names_the_field_and_changes_nothing(school: tuple[App, WebSchool],  # noqa: F811
                                                       web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    h = bearer(c.token("ana"))
    url = f"/api/v1/learners/{w.ana}/profile"
    cases = [
        ({"interests": ["art"], "goals": [{"skill_code": "alg.solve"}]}, "goals.0.skill_code", "alg.solve"),
        ({"preferred_modalities": ["podcast"]}, "preferred_modalities.0", "podcast"),
        ({"goals": [{"skill_code": "frac.add", "target_date": "tomorrow"}]}, "goals.0.target_date", ""),
        ({"hobbies": ["x"]}, "hobbies", ""),
        ({"interests": ["x" * 60]}, "interests.0", ""),
    ]
    for patch, field, named in cases:
        r = c.request("PATCH", url, headers=h, json=patch)
        assert r.status_code == 422, (patch, r.text)
        assert r.json()["field"] == field and named in r.json()["detail"]
    assert c.get(url, headers=h).json()["interests"] == []


def test_student_cannot_set_accommodations_teacher_can(school: tuple[App, WebSchool],  # noqa: F811
                                                       web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    url = f"/api/v1/learners/{w.ana}/profile"
    ana = bearer(c.token("ana"))
    r = c.request("PATCH", url, headers=ana, json={"interests": ["art"], "accommodations": {"extended_time": 2}})
    assert r.status_code == 403 and "accommodations" in r.json()["detail"]
    assert c.get(url, headers=ana).json()["interests"] == []
    rivera = bearer(c.token("rivera"))
    r = c.request("PATCH", url, headers=rivera, json={"accommodations": {"extended_time": 1.5, "read_aloud": True}})
    assert r.status_code == 200, r.text
    acc = r.json()["accommodations"]
    assert acc["extended_time"] == 1.5 and acc["read_aloud"] and acc["fewer_choices"] is None
    assert r.json()["editable"] == ["interests", "goals", "accommodations"]
    r = c.request("PATCH", url, headers=rivera, json={"accommodations": {"extended_time": 9}})
    assert r.status_code == 422 and r.json()["field"] == "accommodations.extended_time"
    r = c.request("PATCH", url, headers=rivera, json={"accommodations": {"fewer_choices": 3}})
    assert r.json()["accommodations"]["extended_time"] == 1.5 and r.json()["accommodations"]["fewer_choices"] == 3
    r = c.request("PATCH", url, headers=rivera, json={"preferred_modalities": ["video"]})
    assert r.status_code == 403
    assert c.get(url, headers=ana).json()["accommodations"]["read_aloud"] is True  # the learner sees them
    r = c.request("PATCH", url, headers=rivera, json={"accommodations": None})
    assert r.status_code == 200 and not any(r.json()["accommodations"].values())


def test_guardian_reads_only_and_strangers_get_404(school: tuple[App, WebSchool],  # noqa: F811
                                                   web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    url = f"/api/v1/learners/{w.ana}/profile"
    lopez = bearer(c.token("lopez"))
    r = c.get(url, headers=lopez)
    assert r.status_code == 200 and r.json()["editable"] == []
    assert c.request("PATCH", url, headers=lopez, json={"interests": ["art"]}).status_code == 404
    for who in ("okafor", "kim", "ben", "hilladmin"):
        h = bearer(c.token(who))
        assert c.get(url, headers=h).status_code == 404, who
        assert c.request("PATCH", url, headers=h, json={"goals": [{"skill_code": "frac.add"}]}).status_code == 404
        assert c.get("/api/v1/learners/u-nobody/profile", headers=h).status_code == 404
    assert c.get(url).status_code == 401
    with system.uow() as uow:
        assert uow.users.profile(w.ana) == {}


def test_the_session_cookie_needs_the_csrf_token(school: tuple[App, WebSchool],  # noqa: F811
                                                 web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    c = web()
    c.login("ana")
    url = f"/api/v1/learners/{w.ana}/profile"
    assert c.request("PATCH", url, json={"interests": ["art"]}).status_code == 403
    r = c.request("PATCH", url, json={"interests": ["art"]}, headers={"X-CSRF-Token": c.csrf or ""})
    assert r.status_code == 200 and r.json()["interests"] == ["art"]


def test_openapi_lists_the_profile_routes_with_policies(school: tuple[App, WebSchool],  # noqa: F811
                                                        web: Callable[[], WebClient]) -> None:  # noqa: F811
    doc = web().get("/api/v1/openapi.json").json()
    ops = doc["paths"]["/api/v1/learners/{learner_id}/profile"]
    assert ops["get"]["x-policy"] == "learner:read" and ops["patch"]["x-policy"] == "profile:write"
    assert "403" in ops["patch"]["responses"] and "ProfilePatch" in doc["components"]["schemas"]
