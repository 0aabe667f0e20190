"""The access matrix over two schools: every route x method x role x target against the table.

``access_matrix.POLICY`` says, from the product's promises, who may reach what. Here a
world of two schools is built (``web_school.py`` plus content of each school: rubrics,
projects, unit checks, submissions, sessions, frameworks, LTI platforms), every row is
driven with every role against every target through the real application (pages with
the signed-in browser and its CSRF token, the API with a bearer token), and each answer
is compared with the table:

* ``ok`` must be carried out (2xx, or a redirect that is not the sign-in form);
* ``deny`` must be the uniform 404, the same answer, word for word, as for a missing id;
* ``signin`` must be 401 (API) or the way to the sign-in form (pages);
* no answer to a Riverside caller may name a Hillview learner, class or piece of content.

Every mismatch is listed at once. ``test_every_route_has_a_row`` fails on a route of the
application that the table does not cover, and on a row for a route that is gone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from pathwise.domain.content import Activity, ActivityKind
from pathwise.services import assessments as asm
from pathwise.services import lti as lti_service
from pathwise.services import outside_work, practice
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.items import import_items, parse_items_document
from pathwise.web.policy import walk_routes
from tests.security.access_matrix import DENY, NONE, OK, OWN_AUTH, POLICY, ROLES, SIGNIN, Row
from tests.security.web_client import WebClient, bearer, clients
from tests.security.web_school import PASSWORD, WebSchool, build_school

W = WebSchool()
WHO = {"student": "ana", "teacher": "rivera", "guardian": "lopez", "admin": "admin"}
LEARNERS = {"own": W.ana, "same_class": W.ben, "other_class": W.dan, "other_school": W.zed}
CLASSES = {"own": W.class_a, "other_class": W.class_b, "other_school": W.class_other}
MISSING = "zz-missing-0000"
# What no Riverside caller may ever be shown: Hillview's people, class and content.
HILLVIEW_WORDS = ("Zed Young", "Hill Maths", "Hillview", "Hill Admin", "Hill poster", "Hill unit", "Hill rubric")
ITEMS = """
items:
""" + "".join(f"""  - id: mx.{skill}.{i}
    skills: [{skill}]
    type: numeric
    prompt: "{i} + {i} = ?"
    answer: "{2 * i}"
    hints: ["Add the two numbers."]
""" for skill in ("frac.equiv", "frac.add", "frac.compare") for i in range(1, 7))


def _rubric(rid: str, title: str) -> dict[str, Any]:
    return {"id": rid, "title": title, "criteria": [
        {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"],
         "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Yes"}]}]}


def _project(pid: str, title: str, rubric: str) -> dict[str, Any]:
    return {"id": pid, "title": title, "kind": "project", "skill_codes": ["frac.add"], "rubric_id": rubric,
            "peer_review": True}


def _unit(uid: str, title: str) -> dict[str, Any]:
    return {"id": uid, "title": title, "kind": "unit", "skill_codes": ["frac.equiv"],
            "item_ids": [f"mx.frac.equiv.{i}" for i in range(1, 4)]}


def _case(doc: str, title: str) -> bytes:
    stamp = "2026-09-01T00:00:00Z"
    return json.dumps({
        "CFDocument": {"identifier": doc, "uri": f"urn:{doc}", "title": title, "creator": title,
                       "lastChangeDateTime": stamp},
        "CFItems": [{"identifier": f"{doc}-1", "uri": f"urn:{doc}:1", "fullStatement": "Count to ten",
                     "humanCodingScheme": "count.ten", "lastChangeDateTime": stamp}],
        "CFAssociations": [],
    }).encode()


@dataclass
class World:
    system: App
    web: Callable[[], WebClient]
    content: dict[str, dict[str, str]] = field(default_factory=dict)  # kind -> target -> id
    pages: dict[str, WebClient] = field(default_factory=dict)
    apis: dict[str, tuple[WebClient, dict[str, str]]] = field(default_factory=dict)

    def page_client(self, role: str) -> WebClient:
        if role not in self.pages:
            c = self.web()
            if role != "anonymous":
                assert c.login(WHO[role]).status_code == 303, role
            self.pages[role] = c
        return self.pages[role]

    def api_client(self, role: str) -> tuple[WebClient, dict[str, str]]:
        if role not in self.apis:
            c = self.web()
            self.apis[role] = (c, {} if role == "anonymous" else bearer(c.token(WHO[role], name="matrix")))
        return self.apis[role]

    def actor(self, user_id: str) -> Actor:
        with self.system.uow() as uow:
            u = uow.users.get(user_id)
            assert u is not None
            return Actor(u.id, u.role, u.school_id)

    # -- things made afresh for each row, since rows change them (finish a session, review a hand-in)

    def session(self, target: str) -> str:
        if target == "missing":
            return MISSING
        learner = LEARNERS[target]
        with transaction(self.system) as uow:
            return practice.start_session(uow, self.actor(learner), learner, "frac.equiv").id

    def presentation(self, target: str) -> str:
        if target == "missing":
            return MISSING
        learner = LEARNERS[target]
        session = self.session(target)
        with transaction(self.system) as uow:
            item = practice.next_item(uow, self.actor(learner), session)
            assert item is not None, f"no item for {learner}"
            return item.id

    def submission(self, target: str) -> str:
        if target == "missing":
            return MISSING
        learner = LEARNERS[target]
        with transaction(self.system) as uow:
            return outside_work.submit_outside_evidence(uow, self.actor(learner), "Baked a cake",
                                                        "Halved the recipe", None, ["frac.equiv"]).id

    def token(self, role: str, target: str) -> str:
        if target == "missing":
            return MISSING
        owner = {"own": WHO.get(role, "ana"), "same_class": "ben", "other_class": "okafor",
                 "other_school": "zed"}[target]
        c = self.web()
        r = c.post("/api/v1/auth/token", json={"username": owner, "password": PASSWORD, "name": "spare"})
        assert r.status_code == 201, r.text
        found = c.get("/api/v1/auth/tokens", headers=bearer(r.json()["token"])).json()
        return str(next(t["id"] for t in found if t["name"] == "spare" and not t["revoked"]))


def build_world(system: App, web: Callable[[], WebClient]) -> World:
    w = build_school(system)
    x = World(system, web)
    rivera, okafor, hill = x.actor(w.teacher), x.actor(w.teacher_b), x.actor(w.other_admin)
    zed_class_teacher = hill
    parsed = parse_items_document(ITEMS, "matrix.yaml")
    opens = datetime.now(UTC) - timedelta(days=1)
    with transaction(system) as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        uow.activities.add(Activity("act-matrix", "Halving recipes", ActivityKind.PRACTICE, ("frac.equiv",)),
                           "fw-fractions")
        # the student's library (issue 17): a project, and a hand-in of a file by a learner of each target
        uow.activities.add(Activity("act-matrix-project", "Scale a recipe", ActivityKind.PROJECT, ("frac.equiv",)),
                           "fw-fractions")
        for learner, school_id in ((W.ana, w.school), (W.ben, w.school), (W.dan, w.school), (W.zed, w.other_school)):
            uow.handins.add({"id": f"mx-handin-{learner}", "learner_id": learner, "school_id": school_id,
                             "activity_id": "act-matrix-project", "text": "", "link": None, "file_name": "plan.txt",
                             "content_type": "text/plain", "file_size": 4,
                             "handed_in_at": datetime.now(UTC)}, b"plan")
        for who, tag, title, section in ((rivera, "a", "River", w.class_a), (okafor, "b", "Okafor", w.class_b),
                                         (zed_class_teacher, "h", "Hill", w.class_other)):
            asm.save_rubric(uow, who, _rubric(f"mx-rubric-{tag}", f"{title} rubric"))
            asm.save_assessment(uow, who, _project(f"mx-project-{tag}", f"{title} poster", f"mx-rubric-{tag}"))
            asm.save_assessment(uow, who, _unit(f"mx-unit-{tag}", f"{title} unit"))
            asm.save_assessment(uow, who, _unit(f"mx-check-{tag}", f"{title} check"))
            for content in ("project", "unit", "check"):
                asm.assign(uow, who, f"mx-{content}-{tag}", section, opens, opens + timedelta(days=30))
        platforms = {}
        section_of = {"a": w.class_a, "h": w.class_other}
        for school, tag in ((w.school, "a"), (w.other_school, "h")):
            admin = x.actor(w.admin if tag == "a" else w.other_admin)
            platforms[tag] = lti_service.add_platform(
                uow, admin, school_id=school, name=f"LMS {tag}", issuer=f"https://lms-{tag}.example",
                client_id=f"client-{tag}", auth_login_url=f"https://lms-{tag}.example/auth",
                auth_token_url=f"https://lms-{tag}.example/token", jwks_url=f"https://lms-{tag}.example/jwks",
                deployment_ids=["dep-1"]).id
            uow.lti.record_resource_link(platforms[tag], "link-1", section_id=section_of[tag])
    frameworks = {}
    for role_user, tag in (("admin", "a"), ("hilladmin", "h")):
        c = web()
        r = c.post("/api/v1/admin/frameworks/import", headers=bearer(c.token(role_user)),
                   files={"file": ("fw.json", _case(f"doc-{tag}", f"Counting {tag}"), "application/json")})
        assert r.status_code == 200, r.text
        frameworks[tag] = r.json()["framework_id"]
    x.content = {
        "learner": dict(LEARNERS),
        "class": dict(CLASSES),
        "assessment": {"own": "mx-unit-a", "other_class": "mx-unit-b", "other_school": "mx-unit-h"},
        "check": {"own": "mx-check-a", "other_class": "mx-check-b", "other_school": "mx-check-h"},
        "project": {"own": "mx-project-a", "other_class": "mx-project-b", "other_school": "mx-project-h"},
        "rubric": {"own": "mx-rubric-a", "other_class": "mx-rubric-b", "other_school": "mx-rubric-h"},
        "skill": {"own": "frac.equiv"},
        "activity": {"own": "act-matrix"},
        "library": {"own": "act-matrix-project"},
        "handin": {"own": f"mx-handin-{W.ana}", "same_class": f"mx-handin-{W.ben}",
                   "other_class": f"mx-handin-{W.dan}", "other_school": f"mx-handin-{W.zed}"},
        "peer": {"same_class": W.ben, "other_class": W.dan, "other_school": W.zed},
        "framework": {"own": frameworks["a"], "other_school": frameworks["h"]},
        "platform": {"own": platforms["a"], "other_school": platforms["h"]},
        "account": {"own": W.cara, "other_class": W.eva, "other_school": W.zed},  # the admin's pages (issue 17)
    }
    x.content["staffer"] = {"own": W.teacher_b, "other_school": W.other_admin}  # well-being staff to remove
    _wellbeing_on(x, W.ana, share_staff=True)  # Ana checks in and shares with the well-being staff
    return x


# -- the requests ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    method: str
    url: str
    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, Any] | None = None


def _target(x: World, row: Row, role: str, target: str) -> str:
    """The id standing for ``target`` of the row's kind, made afresh where rows change it."""
    kind = row.vary
    if kind is None or target == NONE:
        return ""
    if kind == "session":
        return x.session(target)
    if kind == "presentation":
        return x.presentation(target)
    if kind == "submission":
        return x.submission(target)
    if kind == "token":
        return x.token(role, target)
    if target == "missing":
        return MISSING
    return x.content[kind][target]


EVIDENCE_KIND = {"student": "self_assessment", "guardian": "observation", "teacher": "observation",
                 "admin": "observation", "anonymous": "observation"}
ROSTER_HEADER = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n"


def _roster_zip() -> bytes:
    from tests.security.test_tenancy import roster_zip

    return roster_zip("matrix", "Riverside Primary")


def request_for(x: World, method: str, path: str, role: str, t: str) -> Req:
    """The request a user of ``role`` sends to ``path`` about the thing ``t`` (an id)."""
    now = datetime.now(UTC).isoformat()
    u = uuid.uuid4().hex[:10]
    fill = {"learner_id": t, "class_id": t, "session_id": t, "presentation_id": t, "token_id": t, "skill_code": t,
            "activity_id": t, "rubric_id": t, "assessment_id": t, "submission_id": t, "framework_id": t,
            "platform_id": t, "resource_link_id": "link-1", "skill_id": "frac.add"}
    fill["handin_id"] = t  # the student's library (issue 17)
    fill["user_id"] = t  # the admin's account pages (issue 17)
    if "{group_id}" in path:  # a kept group of the class (flexible groups, issue 18)
        fill["group_id"] = _group(x, t)
    if "{thread_id}" in path:  # a conversation about the learner, started by a guardian of theirs (messages)
        fill["thread_id"] = _thread(x, t)
    if "{review_id}" in path:  # a request for a review, asked afresh by the target learner
        fill["review_id"] = _review(x, t)
    if "{team_id}" in path:  # a kept project team of the class
        fill["team_id"] = _team(x, t)
    if "{entry_id}" in path:  # a journal entry, written afresh by the target learner
        fill["entry_id"] = _journal_entry(x, t)
    if "{checkin_id}" in path:  # a mentor's check-in, left afresh for the target learner
        fill["checkin_id"] = _checkin(x, t)
    if "{wellbeing_checkin_id}" in path:  # a well-being check-in, made afresh by the target learner
        fill["wellbeing_checkin_id"] = _wellbeing_checkin(x, t)
    if "{goal_id}" in path:  # a goal set afresh by the target learner
        fill["goal_id"] = _goal(x, t)
    if "{experiment_id}" in path:  # an experiment limited to the target class, made afresh
        fill["experiment_id"] = _experiment(x, t)
    if "{job_id}" in path:  # a roster import of the target class's school, submitted afresh by its admin
        fill["job_id"] = _job(x, t, made_file=path.endswith("/file"))  # (an export, run, for its file)
    if "{talk_id}" in path:  # a request to talk, made afresh by the target learner
        fill["talk_id"] = _wellbeing_checkin(x, t, talk=True)
    if path == "/student/skills/{skill_code}/review" and method == "POST" and role == "student":
        _overridden(x, W.ana, t)
    if "/peer/" in path:
        fill.update(assessment_id="mx-project-a", learner_id=t)
    if path.startswith("/teacher/projects/{assessment_id}/learners"):
        fill.update(assessment_id="mx-project-a", learner_id=t)
    if path.startswith("/learners/{learner_id}/skills/"):
        fill.update(skill_code="frac.equiv")
    url = path.format(**fill)
    key = (method, path)
    bodies: dict[tuple[str, str], Callable[[], Req]] = {
        ("POST", "/api/v1/auth/token"): lambda: Req(method, url, json={
            "username": WHO.get(role, "ana"), "password": PASSWORD, "name": "matrix"}),
        ("POST", "/api/v1/auth/tokens"): lambda: Req(method, url, json={"name": f"matrix {u}"}),
        ("POST", "/api/v1/evidence"): lambda: Req(method, url, json={"evidence": [{
            "id": f"mx-{u}", "learner_id": t, "kind": EVIDENCE_KIND[role], "skill_ids": ["frac.equiv"],
            "score": 0.5}]}),
        ("PATCH", "/api/v1/learners/{learner_id}/profile"): lambda: Req(method, url, json={"interests": ["cooking"]}),
        ("POST", "/student/profile"): lambda: Req(method, url, form={"fields": "interests", "interests": "cooking"}),
        ("POST", "/learners/{learner_id}/profile"): lambda: Req(method, url, form={
            "fields": "interests", "interests": "cooking"}),
        ("POST", "/api/v1/learners/{learner_id}/choices"): lambda: Req(method, url, json={
            "activity_id": _offered(x, t)}),
        ("PUT", "/api/v1/learners/{learner_id}/opened-skills/{skill_id}"): lambda: Req(method, url, json={
            "note": "ready"}),
        ("POST", "/api/v1/classes/{class_id}/focus"): lambda: Req(method, url, json={"skill_ids": ["frac.add"]}),
        ("POST", "/student/path/choose"): lambda: Req(method, url, form={"activity_id": _offered(x, W.ana)}),
        ("POST", "/teacher/classes/{class_id}/path/focus"): lambda: Req(method, url, form={
            "skill_codes": "frac.add", "days": "7", "note": ""}),
        ("POST", "/teacher/classes/{class_id}/path/open"): lambda: Req(method, url, form={
            "learner_id": _member(t), "skill_code": "frac.add", "note": ""}),
        ("POST", "/teacher/classes/{class_id}/groups"): lambda: Req(method, url, form={
            "name": "Adders", "skill_code": "frac.add", "need": "ready", "learner_ids": _member(t)}),
        ("POST", "/teacher/classes/{class_id}/groups/{group_id}"): lambda: Req(method, url, form={
            "name": "Renamed", "learner_ids": _member(t)}),
        ("POST", "/teacher/classes/{class_id}/groups/{group_id}/assign"): lambda: Req(method, url, form={
            "days": "7", "note": ""}),
        ("POST", "/guardian/children/{learner_id}/messages"): lambda: Req(method, url, form={
            "subject": "Reading at home", "body": "How can we help?"}),
        ("POST", "/teacher/messages/{thread_id}"): lambda: Req(method, url, form={"body": "Thank you"}),
        ("POST", "/api/v1/practice/sessions"): lambda: Req(method, url, json={"skill_code": "frac.equiv"}),
        ("POST", "/api/v1/practice/sessions/{session_id}/next"): lambda: Req(method, url, json={}),
        ("POST", "/api/v1/practice/items/{presentation_id}/answer"): lambda: Req(method, url, json={
            "attempt_id": u, "response": "2"}),
        ("POST", "/api/v1/practice/items/{presentation_id}/hints"): lambda: Req(method, url, json={}),
        ("POST", "/practice/session/{session_id}/answer"): lambda: Req(method, url, form={
            "presentation_id": _current(x, t), "attempt_id": u, "response": "2"}),
        ("POST", "/practice/session/{session_id}/hint"): lambda: Req(method, url, form={
            "presentation_id": _current(x, t), "number": "1"}),
        ("POST", "/practice/session/{session_id}/next"): lambda: Req(method, url, form={"skip": "1"}),
        ("POST", "/library/{activity_id}/handin"): lambda: Req(method, url, form={"text": "I scaled it by 3."}),
        ("POST", "/teacher/handins/{handin_id}"): lambda: Req(method, url, form={"level": "2", "comment": "Clear"}),
        ("POST", "/practice/evidence"): lambda: Req(method, url, form={
            "title": "Baked", "description": "Halved a recipe", "skill_codes": "frac.equiv"}),
        ("POST", "/api/v1/rubrics"): lambda: Req(method, url, json=_rubric(f"mx-r-{u}", "New rubric")),
        ("PUT", "/api/v1/rubrics/{rubric_id}"): lambda: Req(method, url, json={
            k: v for k, v in _rubric("x", "Edited rubric").items() if k != "id"}),
        ("POST", "/api/v1/assessments"): lambda: Req(method, url, json=_unit(f"mx-u-{u}", "New unit")),
        ("PUT", "/api/v1/assessments/{assessment_id}"): lambda: Req(method, url, json={
            k: v for k, v in _unit("x", "Edited unit").items() if k != "id"}),
        ("POST", "/api/v1/assessments/{assessment_id}/assignments"): lambda: Req(method, url, json={
            "class_id": _class_of(role), "opens_at": now}),
        ("POST", "/api/v1/assessments/{assessment_id}/scores"): lambda: Req(
            method, "/api/v1/assessments/mx-project-a/scores", json={"learner_id": t, "scores": {"acc": 2}}),
        ("POST", "/teacher/teaching/rubrics"): lambda: Req(method, url, form={
            "id": f"mx-r-{u}", "title": "New rubric", "c0_title": "Accuracy", "c0_skill": "frac.add",
            "c0_levels": "0 | Not yet\n2 | Yes"}),
        ("POST", "/teacher/teaching/rubrics/{rubric_id}"): lambda: Req(method, url, form={
            "title": "Edited rubric", "c0_id": "acc", "c0_title": "Accuracy", "c0_skill": "frac.add",
            "c0_levels": "0 | Not yet\n2 | Yes"}),
        ("POST", "/teacher/teaching/assessments"): lambda: Req(method, url, form={
            "id": f"mx-u-{u}", "title": "New unit", "kind": "unit", "skill": "frac.equiv",
            "items": "mx.frac.equiv.1\nmx.frac.equiv.2"}),
        ("POST", "/teacher/teaching/assessments/{assessment_id}"): lambda: Req(method, url, form={
            "title": "Edited unit", "kind": "unit", "skill": "frac.equiv", "items": "mx.frac.equiv.1"}),
        ("POST", "/teacher/teaching/assessments/{assessment_id}/assign"): lambda: Req(method, url, form={
            "target": f"class:{_class_of(role)}"}),
        ("POST", "/learners/{learner_id}/skills/{skill_code}/observation"): lambda: Req(method, url, form={
            "level": "1", "note": "explained it well"}),
        ("POST", "/learners/{learner_id}/skills/{skill_code}/override"): lambda: Req(method, url, form={
            "mastered": "yes", "reason": "she explained it to the class"}),
        ("POST", "/student/skills/{skill_code}/review"): lambda: Req(method, url, form={
            "message": "I can do these now"}),
        ("POST", "/teacher/reviews/{review_id}"): lambda: Req(method, url, form={
            "decision": "keep", "reply": "Let us check it together first"}),
        ("POST", "/teacher/classes/{class_id}/teams"): lambda: Req(method, url, form={
            "name": "Matrix team", "interest": "cooking", "learner_ids": [_member(t)]}),
        ("POST", "/teacher/classes/{class_id}/teams/{team_id}"): lambda: Req(method, url, form={
            "name": "Renamed team", "learner_ids": [_member(t)]}),
        ("POST", "/teacher/classes/{class_id}/teams/{team_id}/assign"): lambda: Req(method, url, form={
            "assessment_id": "mx-project-a"}),
        ("POST", "/api/v1/observations"): lambda: Req(method, url, json={
            "learner_id": t, "skill_codes": ["frac.equiv"], "score": 0.8, "note": "explained it well"}),
        ("POST", "/api/v1/submissions"): lambda: Req(method, url, json={
            "title": "Baked", "description": "Halved a recipe", "skill_codes": ["frac.equiv"]}),
        ("POST", "/api/v1/submissions/{submission_id}/review"): lambda: Req(method, url, json={"approve": True}),
        ("POST", "/practice/peer/{assessment_id}/{learner_id}"): lambda: Req(method, url, form={
            "criterion:acc": "2", "comment": "clear"}),
        ("POST", "/teacher/projects/{assessment_id}/learners/{learner_id}"): lambda: Req(method, url, form={
            "criterion:acc": "2", "comment": "clear"}),
        ("POST", "/teacher/submissions/{submission_id}"): lambda: Req(method, url, form={"decision": "approve"}),
        ("POST", "/teacher/assessments/{assessment_id}/assign"): lambda: Req(method, url, form={
            "class_id": _class_of(role), "opens_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M")}),
        ("POST", "/teacher/observations"): lambda: Req(method, url, form={
            "learner_id": t, "skill_code": "frac.equiv", "level": "1", "note": "explained it",
            "observation_id": u}),
        ("POST", "/api/v1/admin/roster/import"): lambda: Req(method, url + "?dry_run=true", files={
            "file": ("roster.zip", _roster_zip(), "application/zip")}),
        ("POST", "/api/v1/jobs"): lambda: Req(method, url, form={"kind": "roster-import"}, files={
            "file": ("roster.zip", _roster_zip(), "application/zip")}),
        ("POST", "/api/v1/admin/frameworks/import"): lambda: Req(method, url, files={
            "file": ("fw.json", _case(f"doc-{u}", "Counting"), "application/json")}),
        ("POST", "/lti/deep-link"): lambda: Req(method, url, form={"context": "forged", "activity_ids": "act-matrix"}),
        # the admin's pages (issue 17)
        ("POST", "/admin/settings"): lambda: Req(method, url, form={"time_zone": "Europe/London"}),
        ("POST", "/admin/roster/check"): lambda: Req(method, url, files={
            "file": ("roster.zip", _roster_zip(), "application/zip")}),
        ("POST", "/admin/roster/import"): lambda: Req(method, url, form={
            "checked": hashlib.sha256(_roster_zip()).hexdigest(),
            "bundle": base64.b64encode(_roster_zip()).decode()}),
        ("POST", "/admin/accounts"): lambda: Req(method, url, form={
            "role": "guardian", "display_name": "New Parent", "username": f"mx-{u}",
            "password": "plum tiger mosaic 417"}),
        ("POST", "/admin/accounts/{user_id}/password"): lambda: Req(method, url, form={
            "password": "plum tiger mosaic 417"}),
        ("POST", "/admin/accounts/{user_id}/active"): lambda: Req(method, url, form={"active": "1"}),
        ("POST", "/admin/accounts/{user_id}/links"): lambda: Req(method, url, form={"other_id": W.guardian_b}),
        ("POST", "/admin/accounts/{user_id}/links/remove"): lambda: Req(method, url, form={
            "other_id": W.guardian_b}),
        ("POST", "/admin/frameworks/import"): lambda: Req(method, url, files={
            "file": ("fw.json", _case(f"doc-p-{u}", "Counting"), "application/json")}),
        ("POST", "/admin/items/import"): lambda: Req(method, url, files={"file": ("items.yaml", (
            f"items:\n  - id: mx-page-{u}\n    skills: [frac.equiv]\n    type: numeric\n"
            "    prompt: \"2 + 2 = ?\"\n    answer: \"4\"\n").encode(), "application/yaml")}),
        ("POST", "/admin/learners/{learner_id}/delete"): lambda: Req(method, url, form={
            "confirm": {W.cara: "Cara Singh", W.eva: "Eva Novak", W.zed: "Zed Young"}.get(t, "Nobody")}),
        ("POST", "/account/language"): lambda: Req(method, url, form={"language": "en"}),
        ("POST", "/student/journal"): lambda: Req(method, url, form={
            "prompt": "week", "helped": "Drawing the fractions", "next_try": "Explain it to a friend"}),
        ("POST", "/student/journal/{entry_id}"): lambda: Req(method, url, form={
            "helped": "Drawing them helped", "next_try": ""}),
        ("POST", "/student/mentor/checkins/{checkin_id}/reply"): lambda: Req(method, url, form={
            "reply": "Thank you, I will"}),
        ("POST", "/mentor/students/{learner_id}/checkins"): lambda: Req(method, url, form={
            "note": "Good progress this week", "next_step": "Two practice sessions"}),
        ("POST", "/student/goals"): lambda: Req(method, url, form={
            "target": "unit:u.dec", "horizon": "week", "target_date": (datetime.now(UTC) + timedelta(days=3)).date()
            .isoformat()}),
        ("POST", "/student/goals/{goal_id}"): lambda: Req(method, url, form={"decision": "remove"}),
        ("POST", "/learners/{learner_id}/goals"): lambda: Req(method, url, form={
            "target": "skill:frac.compare", "horizon": "term",
            "target_date": (datetime.now(UTC) + timedelta(days=40)).date().isoformat(), "note": "Next up"}),
        ("POST", "/student/survey"): lambda: Req(method, url, form={
            "interests": "music", "modalities": "video", "improve": "u.frac", "note": "Fractions"}),
        ("POST", "/student/checkin"): lambda: Req(method, url, form={"mood": "4", "energy": "3", "confidence": "2"}),
        ("POST", "/student/checkin/settings"): lambda: Req(method, url, form={"enabled": "1", "share_staff": "1"}),
        ("POST", "/wellbeing/requests/{talk_id}"): lambda: Req(method, url, form={"status": "seen"}),
        ("POST", "/admin/wellbeing-staff"): lambda: Req(method, url, form={"user_id": W.teacher_b}),
        ("POST", "/admin/mentors"): lambda: Req(method, url, form={"learner_id": W.ben, "mentor_id": W.teacher_b}),
        ("POST", "/admin/mentors/remove"): lambda: Req(method, url, form={
            "learner_id": W.ben, "mentor_id": W.teacher_b}),
        ("POST", "/experiments/new"): lambda: Req(method, url, form={
            "name": f"Matrix {u}", "starts_on": datetime.now(UTC).date().isoformat(),
            "ends_on": (datetime.now(UTC) + timedelta(days=30)).date().isoformat(), "b_checks": "off"}),
        ("POST", "/experiments/switch"): lambda: Req(method, url, form={"enabled": "on"}),
        # days of their own, so that no experiment made for another row overlaps it
        ("POST", "/api/v1/experiments"): lambda: Req(method, url, json={
            "name": f"Matrix {u}", "starts_on": (datetime.now(UTC) + timedelta(days=200)).date().isoformat(),
            "ends_on": (datetime.now(UTC) + timedelta(days=230)).date().isoformat(), "arm_b": {"checks": False}}),
        ("PUT", "/api/v1/experiments/settings"): lambda: Req(method, url, json={"enabled": True}),
        ("POST", "/login"): lambda: Req(method, url, form={"username": WHO.get(role, "ana"), "password": PASSWORD,
                                                           "next": ""}),
    }
    if key in bodies:
        return bodies[key]()
    return Req(method, url)


def _class_of(role: str) -> str:
    return W.class_a if role in ("teacher", "admin") else W.class_b


def _member(class_id: str) -> str:
    return {W.class_a: W.ben, W.class_b: W.dan, W.class_other: W.zed}.get(class_id, MISSING)


def _group(x: World, class_id: str) -> str:
    """A kept group of the class, made afresh (a missing class: an id that names no group)."""
    if _member(class_id) == MISSING:
        return "0"
    from pathwise.services import groups

    with transaction(x.system) as uow:
        return str(groups.keep(uow, Actor.system(), class_id, "Matrix group", "frac.add", [_member(class_id)]))


def _overridden(x: World, learner: str, skill: str) -> None:
    """An override standing on the learner's skill (the system sets it), so there is one to review."""
    if skill == MISSING:
        return
    from pathwise.services.overrides import override_mastery

    with transaction(x.system) as uow:
        override_mastery(uow, x.system.tracker(), Actor.system(), learner, skill, False, "one more check first")


def _review(x: World, learner: str) -> str:
    """A request for a review made afresh by the learner (a missing learner: an id that names none)."""
    if learner == MISSING:
        return "0"
    from pathwise.services.override_reviews import ask_review

    _overridden(x, learner, "frac.equiv")
    with transaction(x.system) as uow:
        return str(ask_review(uow, x.actor(learner), "frac.equiv", "I can do these now"))


def _goal(x: World, learner: str) -> str:
    """A goal the learner set afresh (stored directly; a missing learner: an id that names none)."""
    if learner == MISSING:
        return "0"
    with transaction(x.system) as uow:
        return str(uow.goals.add(school_id=None, learner_id=learner, horizon="term", skill_code="frac.add",
                                 unit_code=None, skill_codes=["frac.add"], target_date=None, status="active",
                                 note="", set_by=learner, at=datetime.now(UTC)))


def _journal_entry(x: World, learner: str) -> str:
    """A journal entry written afresh by the learner (a missing learner: an id that names none)."""
    if learner == MISSING:
        return "0"
    from pathwise.services import journal

    with transaction(x.system) as uow:
        return str(journal.write_entry(uow, x.actor(learner), "free", None, "Matrix reflection", ""))


def _experiment(x: World, class_id: str) -> str:
    """An experiment of the class's school limited to the class, made afresh (a missing class: none)."""
    if class_id == MISSING:
        return "999999"
    from pathwise.services import experiments

    with transaction(x.system) as uow:
        sec = uow.sections.get(class_id)
        assert sec is not None
        for running in experiments.list_experiments(uow, Actor.system(), school_id=sec.school_id):
            experiments.stop_experiment(uow, Actor.system(), running.id)  # a class is in one at a time
        today = datetime.now(UTC).date()
        return str(experiments.create_experiment(
            uow, Actor.system(), name="Matrix experiment", question="", arm_a={}, arm_b={"checks": "off"},
            starts_on=today, ends_on=today + timedelta(days=30), section_ids=[class_id], school_id=sec.school_id).id)


def _job(x: World, class_id: str, made_file: bool = False) -> str:
    """A roster import for the class's school, submitted (not run) by that school's admin; with
    ``made_file``, an export of the school's answers submitted by that admin and run."""
    if class_id == MISSING:
        return "job_missing0000000000000"
    from pathwise.services import jobs

    with transaction(x.system) as uow:
        sec = uow.sections.get(class_id)
        assert sec is not None
        admin = W.admin if sec.school_id == W.school else W.other_admin
    if made_file:
        with transaction(x.system) as uow:
            job_id = jobs.submit(uow, x.actor(admin), "responses-export").id
        assert jobs.run(x.system, job_id) == "succeeded"
        return job_id
    with transaction(x.system) as uow:
        return jobs.submit(uow, x.actor(admin), "roster-import", file=("r.zip", _roster_zip())).id


def _checkin(x: World, learner: str) -> str:
    """A mentor's check-in left afresh for the learner (by the system; a missing learner: none)."""
    if learner == MISSING:
        return "0"
    from pathwise.services import mentoring

    with transaction(x.system) as uow:
        return str(mentoring.add_checkin(uow, Actor.system(), learner, "Matrix check-in", "Keep going"))


def _wellbeing_on(x: World, learner: str, share_staff: bool = False) -> None:
    from pathwise.services import wellbeing

    with transaction(x.system) as uow:
        wellbeing.set_checkins(uow, x.actor(learner), enabled=True, share_staff=share_staff, share_guardians=False)


def _wellbeing_checkin(x: World, learner: str, talk: bool = False) -> str:
    """A well-being check-in made afresh by the learner (with a request to talk: the request's id);
    a missing learner: an id that names none. Check-ins are turned on for the learner first,
    keeping what they share."""
    if learner == MISSING:
        return "0"
    from pathwise.services import wellbeing

    with transaction(x.system) as uow:
        shared = uow.wellbeing.settings(learner)
        wellbeing.set_checkins(uow, x.actor(learner), enabled=True, share_staff=shared.share_staff,
                               share_guardians=shared.share_guardians)
        cid = wellbeing.check_in(uow, x.actor(learner), {"mood": 3}, wants_talk=talk, note="Matrix" if talk else "")
        if not talk:
            return str(cid)
        return str(next(r.id for r in uow.wellbeing.talk_requests_of(learner) if r.checkin_id == cid))


def _team(x: World, class_id: str) -> str:
    """A kept project team of the class, made afresh (a missing class: an id that names no team)."""
    if _member(class_id) == MISSING:
        return "0"
    from pathwise.services import teams

    with transaction(x.system) as uow:
        return str(teams.keep(uow, Actor.system(), class_id, "Matrix team", "cooking", [_member(class_id)]))


def _thread(x: World, learner: str) -> str:
    """A conversation about the learner, started by a guardian linked to them (made for the learners
    with none); a missing learner: an id that names no conversation."""
    if learner == MISSING:
        return MISSING
    from pathwise.domain.people import GuardianLink, Role, User
    from pathwise.services import messages

    with transaction(x.system) as uow:
        child = uow.users.get(learner)
        assert child is not None
        guardians = uow.guardians.guardians_of(learner)
        if guardians:
            parent = guardians[0]
        else:
            parent = User(f"u-mx-parent-{learner.removeprefix('u-')}", child.school_id,
                          f"mx-parent-{learner.removeprefix('u-')}", "Matrix Parent", Role.GUARDIAN)
            uow.users.add(parent)
            uow.flush()
            uow.guardians.link(GuardianLink(parent.id, learner))
            uow.flush()
        return messages.start_thread(uow, Actor.of(parent), learner, "Homework", "How is it going?")


def _offered(x: World, learner: str) -> str:
    if learner == MISSING:
        return "act-matrix"
    with transaction(x.system) as uow:
        from pathwise.services import paths as path_service

        view = path_service.next_activities(uow, x.actor(learner), learner)
    return view.items[0].activity_id if view.items else "act-matrix"


def _current(x: World, session: str) -> str:
    if session == MISSING:
        return MISSING
    with transaction(x.system) as uow:
        s = uow.practice.session(session)
        actor = x.actor(s.learner_id) if s is not None else Actor.system()
        item = practice.next_item(uow, actor, session) if s is not None else None
    return item.id if item is not None else MISSING


# -- sending and judging ----------------------------------------------------------------------------


def send(x: World, role: str, req: Req) -> httpx.Response:
    if req.url == "/login" and req.method == "POST":  # signing in changes the client: a fresh browser each time
        c = x.web()
        form = c.page("/")
        found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        return c.post(req.url, data={**(req.form or {}), "csrf_token": found.group(1) if found else ""},
                      headers={"accept": "text/html"})
    if req.url.startswith("/api/"):
        c, headers = x.api_client(role)
        return c.request(req.method, req.url, json=req.json, data=req.form, files=req.files, headers=headers)
    c = x.page_client(role)
    headers = {"accept": "text/html"}
    if req.method == "GET":
        return c.request("GET", req.url, headers=headers)
    data = {"csrf_token": c.csrf or "", **(req.form or {})}
    return c.request(req.method, req.url, data=data, files=req.files, headers=headers)  # files: admin uploads


def outcome(r: httpx.Response, api: bool) -> str:
    if r.status_code == 401 and api:
        return SIGNIN
    if r.status_code == 303 and not api:
        where = r.headers.get("location", "")
        if r.request.url.path == "/logout":
            return OK if httpx.URL(where).path == "/" else str(r.status_code)
        return SIGNIN if where == "/" or where.startswith("/?") else OK
    if r.status_code in (200, 201, 202, 204):
        return OK
    if r.status_code == 404:
        return DENY
    return str(r.status_code)


def _short(r: httpx.Response) -> str:
    """The gist of an answer: a page's heading and first message, or the start of a body."""
    if "text/html" in r.headers.get("content-type", ""):
        main = r.text.split("<main", 1)[-1]
        words = re.sub(r"<[^>]+>", " ", main)
        return " ".join(words.split())[:160]
    return r.text[:160]


def _normal(text: str, asked: str) -> str:
    return text.replace(asked, MISSING) if asked else text


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    checked: int = 0

    def add(self, what: str) -> None:
        self.problems.append(what)


def drive(x: World, method: str, path: str, row: Row, found: Findings) -> None:
    api = path.startswith("/api/")
    for role in ROLES:
        missing_answer: httpx.Response | None = None
        for target in sorted(row.targets, key=lambda t: t != "missing"):  # the missing id first: the baseline
            t = _target(x, row, role, target)
            req = request_for(x, method, path, role, t)
            r = send(x, role, req)
            found.checked += 1
            got, want = outcome(r, api), row.expected(role, target)
            label = f"{method} {path} as {role} on {target}"
            if r.status_code >= 500:
                found.add(f"{label}: server error {r.status_code}")
                continue
            if got != want:
                found.add(f"{label}: expected {want}, got {r.status_code} {_short(r)!r}")
                continue
            if target == "missing":
                missing_answer = r
            if got == DENY and target != "missing":
                base = missing_answer if missing_answer is not None else _role_gate_baseline(x, role, api)
                if _normal(r.text, t) != _normal(base.text, MISSING if row.vary else ""):
                    found.add(f"{label}: the refusal differs from the answer for a missing id: "
                              f"{_short(r)!r} vs {_short(base)!r}")
            if role != "anonymous" and role != "other" and r.status_code < 400:
                shown = [word for word in HILLVIEW_WORDS if word in r.text]
                if shown:
                    found.add(f"{label}: shows Hillview's {shown}")


def _role_gate_baseline(x: World, role: str, api: bool) -> httpx.Response:
    """What a route that does not exist answers: a role gate's refusal must look the same."""
    return send(x, role, Req("GET", "/api/v1/no-such-thing" if api else "/no-such-page"))


# -- the tests ---------------------------------------------------------------------------------------


def _routes(system: App) -> set[tuple[str, str]]:
    from pathwise.web.app import create_app

    found: set[tuple[str, str]] = set()
    for entry in walk_routes(create_app(system).routes):
        route = entry.route
        if isinstance(route, APIRoute):
            for method in route.methods - {"HEAD"}:
                found.add((method, entry.path))
    return found


def _own_auth(path: str) -> bool:
    return any(path.startswith(prefix) for prefix in OWN_AUTH)


def test_every_route_has_a_row(sqlite_app: App) -> None:
    routes = _routes(sqlite_app)
    assert len(routes) > 100
    without = sorted(f"{m} {p}" for m, p in routes - set(POLICY) if not _own_auth(p))
    assert without == [], "routes with no row in tests/security/access_matrix.py"
    gone = sorted(f"{m} {p}" for m, p in set(POLICY) - routes)
    assert gone == [], "rows for routes the application no longer has"


LAST = {("POST", "/logout"), ("DELETE", "/api/v1/learners/{learner_id}/record")}


@pytest.fixture
def world(sqlite_app: App) -> Iterator[World]:
    with clients(sqlite_app) as web:
        yield build_world(sqlite_app, web)


STUDENT_NAMES = ("Ana Lopez", "Ben Carter", "Cara Singh", "Dan Kim", "Eva Novak", "Zed Young")


@pytest.mark.slow
def test_every_route_answers_every_role_as_the_table_says(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    found = Findings()
    ordered = [k for k in POLICY if k not in LAST] + [k for k in POLICY if k in LAST]
    for method, path in ordered:
        drive(world, method, path, POLICY[(method, path)], found)
    assert found.checked > 1500
    print(f"access matrix: {len(POLICY)} routes, {found.checked} answers, {len(found.problems)} mismatches")
    assert found.problems == [], f"{len(found.problems)} of {found.checked} answers differ from the table:\n" + \
        "\n".join(found.problems)
    # everything the server logged while the matrix ran: no password, token, cookie or student name
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    secrets = [PASSWORD] + [h["Authorization"].removeprefix("Bearer ") for _, h in world.apis.values() if h]
    secrets += [v for c in world.pages.values() for v in c.http.cookies.values()]
    assert len(secrets) > 5 and sum(r.name == "pathwise.access" for r in ours) >= found.checked
    assert [s for s in secrets if s in text] == []
    assert [n for n in STUDENT_NAMES if n in text or n.replace(" ", "%20") in text] == []
