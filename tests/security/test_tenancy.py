"""Schools kept apart: one school's imports never reach another's learners or content.

The attacks of issue 16, findings 1 and 2, through the API doors an admin has (SQLite and
PostgreSQL): Hillview's admin imports a OneRoster bundle that reuses Riverside's
sourcedIds, and a CASE package that reuses Riverside's framework's document identifier
with a changed skill title. Riverside must be untouched: its admin still reads its
learner (Hillview's gets 404, like a missing id), its teacher and student stay in its
class, its pages show its own titles.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select, update

from pathwise.services.context import App
from pathwise.store import tables as t
from pathwise.store.tables_interop import RosterRecordRow
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import WebSchool

STAMP = "2026-09-01T00:00:00Z"


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def roster_zip(prefix: str, school_name: str) -> bytes:
    """A OneRoster 1.1 bundle: one org, one class, a teacher and a student enrolled in it.
    The sourcedIds are fixed (the same in every school's bundle); the usernames carry ``prefix``."""
    files = {
        "manifest.csv": _csv(["propertyName", "value"], [
            ["manifest.version", "1.0"], ["oneroster.version", "1.1"], ["file.orgs", "bulk"],
            ["file.courses", "bulk"], ["file.classes", "bulk"], ["file.users", "bulk"],
            ["file.enrollments", "bulk"], ["file.academicSessions", "bulk"]]),
        "orgs.csv": _csv(["sourcedId", "status", "dateLastModified", "name", "type", "identifier",
                          "parentSourcedId"], [["org-1", "active", STAMP, school_name, "school", "", ""]]),
        "academicSessions.csv": _csv(["sourcedId", "status", "dateLastModified", "title", "type", "startDate",
                                      "endDate", "parentSourcedId", "schoolYear"],
                                     [["term-1", "active", STAMP, "Year", "schoolYear", "2026-09-01",
                                       "2027-07-01", "", "2027"]]),
        "courses.csv": _csv(["sourcedId", "status", "dateLastModified", "schoolYearSourcedId", "title",
                             "courseCode", "grades", "orgSourcedId", "subjects", "subjectCodes"],
                            [["crs-1", "active", STAMP, "term-1", "Maths", "M5", "05", "org-1", "mathematics", ""]]),
        "classes.csv": _csv(["sourcedId", "status", "dateLastModified", "title", "grades", "courseSourcedId",
                             "classCode", "classType", "location", "schoolSourcedId", "termSourcedIds",
                             "subjects", "subjectCodes", "periods"],
                            [["cls-1", "active", STAMP, f"{school_name} maths", "05", "crs-1", "M5A",
                              "scheduled", "", "org-1", "term-1", "mathematics", "", ""]]),
        "users.csv": _csv(["sourcedId", "status", "dateLastModified", "enabledUser", "orgSourcedIds", "role",
                           "username", "userIds", "givenName", "familyName", "middleName", "identifier", "email",
                           "sms", "phone", "agentSourcedIds", "grades", "password"],
                          [["usr-t", "active", STAMP, "true", "org-1", "teacher", f"{prefix}.teacher", "",
                            "Tess", prefix.title(), "", "", "", "", "", "", "", ""],
                           ["usr-s", "active", STAMP, "true", "org-1", "student", f"{prefix}.student", "",
                            "Sam", prefix.title(), "", "", "", "", "", "", "05", ""]]),
        "enrollments.csv": _csv(["sourcedId", "status", "dateLastModified", "classSourcedId", "schoolSourcedId",
                                 "userSourcedId", "role", "primary", "beginDate", "endDate"],
                                [["enr-t", "active", STAMP, "cls-1", "org-1", "usr-t", "teacher", "true", "", ""],
                                 ["enr-s", "active", STAMP, "cls-1", "org-1", "usr-s", "student", "false", "", ""]]),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def ghost_enrolled(data: bytes) -> bytes:
    """``data`` (a bundle from ``roster_zip``) with an enrollment naming a user nobody sent."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name in src.namelist():
            body = src.read(name).decode()
            if name == "enrollments.csv":
                body = body.rstrip("\n") + "\nenr-x,active,2026-09-01T00:00:00Z,cls-1,org-1,usr-ghost,student,false,,\n"
            zf.writestr(name, body)
    return out.getvalue()


def case_package(add_title: str) -> bytes:
    """A CASE package whose document identifier stays the same; only frac.add's title varies."""
    items = [("it-equiv", "frac.equiv", "Equivalent fractions"), ("it-add", "frac.add", add_title)]
    return json.dumps({
        "CFDocument": {"identifier": "doc-river-fractions", "uri": "urn:river:fractions", "title": "Fractions",
                       "creator": "Riverside", "lastChangeDateTime": STAMP},
        "CFItems": [{"identifier": i, "uri": f"urn:river:{i}", "fullStatement": title, "humanCodingScheme": code,
                     "lastChangeDateTime": STAMP} for i, code, title in items],
        "CFAssociations": [],
    }).encode()


Client = Callable[[], WebClient]


def _api(web: Client, w: WebSchool, user_id: str) -> tuple[WebClient, dict[str, str]]:
    c = web()
    return c, bearer(c.token(w.username(user_id)))


def _post(c: WebClient, h: dict[str, str], url: str, name: str, data: bytes, kind: str) -> httpx.Response:
    return c.post(url, files={"file": (name, data, kind)}, headers=h)


def _user(app: App, username: str) -> Any:
    with app.uow() as uow:
        return uow.users.by_username(username)


def test_a_roster_reusing_another_schools_sourced_ids_takes_nobody(school: tuple[App, WebSchool],  # noqa: F811
                                                                    web: Client) -> None:  # noqa: F811
    app, w = school
    river, rh = _api(web, w, w.admin)
    hill, hh = _api(web, w, w.other_admin)
    url = "/api/v1/admin/roster/import"
    r = _post(river, rh, url, "river.zip", roster_zip("river", "Riverside"), "application/zip")
    assert r.status_code == 200 and r.json()["applied"], r.text
    learner, teacher = _user(app, "river.student"), _user(app, "river.teacher")
    assert learner.school_id == teacher.school_id == w.school
    with app.uow() as uow:
        (cls,) = [s for s in uow.sections.in_school(w.school) if s.name == "Riverside maths"]
        assert uow.sections.is_member(cls.id, learner.id) and uow.sections.is_member(cls.id, teacher.id)

    # the attack: Hillview's bundle reuses every sourcedId of Riverside's (same org, class, users)
    r = _post(hill, hh, url, "hill.zip", roster_zip("hill", "Hillview"), "application/zip")
    assert r.status_code == 200 and r.json()["applied"], r.text
    counts = r.json()["counts"]
    assert counts["user"]["created"] == 2 and counts["class"]["created"] == 1  # new records, never a move
    assert counts["user"]["updated"] == counts["class"]["updated"] == 0

    # Riverside is untouched
    assert _user(app, "river.student").school_id == w.school
    assert _user(app, "river.teacher").school_id == w.school
    with app.uow() as uow:
        assert cls.id in {s.id for s in uow.sections.in_school(w.school)}
        assert uow.sections.get(cls.id).school_id == w.school  # type: ignore[union-attr]
        assert uow.sections.is_member(cls.id, learner.id) and uow.sections.is_member(cls.id, teacher.id)
        assert {u.id for u in uow.sections.members(cls.id, uow.users.get(learner.id).role)} == {learner.id}  # type: ignore[union-attr]
        hill_sections = uow.sections.in_school(w.other_school)
        assert cls.id not in {s.id for s in hill_sections}
        (hill_cls,) = [s for s in hill_sections if s.name == "Hillview maths"]
    hill_student = _user(app, "hill.student")
    assert hill_student.school_id == w.other_school and hill_student.id != learner.id
    with app.uow() as uow:
        assert uow.sections.is_member(hill_cls.id, hill_student.id)
        assert not uow.sections.is_member(hill_cls.id, teacher.id)
        held = {(r.scope, r.kind, r.sourced_id) for r in uow.session.scalars(select(RosterRecordRow))}
    assert {(w.school, "user", "usr-s"), (w.other_school, "user", "usr-s")} <= held

    # Riverside's admin still reads the learner; Hillview's finds nothing, exactly like a missing id
    assert river.get(f"/api/v1/learners/{learner.id}", headers=rh).status_code == 200
    mine = hill.get(f"/api/v1/learners/{learner.id}", headers=hh)
    missing = hill.get("/api/v1/learners/u-does-not-exist", headers=hh)
    assert mine.status_code == missing.status_code == 404
    assert mine.json().keys() == missing.json().keys()
    assert river.get(f"/api/v1/learners/{hill_student.id}", headers=rh).status_code == 404

    # a second import by each school changes nothing of the other's, and nothing at all
    for c, h, prefix, name in ((river, rh, "river", "Riverside"), (hill, hh, "hill", "Hillview")):
        r = _post(c, h, url, f"{prefix}.zip", roster_zip(prefix, name), "application/zip")
        assert r.status_code == 200 and sum(v["created"] + v["updated"] + v["removed"]
                                            for v in r.json()["counts"].values()) == 0, r.text
    assert _user(app, "river.student").school_id == w.school


def test_a_roster_reusing_another_schools_usernames_is_refused_and_changes_nothing(
        school: tuple[App, WebSchool], web: Client) -> None:  # noqa: F811
    app, w = school
    river, rh = _api(web, w, w.admin)
    hill, hh = _api(web, w, w.other_admin)
    url = "/api/v1/admin/roster/import"
    assert _post(river, rh, url, "r.zip", roster_zip("river", "Riverside"), "application/zip").status_code == 200
    before = _user(app, "river.student")
    r = _post(hill, hh, url, "h.zip", roster_zip("river", "Hillview"), "application/zip")
    assert r.status_code == 422
    assert any(p["field"] == "username" for p in r.json()["report"]["errors"])
    after = _user(app, "river.student")
    assert after == before and after.school_id == w.school
    with app.uow() as uow:
        assert uow.sections.in_school(w.other_school)[0].id == w.class_other  # nothing was created there
        assert len(uow.sections.in_school(w.other_school)) == 1


def _skill_title(app: App, framework_id: str, code: str) -> str | None:
    with app.uow() as uow:
        return uow.session.scalar(select(t.SkillRow.title).where(t.SkillRow.framework_id == framework_id,
                                                                 t.SkillRow.code == code))


def test_a_framework_reimported_by_another_school_changes_nothing_of_the_first(
        school: tuple[App, WebSchool], web: Client) -> None:  # noqa: F811
    app, w = school
    river, rh = _api(web, w, w.admin)
    hill, hh = _api(web, w, w.other_admin)
    url = "/api/v1/admin/frameworks/import"
    r = _post(river, rh, url, "fw.json", case_package("Add fractions"), "application/json")
    assert r.status_code == 200 and r.json()["created"], r.text
    fid = r.json()["framework_id"]
    with app.uow() as uow:  # Riverside's classes use its own framework (the school's choice)
        uow.session.execute(update(t.SectionRow).where(t.SectionRow.school_id == w.school).values(framework_id=fid))
        uow.commit()
    ana = web()
    assert ana.login(w.username(w.ana)).status_code == 303
    page = ana.page("/student")
    assert page.status_code == 200 and "Add fractions" in page.text

    # the attack: Hillview imports the same document with frac.add renamed
    r = _post(hill, hh, url, "fw.json", case_package("HACKED title"), "application/json")
    assert r.status_code == 200, r.text
    copy = r.json()["framework_id"]
    assert r.json()["created"] and copy != fid  # Hillview's own copy, under an id of its own

    assert _skill_title(app, fid, "frac.add") == "Add fractions"
    assert _skill_title(app, copy, "frac.add") == "HACKED title"
    with app.uow() as uow:
        owners = dict(uow.session.execute(select(t.FrameworkRow.id, t.FrameworkRow.school_id)
                                          .where(t.FrameworkRow.id.in_([fid, copy]))).all())
    assert owners == {fid: w.school, copy: w.other_school}
    for path in ("/student", "/student/path"):
        page = ana.page(path)
        assert page.status_code == 200 and "HACKED" not in page.text, path
    assert "Add fractions" in ana.page("/student").text
    teacher = web()
    assert teacher.login(w.username(w.teacher)).status_code == 303
    for path in (f"/learners/{w.ana}", f"/teacher/classes/{w.class_a}"):
        page = teacher.page(path)
        assert page.status_code == 200 and "HACKED" not in page.text, path

    # reading follows the owner: Riverside's framework is missing to Hillview, and the other way round
    exported = river.get(f"/api/v1/frameworks/{fid}/case", headers=rh)
    assert exported.status_code == 200
    assert {i["fullStatement"] for i in exported.json()["CFItems"]} >= {"Add fractions"}
    theirs = hill.get(f"/api/v1/frameworks/{fid}/case", headers=hh)
    missing = hill.get("/api/v1/frameworks/no-such-framework/case", headers=hh)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace(fid, "X") == missing.json()["detail"].replace("no-such-framework", "X")
    assert river.get(f"/api/v1/frameworks/{copy}/case", headers=rh).status_code == 404
    assert hill.get(f"/api/v1/frameworks/{copy}/case", headers=hh).status_code == 200
    # the shared framework (the system's) is read by both
    assert hill.get("/api/v1/frameworks/fw-fractions/case", headers=hh).status_code == 200

    # Riverside's re-import updates its own framework in place, and only it
    r = _post(river, rh, url, "fw.json", case_package("Adding fractions"), "application/json")
    assert r.status_code == 200 and r.json()["framework_id"] == fid and not r.json()["created"]
    assert _skill_title(app, fid, "frac.add") == "Adding fractions"
    assert _skill_title(app, copy, "frac.add") == "HACKED title"


def test_another_schools_mastery_threshold_never_decides_mastered_here(
        school: tuple[App, WebSchool], web: Client) -> None:  # noqa: F811
    """Hillview's framework says frac.add is mastered at 0.30; Riverside's learners keep the
    shared framework's 0.95 (the same skill code, another school's rule)."""
    app, w = school
    hill, hh = _api(web, w, w.other_admin)
    r = _post(hill, hh, "/api/v1/admin/frameworks/import", "fw.json", case_package("Add fractions"),
              "application/json")
    assert r.status_code == 200, r.text
    with app.uow() as uow:
        uow.session.execute(update(t.FrameworkRow).where(t.FrameworkRow.id == r.json()["framework_id"])
                            .values(mastery_threshold=0.30))
        uow.commit()
    river, rh = _api(web, w, w.teacher)
    ana = river.get(f"/api/v1/learners/{w.ana}/mastery", headers=rh)
    assert ana.status_code == 200, ana.text
    by_skill = {m["skill_id"]: m for m in ana.json()["skills"]} if isinstance(ana.json(), dict) else \
        {m["skill_id"]: m for m in ana.json()}
    assert by_skill["frac.add"]["threshold"] == 0.95
    hill_admin = hill.get(f"/api/v1/learners/{w.zed}/mastery", headers=hh)
    assert hill_admin.status_code == 200, hill_admin.text


ITEMS = b"""
items:
  - id: tenancy.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
"""


def test_items_belong_to_a_school(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    """Another school's item id is not taken over, and its items are not served to others."""
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction
    from pathwise.services.errors import NotFound
    from pathwise.services.items import get_item, import_items, parse_items_document

    app, w = school
    river = Actor(w.admin, __import__("pathwise.domain.people", fromlist=["Role"]).Role.ADMIN, w.school)
    hill = Actor(w.other_admin, river.role, w.other_school)
    parsed = parse_items_document(ITEMS.decode(), "items.yaml")
    with transaction(app) as uow:
        assert import_items(uow, river, parsed.items, parsed.problems).stored
    taken = parse_items_document(ITEMS.decode().replace("3/4", "1/4"), "items.yaml")
    with transaction(app) as uow:
        report = import_items(uow, hill, taken.items, taken.problems)
    assert not report.stored and report.problems[0].path.endswith(".id")
    with app.uow() as uow:
        assert uow.items.get("tenancy.add.1").answer == "3/4"  # type: ignore[union-attr]
        assert [i.id for i in uow.items.for_skill("frac.add", learner_id=w.zed)] == []
        assert [i.id for i in uow.items.for_skill("frac.add", learner_id=w.ana)] == ["tenancy.add.1"]
        assert get_item(uow, river, "tenancy.add.1").id == "tenancy.add.1"
        try:
            get_item(uow, hill, "tenancy.add.1")
            raise AssertionError("another school's item was read")
        except NotFound as exc:
            assert str(exc) == "no item tenancy.add.1"


def test_another_schools_skills_and_items_are_unknown_to_a_teachers_content(
        school: tuple[App, WebSchool], web: Client) -> None:  # noqa: F811
    """Riverside's items and its own framework's skill are not Hillview's to build on: an
    assessment, a rubric or an observation naming them is refused as naming nothing."""
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction
    from pathwise.services.items import import_items, parse_items_document

    app, w = school
    river_admin, rh = _api(web, w, w.admin)
    r = _post(river_admin, rh, "/api/v1/admin/frameworks/import", "fw.json",
              case_package("Add fractions").replace(b'"humanCodingScheme": "frac.add"',
                                                    b'"humanCodingScheme": "river.only"'), "application/json")
    assert r.status_code == 200, r.text
    river = Actor(w.admin, __import__("pathwise.domain.people", fromlist=["Role"]).Role.ADMIN, w.school)
    parsed = parse_items_document(ITEMS.decode(), "items.yaml")
    with transaction(app) as uow:
        assert import_items(uow, river, parsed.items, parsed.problems).stored
    hill, hh = _api(web, w, w.other_admin)
    unit = {"id": "hill-unit", "title": "Unit", "kind": "unit", "skill_codes": ["frac.add"],
            "item_ids": ["tenancy.add.1"]}
    refused = hill.post("/api/v1/assessments", json=unit, headers=hh)
    assert refused.status_code == 422 and refused.json()["field"] == "item_ids", refused.text
    assert "unknown item(s) tenancy.add.1" in refused.json()["detail"]
    refused = hill.post("/api/v1/assessments", json={**unit, "skill_codes": ["river.only"]},
                        headers=hh)
    assert refused.status_code == 422 and refused.json()["detail"] == "unknown skill(s) river.only", refused.text
    rubric = {"id": "hill-rubric", "title": "R", "criteria": [
        {"id": "c", "title": "C", "skill_codes": ["river.only"],
         "levels": [{"points": 0, "label": "Not yet"}, {"points": 1, "label": "Yes"}]}]}
    assert hill.post("/api/v1/rubrics", json=rubric, headers=hh).status_code == 422
    seen = hill.post("/api/v1/observations", json={"learner_id": w.zed, "skill_codes": ["river.only"], "score": 1},
                     headers=hh)
    assert seen.status_code == 422 and "river.only" in seen.json()["detail"], seen.text
    # Riverside's own teacher builds on them
    rivera, th = _api(web, w, w.teacher)
    made = rivera.post("/api/v1/assessments", json={**unit, "id": "river-unit", "skill_codes": ["river.only"]},
                       headers=th)
    assert made.status_code == 201, made.text


def test_a_family_account_links_only_to_a_child_of_its_own_school(school: tuple[App, WebSchool]) -> None:  # noqa: F811
    from pathwise.domain.people import Role
    from pathwise.services import users
    from pathwise.services.access import Actor
    from pathwise.services.context import transaction
    from pathwise.services.errors import NotFound

    app, w = school
    hill_admin = Actor(w.other_admin, Role.ADMIN, w.other_school)
    try:  # Riverside's guardian, Hillview's student: refused like a missing pair
        with transaction(app) as uow:
            users.link_guardian(uow, hill_admin, w.guardian, w.zed)
        raise AssertionError("a guardian of another school was linked")
    except NotFound as exc:
        assert str(exc) == "no such guardian or student"
    with app.uow() as uow:
        assert [c.id for c in uow.guardians.children_of(w.guardian)] == [w.ana]
