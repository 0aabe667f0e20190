"""Every rule of the access policy, through every door (SQLite and PostgreSQL).

``services/access.py`` holds the rules and the use cases ask them, so a page and the
API cannot differ. ``RULES`` names each public rule function of that module with who
is refused and who is allowed, and a page request and an API request for the same
thing. The refused caller must get the same answer through both doors (404 for "not
yours", exactly like a missing id; 403 where the rule refuses a role or a field); the
allowed caller succeeds through both; for the lists (``visible_*``) the page and the API
show exactly the same people or classes. A rule that some door does not reach says so
in its entry, with the reason, and is driven through the doors that exist (the command
line through ``typer.testing.CliRunner``).

Where the two doors answer differently the ask carries the finding in words, so the
difference is written down rather than hidden; the test then checks each door's answer
as it is, and fails when either changes. ``test_every_rule_has_an_entry`` makes sure a
new rule cannot land without its page-and-API test.
"""

from __future__ import annotations

import inspect
import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from pathwise.domain.people import Role
from pathwise.services import access
from pathwise.services import assessments as asm
from pathwise.services import practice
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.items import import_items, parse_items_document
from tests.cli_runner import run_cli
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import PASSWORD, WebSchool

W = WebSchool()
ROLE = {"ana": Role.STUDENT, "ben": Role.STUDENT, "dan": Role.STUDENT, "zed": Role.STUDENT,
        "rivera": Role.TEACHER, "okafor": Role.TEACHER, "lopez": Role.GUARDIAN, "kim": Role.GUARDIAN,
        "admin": Role.ADMIN, "hilladmin": Role.ADMIN}
NAMES = {W.ana: "Ana Lopez", W.ben: "Ben Carter", W.cara: "Cara Singh", W.dan: "Dan Kim", W.eva: "Eva Novak",
         W.zed: "Zed Young"}
CLASS_NAMES = {W.class_a: "Maths 5A", W.class_b: "Maths 5B", W.class_other: "Hill Maths"}
MISSING = "does-not-exist"
OK = frozenset({200, 201, 204, 303})

ITEMS = """
items:
  - id: rules.add.1
    skills: [frac.add]
    type: numeric
    prompt: "1/2 + 1/4 = ?"
    answer: "3/4"
  - id: rules.add.2
    skills: [frac.add]
    type: numeric
    prompt: "1/3 + 1/3 = ?"
    answer: "2/3"
"""
RUBRIC = {"id": "rules-rubric", "title": "Poster rubric", "criteria": [
    {"id": "acc", "title": "Accuracy", "skill_codes": ["frac.add"],
     "levels": [{"points": 0, "label": "Not yet"}, {"points": 2, "label": "Yes"}]}]}
PROJECT = {"id": "rules-project", "title": "Fraction poster", "kind": "project", "skill_codes": ["frac.add"],
           "rubric_id": "rules-rubric"}
UNIT = {"id": "rules-unit", "title": "Unit A", "kind": "unit", "skill_codes": ["frac.add"],
        "item_ids": ["rules.add.1", "rules.add.2"]}


# -- the doors ------------------------------------------------------------------------------------


class Api:
    """One user's bearer-token calls."""

    def __init__(self, client: WebClient, token: str) -> None:
        self.client, self.headers = client, bearer(token)

    def get(self, url: str) -> httpx.Response:
        return self.client.get(url, headers=self.headers)

    def send(self, method: str, url: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, url, json=body, headers=self.headers)


@dataclass
class Ctx:
    """The school, the things made for the checks (``made``: names -> ids), and one signed-in
    browser and one API caller per user, made when first asked for."""

    system: App
    w: WebSchool
    web: Callable[[], WebClient]
    made: dict[str, str]
    browsers: dict[str, WebClient] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)

    def browser(self, who: str) -> WebClient:
        if who not in self.browsers:
            c = self.web()
            assert c.login(who).status_code == 303, f"{who} cannot sign in"
            self.browsers[who] = c
        return self.browsers[who]

    def api(self, who: str) -> Api:
        if who not in self.apis:
            c = self.web()
            self.apis[who] = Api(c, c.token(who))
        return self.apis[who]

    def form(self, who: str, url: str, **fields: Any) -> httpx.Response:
        c = self.browser(who)
        return c.post(url, data={"csrf_token": c.csrf or "", **fields})

    def id(self, target: str) -> str:
        return self.made.get(target, target)


Door = Callable[[Ctx, str, str], httpx.Response]  # (ctx, who, target) -> the answer
Seen = Callable[[Ctx, str, httpx.Response], set[str]]  # what an answer shows


@dataclass(frozen=True)
class Ask:
    """One caller asking for one thing; ``page`` and ``api`` are the answers each door gives.
    ``sees``: for lists, exactly what both doors show. ``finding``: why the doors answer
    differently (required whenever a refusal's answers differ)."""

    who: str
    target: str = ""
    page: int = 404
    api: int = 404
    sees: frozenset[str] | None = None
    finding: str = ""


@dataclass(frozen=True)
class Check:
    what: str
    page: Door
    api: Door
    refused: tuple[Ask, ...] = ()
    allowed: tuple[Ask, ...] = ()
    page_sees: Seen | None = None
    api_sees: Seen | None = None
    missing: bool = True  # a 404 refusal is also compared with a missing id through both doors


@dataclass(frozen=True)
class Rule:
    checks: tuple[Check, ...] = ()
    drive: Callable[[Ctx, pytest.MonkeyPatch], None] | None = None  # the doors a rule has besides a page-and-API pair
    no_door: str = ""  # what cannot be driven through any door, and why


def refused(who: str, target: str = "", status: int = 404, **kw: Any) -> Ask:
    return Ask(who, target, status, status, **kw)


def allowed(who: str, target: str = "", page: int = 200, api: int = 200, sees: set[str] | None = None) -> Ask:
    return Ask(who, target, page, api, frozenset(sees) if sees is not None else None)


# -- what pages and answers show ------------------------------------------------------------------


def _main(r: httpx.Response) -> str:
    return r.text.split("<main", 1)[1] if "<main" in r.text else r.text


def _links(pattern: str) -> Seen:
    return lambda x, who, r: set(re.findall(pattern, _main(r)))


def _ids(key: str = "id") -> Seen:
    return lambda x, who, r: {str(row[key]) for row in r.json()}


def learners_on_page(x: Ctx, who: str, r: httpx.Response) -> set[str]:
    """Learners a page lists by link; a student's own page names only them (in the header)."""
    if ROLE[who] == Role.STUDENT:
        return {i for i, name in NAMES.items() if name in r.text}
    return set(re.findall(r'href="/(?:learners|guardian/children|teacher/projects/[\w-]+/learners)/(u-[\w-]+)"',
                          _main(r)))


def classes_on_page(x: Ctx, who: str, r: httpx.Response) -> set[str]:
    """Classes a home page lists: by link for staff, by name on a student's page."""
    if ROLE[who] == Role.STUDENT:
        return {i for i, name in CLASS_NAMES.items() if name in _main(r)}
    return set(re.findall(r'href="/(?:teacher|admin)/classes/([\w-]+)"', _main(r)))


def editable_on_page(x: Ctx, who: str, r: httpx.Response) -> set[str]:
    return set(re.findall(r'name="fields" value="(\w+)"', r.text))


def roster_students(x: Ctx, who: str, r: httpx.Response) -> set[str]:
    return {s["id"] for s in r.json()["students"]}


HOME = {Role.STUDENT: "/student", Role.TEACHER: "/teacher", Role.GUARDIAN: "/guardian", Role.ADMIN: "/admin"}


def _learner_page(x: Ctx, who: str, t: str, tail: str = "") -> httpx.Response:
    if ROLE[who] == Role.GUARDIAN:
        return x.browser(who).page(f"/guardian/children/{t}{tail}")
    if ROLE[who] == Role.STUDENT and t == f"u-{who}":
        return x.browser(who).page("/student" + tail)
    return x.browser(who).page(f"/learners/{t}{tail}")


def _profile_form(x: Ctx, who: str, t: str, **fields: Any) -> httpx.Response:
    url = "/student/profile" if ROLE[who] == Role.STUDENT and t == f"u-{who}" else f"/learners/{t}/profile"
    return x.form(who, url, **fields)


def _class_page(x: Ctx, who: str, t: str, tail: str = "") -> httpx.Response:
    area = "admin" if ROLE[who] == Role.ADMIN and not tail else "teacher"
    return x.browser(who).page(f"/{area}/classes/{t}{tail}")


# -- the table: one entry per rule ----------------------------------------------------------------

TEACHERS_STUDENTS = {W.ana, W.ben, W.cara}
RIVERSIDE_STUDENTS = {W.ana, W.ben, W.cara, W.dan, W.eva}

RULES: dict[str, Rule] = {
    "require_learner": Rule(checks=(Check(
        "a learner's record: the learner page (a guardian's child page) and GET /api/v1/learners/{id}",
        page=lambda x, who, t: _learner_page(x, who, t),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/learners/{t}"),
        refused=(refused("rivera", W.eva), refused("okafor", W.ana), refused("lopez", W.dan),
                 refused("kim", W.ana), refused("admin", W.zed), refused("hilladmin", W.ana)),
        allowed=(allowed("rivera", W.ben), allowed("okafor", W.eva), allowed("lopez", W.ana),
                 allowed("admin", W.eva), allowed("hilladmin", W.zed), allowed("ana", W.ana)),
    ), Check(
        "a learner's mastery: the learner page and GET /api/v1/learners/{id}/mastery",
        page=lambda x, who, t: _learner_page(x, who, t),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/learners/{t}/mastery"),
        refused=(refused("rivera", W.dan), refused("lopez", W.ben)),
        allowed=(allowed("rivera", W.ana), allowed("kim", W.dan)),
    ))),

    "learner_allowed": Rule(checks=(Check(
        "reading a learner's profile, and whether the caller may write for them (what it offers to edit): "
        "the profile page and GET /api/v1/learners/{id}/profile",
        page=lambda x, who, t: _learner_page(x, who, t, "/profile"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/learners/{t}/profile"),
        page_sees=editable_on_page, api_sees=lambda x, who, r: set(r.json()["editable"]),
        refused=(refused("rivera", W.eva), refused("lopez", W.dan), refused("admin", W.zed)),
        allowed=(allowed("lopez", W.ana, sees=set()),  # guardians read, never write
                 allowed("kim", W.dan, sees=set()),
                 allowed("okafor", W.dan, sees={"interests", "goals", "accommodations"}),
                 allowed("ana", W.ana, sees={"interests", "preferred_modalities", "goals"})),
    ),)),

    "profile_writable": Rule(checks=(Check(
        "the profile fields each role may change: the profile page's forms and the API's `editable`",
        page=lambda x, who, t: _learner_page(x, who, t, "/profile"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/learners/{t}/profile"),
        page_sees=editable_on_page, api_sees=lambda x, who, r: set(r.json()["editable"]),
        allowed=(allowed("ben", W.ben, sees={"interests", "preferred_modalities", "goals"}),
                 allowed("rivera", W.ben, sees={"interests", "goals", "accommodations"}),
                 allowed("admin", W.ben, sees={"interests", "goals", "accommodations"}),
                 allowed("lopez", W.ana, sees=set())),
    ),)),

    "require_profile_write": Rule(checks=(Check(
        "changing a profile field: the profile form and PATCH /api/v1/learners/{id}/profile",
        page=lambda x, who, t: _profile_form(x, who, t, fields=["interests"], new_interests="chess"),
        api=lambda x, who, t: x.api(who).send("PATCH", f"/api/v1/learners/{t}/profile", {"interests": ["chess"]}),
        refused=(refused("rivera", W.eva), refused("admin", W.zed), refused("ana", W.ben),
                 refused("lopez", W.ana)),  # a guardian's own child: guardians only read
        allowed=(allowed("ana", W.ana, 303), allowed("rivera", W.ben, 303), allowed("admin", W.dan, 303)),
    ), Check(
        "changing accommodations, a field only staff may change (403 naming the field)",
        page=lambda x, who, t: _profile_form(x, who, t, fields=["accommodations"], flags=["read_aloud"]),
        api=lambda x, who, t: x.api(who).send("PATCH", f"/api/v1/learners/{t}/profile",
                                               {"accommodations": {"read_aloud": True}}),
        refused=(refused("ana", W.ana, 403), refused("ben", W.ben, 403), refused("okafor", W.ana)),
        allowed=(allowed("rivera", W.ana, 303), allowed("admin", W.eva, 303)),
        missing=False,
    ))),

    "visible_learners": Rule(checks=(Check(
        "the learners a caller may see: their home page (a teacher's or admin's project page, which "
        "lists every learner they may score of the classes it was assigned to: both here) and GET /api/v1/learners",
        page=lambda x, who, t: x.browser(who).page(
            f"/teacher/projects/{PROJECT['id']}" if ROLE[who] in (Role.TEACHER, Role.ADMIN) else HOME[ROLE[who]]),
        api=lambda x, who, t: x.api(who).get("/api/v1/learners"),
        page_sees=learners_on_page, api_sees=_ids(),
        allowed=(allowed("ana", sees={W.ana}), allowed("lopez", sees={W.ana}), allowed("kim", sees={W.dan}),
                 allowed("rivera", sees=TEACHERS_STUDENTS), allowed("okafor", sees={W.dan, W.eva}),
                 allowed("admin", sees=RIVERSIDE_STUDENTS)),
    ), Check(
        "a teacher's learners: their home page and GET /api/v1/learners",
        page=lambda x, who, t: x.browser(who).page("/teacher"),
        api=lambda x, who, t: x.api(who).get("/api/v1/learners"),
        page_sees=learners_on_page, api_sees=_ids(),
        allowed=(allowed("rivera", sees=TEACHERS_STUDENTS), allowed("okafor", sees={W.dan, W.eva})),
    ))),

    "visible_sections": Rule(checks=(Check(
        "the classes a caller may open: their home page and GET /api/v1/classes",
        page=lambda x, who, t: x.browser(who).page(HOME[ROLE[who]]),
        api=lambda x, who, t: x.api(who).get("/api/v1/classes"),
        page_sees=classes_on_page, api_sees=_ids(),
        allowed=(allowed("rivera", sees={W.class_a}), allowed("okafor", sees={W.class_b}),
                 allowed("admin", sees={W.class_a, W.class_b}), allowed("hilladmin", sees={W.class_other}),
                 allowed("ana", sees={W.class_a}), allowed("dan", sees={W.class_b}),
                 allowed("lopez", sees=set())),
    ),)),

    "require_section": Rule(checks=(Check(
        "reading a class's paths: the class path page and GET /api/v1/classes/{id}/wheel-spinning",
        page=lambda x, who, t: x.browser(who).page(f"/teacher/classes/{t}/path"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/classes/{t}/wheel-spinning"),
        refused=(refused("rivera", W.class_b), refused("okafor", W.class_a), refused("admin", W.class_other),
                 refused("hilladmin", W.class_a), refused("ana", W.class_a), refused("lopez", W.class_a)),
        allowed=(allowed("rivera", W.class_a), allowed("okafor", W.class_b), allowed("admin", W.class_b)),
    ), Check(
        "writing to a class (this week's focus): the focus form and POST /api/v1/classes/{id}/focus",
        page=lambda x, who, t: x.form(who, f"/teacher/classes/{t}/path/focus", skill_codes=["frac.add"], days="7"),
        api=lambda x, who, t: x.api(who).send("POST", f"/api/v1/classes/{t}/focus",
                                               {"skill_ids": ["frac.add"], "days": 7}),
        refused=(refused("rivera", W.class_b), refused("admin", W.class_other), refused("ana", W.class_a),
                 refused("lopez", W.class_a)),
        allowed=(allowed("rivera", W.class_a, 303, 201), allowed("admin", W.class_b, 303, 201)),
    ))),

    "require_class_learners": Rule(checks=(Check(
        "a class with its students: the class page (teacher's or admin's) and GET /api/v1/classes/{id}; "
        "both show exactly the same students",
        page=lambda x, who, t: _class_page(x, who, t),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/classes/{t}"),
        page_sees=learners_on_page, api_sees=roster_students,
        refused=(refused("rivera", W.class_b), refused("okafor", W.class_a), refused("admin", W.class_other),
                 refused("hilladmin", W.class_b), refused("lopez", W.class_a)),
        allowed=(allowed("rivera", W.class_a, sees=TEACHERS_STUDENTS),
                 allowed("okafor", W.class_b, sees={W.dan, W.eva}),
                 allowed("admin", W.class_b, sees={W.dan, W.eva}),
                 allowed("hilladmin", W.class_other, sees={W.zed})),
    ),)),

    "require_class_roster": Rule(checks=(Check(
        "who is in a class, as a student sees it: the student's home page and GET /api/v1/classes/{id}; "
        "classmates are private, so both show the student alone",
        page=lambda x, who, t: x.browser(who).page("/student"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/classes/{t}"),
        page_sees=learners_on_page, api_sees=roster_students,
        allowed=(allowed("ana", W.class_a, sees={W.ana}), allowed("ben", W.class_a, sees={W.ben}),
                 allowed("dan", W.class_b, sees={W.dan})),
    ), Check(
        "another class's roster, for a student: no page, and GET /api/v1/classes/{id} answers like a missing class",
        page=lambda x, who, t: x.browser(who).page(f"/teacher/classes/{t}"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/classes/{t}"),
        refused=(refused("ana", W.class_b), refused("dan", W.class_a), refused("zed", W.class_a)),
    ),)),

    "content_allowed": Rule(checks=(Check(
        "another school's assessment, assigned to one's own class: the assign form and "
        "POST /api/v1/assessments/{id}/assignments both answer like a missing assessment",
        page=lambda x, who, t: x.form(who, f"/teacher/assessments/{UNIT['id']}/assign", class_id=t),
        api=lambda x, who, t: x.api(who).send("POST", f"/api/v1/assessments/{UNIT['id']}/assignments",
                                               {"class_id": t, "opens_at": datetime.now(UTC).isoformat()}),
        refused=(refused("hilladmin", W.class_other),),
        allowed=(allowed("admin", W.class_b, 303, 201),),
        missing=False,
    ),)),

    "require_role": Rule(checks=(Check(
        "assigning an assessment to a class (teachers and admins only): the assign form and "
        "POST /api/v1/assessments/{id}/assignments",
        page=lambda x, who, t: x.form(who, f"/teacher/assessments/{UNIT['id']}/assign", class_id=t),
        api=lambda x, who, t: x.api(who).send("POST", f"/api/v1/assessments/{UNIT['id']}/assignments",
                                               {"class_id": t, "opens_at": datetime.now(UTC).isoformat()}),
        # Each route's role gate (web/policy.py) answers first, with 404 "like a missing page", so
        # the use case's Forbidden is not what either door shows; both doors agree.
        refused=(refused("ana", W.class_a), refused("lopez", W.class_a)),
        allowed=(allowed("rivera", W.class_a, 303, 201), allowed("admin", W.class_b, 303, 201)),
        missing=False,
    ), Check(
        "opening a locked skill for a learner (teachers and admins only): the open form and "
        "PUT /api/v1/learners/{id}/opened-skills/{skill}",
        page=lambda x, who, t: x.form(who, f"/teacher/classes/{W.class_a}/path/open", learner_id=t,
                                      skill_code="frac.add"),
        api=lambda x, who, t: x.api(who).send("PUT", f"/api/v1/learners/{t}/opened-skills/frac.add", {}),
        refused=(refused("ana", W.ana), refused("lopez", W.ana)),
        allowed=(allowed("rivera", W.ana, 303, 204), allowed("admin", W.ben, 303, 204)),
        missing=False,
    ))),

    "require_self": Rule(checks=(Check(
        "handing in learning done elsewhere (only a student, about themself): the practice page's form "
        "and POST /api/v1/submissions",
        page=lambda x, who, t: x.form(who, "/practice/evidence", title="Museum visit", description="coins",
                                      skill_codes=["dec.place"]),
        api=lambda x, who, t: x.api(who).send("POST", "/api/v1/submissions",
                                               {"title": "Museum visit", "description": "coins",
                                                "skill_codes": ["dec.place"]}),
        refused=(refused("rivera"), refused("lopez"), refused("admin")),
        allowed=(allowed("ana", page=303, api=201), allowed("zed", page=303, api=201)),
        missing=False,
    ),)),

    "require_own_work": Rule(checks=(Check(
        "a practice session (only its learner works in it): the session page and "
        "GET /api/v1/practice/sessions/{id}",
        page=lambda x, who, t: x.browser(who).page(f"/practice/session/{x.id(t)}"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/practice/sessions/{x.id(t)}"),
        refused=(refused("ben", "ana-session"), refused("zed", "ana-session"), refused("rivera", "ana-session"),
                 refused("lopez", "ana-session"), refused("admin", "ana-session")),
        allowed=(allowed("ana", "ana-session"),),
    ), Check(
        "answering in a practice session: the session's answer form and POST /api/v1/practice/items/{id}/answer",
        page=lambda x, who, t: x.form(who, f"/practice/session/{x.made['ana-session']}/answer",
                                      presentation_id=x.id(t), attempt_id=uuid.uuid4().hex, response="0"),
        api=lambda x, who, t: x.api(who).send("POST", f"/api/v1/practice/items/{x.id(t)}/answer",
                                               {"attempt_id": uuid.uuid4().hex, "response": "0"}),
        refused=(refused("ben", "ana-item"), refused("rivera", "ana-item"), refused("lopez", "ana-item")),
        allowed=(allowed("ana", "ana-item", 303, 200),),
    ))),

    "require_record": Rule(checks=(Check(
        "recording an observation about a learner: the observation form and POST /api/v1/evidence "
        "(kind observation)",
        page=lambda x, who, t: x.form(who, "/teacher/observations", learner_id=t, skill_code="frac.equiv",
                                      level="1", observation_id=uuid.uuid4().hex),
        api=lambda x, who, t: x.api(who).send("POST", "/api/v1/evidence", {"evidence": [
            {"id": uuid.uuid4().hex, "learner_id": t, "kind": "observation", "skill_ids": ["frac.equiv"],
             "score": 1.0}]}),
        refused=(refused("rivera", W.dan), refused("admin", W.zed), refused("lopez", W.ana),
                 Ask("ana", W.ana, page=404, api=403, finding=(
                     "a student recording an observation about themself: the page's role gate answers 404 "
                     "(/teacher/observations, and POST /api/v1/observations likewise), while POST "
                     "/api/v1/evidence has no role gate and require_record answers 403 (a student may not "
                     "record observation evidence). Refused through every door, with different answers."))),
        allowed=(allowed("rivera", W.ana, 303, 201), allowed("admin", W.eva, 303, 201)),
    ), Check(
        "recording an answer (a student's counts only for an item Pathwise served them, answered in "
        "their practice session): the session's answer form and POST /api/v1/practice/items/{id}/answer",
        page=lambda x, who, t: x.form(who, f"/practice/session/{x.made['ana-session']}/answer",
                                      presentation_id=x.made["ana-item"], attempt_id=uuid.uuid4().hex,
                                      response="0"),  # a wrong answer: the item stays open for the other door
        api=lambda x, who, t: x.api(who).send("POST", f"/api/v1/practice/items/{x.made['ana-item']}/answer",
                                               {"attempt_id": uuid.uuid4().hex, "response": "0"}),
        refused=(refused("ben", W.ana), refused("kim", W.ana)),
        allowed=(allowed("ana", W.ana, 303, 200),),
        missing=False,
    ), Check(
        "a student's answer for an item not served to them: the session's answer form naming a "
        "presentation that is not in her session, and POST /api/v1/evidence (kind answer)",
        page=lambda x, who, t: x.form(who, f"/practice/session/{x.made['ana-session']}/answer",
                                      presentation_id="never-served", attempt_id=uuid.uuid4().hex,
                                      response="3/4"),
        api=lambda x, who, t: x.api(who).send("POST", "/api/v1/evidence", {"evidence": [
            {"id": uuid.uuid4().hex, "learner_id": t, "kind": "answer", "skill_ids": ["frac.add"], "score": 1.0}]}),
        refused=(Ask("ana", W.ana, page=404, api=403, finding=(
            "require_record: a student's answers count only for an item Pathwise served them in a practice "
            "session (finding 3 of issue 16: thirty posted answers made a skill mastered). The form finds no "
            "such presentation in her session (404, like any missing one); POST /api/v1/evidence, where a "
            "student records only self-assessments, refuses the kind (403). Refused through both doors.")),),
        missing=False,
    ))),

    "require_school": Rule(
        drive=lambda x, mp: _cli_school(x, mp),
        no_door=("no page and no API route reaches require_school: creating accounts and classes, linking "
                 "guardians, importing and exporting response logs and registering LTI platforms are "
                 "command-line only, and the command line acts as the system, which every school admits. "
                 "Only the allowed side can be driven (an account created in Hillview through the CLI can "
                 "sign in; an unknown school is refused)."),
    ),

    "require_privacy_request": Rule(
        drive=lambda x, mp: _privacy_requests(x),
        no_door=("a learner's whole record (export, deletion) is asked for through the API only "
                 "(GET /api/v1/learners/{id}/export, DELETE /api/v1/learners/{id}/record); there is no page. "
                 "Driven through the API: the learner's own teacher is refused the export (403), a linked "
                 "guardian exports, a guardian of another child finds no learner (404), the admin exports; "
                 "the deletion route admits admins only, so its role gate (404) answers the others first."),
    ),

    "school_scope": Rule(
        drive=lambda x, mp: _school_scope(x, mp),
        no_door=("school-wide work (a roster import, a response export, the LMS platforms) names no school "
                 "through the API: an admin's always acts on their own school, so asking for another cannot "
                 "be sent through a door. The system's side is driven through the command line: a response "
                 "export names one school and holds only its learners' answers; a missing school is refused."),
    ),

    "require_account": Rule(
        drive=lambda x, mp: _cli_password(x, mp),
        no_door=("setting a password is command-line only (pathwise users set-password), acting as the "
                 "system; no page or API route lets a user or an admin change a password, so the refusal "
                 "(someone else's account answers 'no user') cannot be driven through a door today. The "
                 "allowed side is driven: the new password signs in through the page and the API, the old "
                 "one no longer does, and the user's open sessions end."),
    ),

    "require_framework": Rule(
        drive=lambda x, mp: _frameworks(x),
        no_door=("a framework is read through the API (GET /api/v1/frameworks/{id}/case); no page shows a "
                 "framework by id (pages show the frameworks of one's own classes). Driven through the API: "
                 "a framework Riverside's admin imported is exported by Riverside's teacher and admin; "
                 "Hillview's admin finds nothing, exactly like a missing id (404, same detail); the shared "
                 "framework (the system's) is read by both schools."),
    ),

    "require_same_school": Rule(
        drive=lambda x, mp: _deep_link(x),
        no_door=("Deep Linking is an LTI browser flow (a platform's launch, then the selection form POST "
                 "/lti/deep-link); there is no page of our own and no API route for it. Driven through that "
                 "door: an instructor launched from Riverside's platform and Riverside's admin place "
                 "activities; Hillview's admin, signed in through the login form and posting the same "
                 "selection, is refused (401, 'another school') and nothing is signed."),
    ),

    "require_content_owner": Rule(
        drive=lambda x, mp: _content_owner(x),
        no_door=("rubrics and assessments are edited through the API only (PUT /api/v1/rubrics/{id}, "
                 "PUT /api/v1/assessments/{id}); there is no edit page yet. Driven through the API: the "
                 "teacher who made them (Rivera) and Riverside's admin edit them; her colleague Okafor and "
                 "Hillview's admin find nothing, exactly like a missing id (404, same detail); a student's "
                 "call meets the route's role gate (404)."),
    ),
}


# -- the command line ---------------------------------------------------------------------------


def _cli_school(x: Ctx, mp: pytest.MonkeyPatch) -> None:
    res = run_cli(x.system, mp, ["users", "create", "hill.teacher", "--role", "teacher", "--name", "Hill Teacher",
                       "--school", W.other_school, "--password-stdin"], input=PASSWORD + "\n")
    assert res.exit_code == 0 and f"in school {W.other_school}" in res.output, res.output
    assert x.browser("hill.teacher").page("/teacher").status_code == 200
    res = run_cli(x.system, mp, ["users", "create", "lost.teacher", "--role", "teacher", "--name", "Lost",
                       "--school", MISSING, "--password-stdin"], input=PASSWORD + "\n")
    assert res.exit_code == 1 and f"no school {MISSING}" in res.output, res.output


def _cli_password(x: Ctx, mp: pytest.MonkeyPatch) -> None:
    before = x.browser("ben")
    assert before.page("/student").status_code == 200
    res = run_cli(x.system, mp, ["users", "set-password", "ben", "--password-stdin"], input="a-brand-new-pass-99\n")
    assert res.exit_code == 0 and "password set for ben" in res.output, res.output
    assert before.page("/student").status_code == 303  # the open session has ended
    c = x.web()
    assert c.login("ben").status_code != 303
    assert c.login("ben", "a-brand-new-pass-99").status_code == 303
    assert c.post("/api/v1/auth/token", json={"username": "ben", "password": "a-brand-new-pass-99",
                                              "name": "t"}).status_code == 201
    res = run_cli(x.system, mp, ["users", "set-password", "nobody", "--password-stdin"], input="a-brand-new-pass-99\n")
    assert res.exit_code == 1 and "no user nobody" in res.output, res.output


def _privacy_requests(x: Ctx) -> None:
    def export(who: str, learner: str) -> int:
        return x.api(who).get(f"/api/v1/learners/{learner}/export").status_code

    def delete(who: str, learner: str) -> int:
        return x.api(who).send("DELETE", f"/api/v1/learners/{learner}/record").status_code

    assert export("rivera", W.ana) == 403  # Ana's own teacher: privacy requests go to the admin
    assert export("lopez", W.dan) == 404  # not her child: like a missing learner
    # deleting: the route admits admins only (its role gate answers 404 before the rule's 403)
    assert delete("rivera", W.ana) == 404 and delete("lopez", W.ana) == 404
    assert export("lopez", W.ana) == 200
    assert export("admin", W.ben) == 200
    assert export("hilladmin", W.ben) == 404


def _frameworks(x: Ctx) -> None:
    from tests.security.test_tenancy import case_package

    api = x.api("admin")
    r = api.client.post("/api/v1/admin/frameworks/import", headers=api.headers,
                        files={"file": ("fw.json", case_package("Add fractions"), "application/json")})
    assert r.status_code == 200, r.text
    fid = r.json()["framework_id"]

    def export(who: str, framework_id: str) -> httpx.Response:
        return x.api(who).get(f"/api/v1/frameworks/{framework_id}/case")

    assert export("rivera", fid).status_code == 200 and export("admin", fid).status_code == 200
    theirs, missing = export("hilladmin", fid), export("hilladmin", MISSING)
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json()["detail"].replace(fid, MISSING) == missing.json()["detail"]
    assert export("hilladmin", "fw-fractions").status_code == 200  # shared: the system's
    assert export("rivera", "fw-fractions").status_code == 200


def _school_scope(x: Ctx, mp: pytest.MonkeyPatch) -> None:
    out = run_cli(x.system, mp, ["export", "responses", "--school", W.other_school])
    assert out.exit_code == 0, out.output
    riverside = run_cli(x.system, mp, ["export", "responses", "--school", W.school])
    assert riverside.exit_code == 0, riverside.output
    rows = [line for line in riverside.stdout.splitlines()[1:] if line]
    assert rows and all(W.zed not in line and "zed" not in line for line in rows)
    missing = run_cli(x.system, mp, ["export", "responses", "--school", MISSING])
    assert missing.exit_code == 1 and f"no school {MISSING}" in missing.output, missing.output


def _deep_link(x: Ctx) -> None:
    from pathwise.domain.content import Activity, ActivityKind
    from pathwise.services import lti as lti_service
    from pathwise.services.context import transaction
    from tests.integration.test_lti_launch import CLIENT, DEPLOYMENT, INSTRUCTOR, ISS, FakePlatform, _login

    platform = FakePlatform()
    http = httpx.Client(transport=httpx.MockTransport(platform.handle))
    try:
        with transaction(x.system) as uow:
            uow.activities.add(Activity("act-rules", "Adding fractions", ActivityKind.PRACTICE, ("frac.add",)))
            lti_service.add_platform(uow, Actor.system(), school_id=W.school, name="Riverside LMS", issuer=ISS,
                                     client_id=CLIENT, auth_login_url="https://lms.example/auth",
                                     auth_token_url="https://lms.example/token",
                                     jwks_url="https://lms.example/jwks", deployment_ids=[DEPLOYMENT])
        launcher = x.web()
        launcher.asgi.state.lti_http = http
        state, nonce = _login(launcher)
        r = launcher.post("/lti/launch", data={"id_token": platform.id_token(
            nonce, message_type="LtiDeepLinkingRequest", roles=(INSTRUCTOR,), sub="t-rules"), "state": state})
        assert r.status_code == 200 and "Adding fractions" in r.text, r.text
        context = r.text.split('name="context" value="')[1].split('"')[0]
        csrf = r.text.split('name="csrf_token" value="')[1].split('"')[0]
        json_please = {"Accept": "application/json"}

        def pick(c: WebClient, token: str) -> httpx.Response:
            return c.post("/lti/deep-link", data={"context": context, "activity_ids": ["act-rules"],
                                                  "csrf_token": token}, headers=json_please)

        other = x.browser("hilladmin")
        refused_answer = pick(other, other.csrf or "")
        assert refused_answer.status_code == 401 and "another school" in refused_answer.json()["detail"]
        assert "jwt" not in refused_answer.json()
        ok = pick(launcher, csrf)
        assert ok.status_code == 200 and ok.json()["jwt"], ok.text
        admin = x.browser("admin")
        assert pick(admin, admin.csrf or "").status_code == 200
    finally:
        http.close()


def _content_owner(x: Ctx) -> None:
    def put(who: str, kind: str, content_id: str, body: dict[str, Any]) -> httpx.Response:
        return x.api(who).send("PUT", f"/api/v1/{kind}/{content_id}", body)

    rubric = {k: v for k, v in RUBRIC.items() if k != "id"}
    unit = {k: v for k, v in UNIT.items() if k != "id"}
    for kind, content_id, body in (("rubrics", RUBRIC["id"], rubric), ("assessments", UNIT["id"], unit)):
        for who in ("okafor", "hilladmin"):
            refused_answer, missing = put(who, kind, content_id, body), put(who, kind, MISSING, body)
            assert refused_answer.status_code == missing.status_code == 404, (who, kind, refused_answer.text)
            assert (refused_answer.json()["detail"].replace(content_id, MISSING) == missing.json()["detail"]
                    and set(refused_answer.json()) == {"detail"}), (who, kind)
        assert put("ana", kind, content_id, body).status_code == 404
        assert put("rivera", kind, content_id, {**body, "title": "Edited by its maker"}).status_code == 200
        assert put("admin", kind, content_id, {**body, "title": "Edited by the admin"}).status_code == 200
    with x.system.uow() as uow:
        edits = [(r.actor_id, r.action) for r in uow.audit.recent(limit=100) if r.action.endswith(":update")]
    assert sorted(edits) == sorted([(x.w.teacher, "rubric:update"), (x.w.admin, "rubric:update"),
                                    (x.w.teacher, "assessment:update"), (x.w.admin, "assessment:update")])


# -- the tests -------------------------------------------------------------------------------------


# -- mentoring and the reflection journal (pages only: no API route reaches them) ----------------


def _journal_and_mentoring(x: Ctx) -> None:
    """Ms Rivera mentors Ana (web_school) and teaches Ana and Ben. Ana writes in her journal; her
    mentor reads it and leaves a check-in; the same pages for Ben (whom she teaches but does not
    mentor), for another teacher, for Ana's guardian and for the admin answer like a missing id."""
    w = x.w
    assert x.form("ana", "/student/journal", prompt="week", helped="Fraction walls helped").status_code == 303
    page = x.browser("rivera").page(f"/mentor/students/{w.ana}")
    assert page.status_code == 200 and "Fraction walls helped" in page.text
    missing = x.browser("rivera").page(f"/mentor/students/{MISSING}")
    assert missing.status_code == 404 and "not yours to see" in missing.text
    for who, learner in (("rivera", w.ben), ("okafor", w.ana), ("lopez", w.ana), ("admin", w.ana),
                         ("ben", w.ana), ("hilladmin", w.ana)):
        r = x.browser(who).page(f"/mentor/students/{learner}")
        assert r.status_code == 404 and "not yours to see" in r.text and "Fraction walls" not in r.text, who
        assert x.form(who, f"/mentor/students/{learner}/checkins", note="hello").status_code == 404, who
    for who in ("lopez", "rivera", "admin", "ben"):  # the journal pages are the student's own
        r = x.browser(who).page("/student/journal")
        assert "Fraction walls" not in r.text and (r.status_code == 404 or who == "ben"), who
    assert x.form("rivera", f"/mentor/students/{w.ana}/checkins", note="Keep drawing",
                  next_step="Two sessions").status_code == 303
    assert "Keep drawing" in x.browser("ana").page("/student/mentor").text
    assert "Keep drawing" not in x.browser("ben").page("/student/mentor").text


def _html_form(x: Ctx, who: str, url: str, **fields: Any) -> httpx.Response:
    c = x.browser(who)
    return c.post(url, data={"csrf_token": c.csrf or "", **fields}, headers={"accept": "text/html"})


def _mentor_designation(x: Ctx) -> None:
    """Only the school's admin designates, and only a teacher of the school for a student of it."""
    w = x.w
    for who, learner, mentor in (("hilladmin", w.ben, w.teacher_b), ("admin", w.zed, w.teacher),
                                 ("admin", w.ben, w.guardian), ("admin", w.ben, w.cara),
                                 ("admin", MISSING, w.teacher_b), ("rivera", w.ben, w.teacher),
                                 ("lopez", w.ana, w.teacher)):
        r = _html_form(x, who, "/admin/mentors", learner_id=learner, mentor_id=mentor)
        assert r.status_code == 404 and "not yours to see" in r.text, (who, learner, mentor)
    assert x.browser("okafor").page(f"/mentor/students/{w.ben}").status_code == 404
    assert x.form("admin", "/admin/mentors", learner_id=w.ben, mentor_id=w.teacher_b).status_code == 303
    assert x.browser("okafor").page(f"/mentor/students/{w.ben}").status_code == 200  # not his class: the designation
    assert x.form("admin", "/admin/mentors/remove", learner_id=w.ben, mentor_id=w.teacher_b).status_code == 303
    assert x.browser("okafor").page(f"/mentor/students/{w.ben}").status_code == 404


_PAGES_ONLY = ("mentoring and the reflection journal have pages and no API route (a journal is the student's "
               "own; the mentor reads it on the mentee's page). Driven through the pages: ")
RULES.update({
    "require_journal_reader": Rule(drive=lambda x, mp: _journal_and_mentoring(x), no_door=_PAGES_ONLY + (
        "Ana's mentor reads her reflection; Ben's teacher who is not his mentor, another teacher, the "
        "guardian and the admin find nothing, exactly like a missing id (404).")),
    "require_mentee": Rule(drive=lambda x, mp: _journal_and_mentoring(x), no_door=_PAGES_ONLY + (
        "the mentor leaves a check-in the student reads; anyone else posting one finds no learner (404).")),
    "require_mentor_designation": Rule(drive=lambda x, mp: _mentor_designation(x), no_door=_PAGES_ONLY + (
        "the admin designates a teacher who does not teach the student, who then reaches the mentee page "
        "until the designation ends; another school's admin, a teacher, a guardian, a non-teacher mentor or "
        "another school's student: 404.")),
})


# -- well-being check-ins and the survey (pages only: no API route reaches them) ------------------


def _wellbeing(x: Ctx) -> None:
    """Riverside's admin is the school's well-being lead (web_school). Ana checks in privately and
    asks to talk: the lead sees the request and its note, never her history until she shares it;
    her guardian sees the history only once she shares it with guardians; her teacher, another
    teacher, a classmate, another guardian and another school's admin find nothing (404)."""
    w = x.w
    assert x.form("ana", "/student/checkin/settings", enabled="1").status_code == 303
    assert x.form("ana", "/student/checkin", mood="2", talk="1", note="Worried about the test").status_code == 303
    lead = x.browser("admin")
    assert "Worried about the test" in lead.page("/wellbeing").text
    assert lead.page(f"/wellbeing/learners/{w.ana}").status_code == 404  # a request to talk opens no history
    for who in ("rivera", "okafor", "ben", "lopez", "kim", "hilladmin"):
        c = x.browser(who)
        r = c.page("/wellbeing")
        assert r.status_code in (403, 404) and "Worried" not in r.text, who
        assert c.page(f"/wellbeing/learners/{w.ana}").status_code in (403, 404), who
    assert x.browser("lopez").page(f"/guardian/children/{w.ana}/checkins").status_code == 404
    assert x.form("ana", "/student/checkin/settings", enabled="1", share_staff="1").status_code == 303
    assert lead.page(f"/wellbeing/learners/{w.ana}").status_code == 200
    assert x.browser("hilladmin").page(f"/wellbeing/learners/{w.ana}").status_code in (403, 404)
    assert x.browser("lopez").page(f"/guardian/children/{w.ana}/checkins").status_code == 404
    assert x.form("ana", "/student/checkin/settings", enabled="1", share_guardians="1").status_code == 303
    assert x.browser("lopez").page(f"/guardian/children/{w.ana}/checkins").status_code == 200
    assert x.browser("kim").page(f"/guardian/children/{w.ana}/checkins").status_code == 404
    assert lead.page(f"/wellbeing/learners/{w.ana}").status_code == 404  # sharing with guardians only


def _wellbeing_designation(x: Ctx) -> None:
    """Only a school's admin designates, and only staff of that school."""
    w = x.w
    assert _html_form(x, "admin", "/admin/wellbeing-staff", user_id=w.zed).status_code == 422  # another school
    assert _html_form(x, "admin", "/admin/wellbeing-staff", user_id=w.ana).status_code == 422  # a student
    assert _html_form(x, "hilladmin", "/admin/wellbeing-staff", user_id=w.teacher_b).status_code == 422
    assert x.browser("okafor").page("/wellbeing").status_code == 404
    assert _html_form(x, "rivera", "/admin/wellbeing-staff", user_id=w.teacher_b).status_code in (403, 404)
    assert x.form("admin", "/admin/wellbeing-staff", user_id=w.teacher_b).status_code == 303
    assert x.browser("okafor").page("/wellbeing").status_code == 200


def _survey(x: Ctx) -> None:
    """The survey's answers: the student, her teachers and the school's admin; a guardian, another
    class's teacher and another school find nothing (404)."""
    w = x.w
    for who in ("rivera", "admin"):
        assert x.browser(who).page(f"/learners/{w.ana}/survey").status_code == 200, who
    for who, learner in (("okafor", w.ana), ("lopez", w.ana), ("hilladmin", w.ana), ("rivera", w.dan)):
        r = x.browser(who).page(f"/learners/{learner}/survey")
        assert r.status_code == 404 and "not yours to see" in r.text, (who, learner)


_WELLBEING_PAGES = ("check-ins have pages and no API route (they are the student's own); driven through the "
                    "pages: ")

RULES.update({
    "require_checkin_history": Rule(drive=lambda x, mp: _wellbeing(x), no_door=_WELLBEING_PAGES + (
        "the history is the student's; the well-being lead and a guardian read it only once shared with them.")),
    "require_talk_request": Rule(drive=lambda x, mp: _wellbeing(x), no_door=_WELLBEING_PAGES + (
        "a request to talk reaches the school's well-being staff, and nothing else of the student's.")),
    "require_wellbeing_staff": Rule(drive=lambda x, mp: _wellbeing(x), no_door=_WELLBEING_PAGES + (
        "the well-being page is for the designated staff; any other teacher or admin finds nothing.")),
    "require_wellbeing_designation": Rule(drive=lambda x, mp: _wellbeing_designation(x), no_door=_WELLBEING_PAGES + (
        "the admin designates a teacher of the school, never a student or another school's staff.")),
    "require_survey_reader": Rule(drive=lambda x, mp: _survey(x), no_door=(
        "the survey's answers have a page and no API route: the student, their teachers and the admin "
        "read them; guardians read the strengths and next steps in the family view instead.")),
})


def _goals(x: Ctx) -> None:
    """Goals: read by whoever reads the learner and by their mentors; set by the learner, proposed
    by a teacher of theirs or a mentor; never by a guardian, another class's teacher or another
    school (404). A mentor who does not teach the student reaches them by the designation alone."""
    from pathwise.services import goals
    from pathwise.services.errors import NotFound as Missing

    w = x.w
    when = (datetime.now(UTC) + timedelta(days=40)).date().isoformat()

    def reads(actor: Actor, learner: str) -> bool:
        with x.system.uow() as uow:
            try:
                goals.list_goals(uow, actor, learner)
                return True
            except Missing:
                return False

    def proposes(actor: Actor, learner: str) -> bool:
        with x.system.uow() as uow:
            try:
                goals.set_goal(uow, actor, learner, horizon="term", target_date=when, skill_code="frac.add")
                return True
            except Missing:
                return False

    rivera, okafor = Actor(w.teacher, Role.TEACHER, w.school), Actor(w.teacher_b, Role.TEACHER, w.school)
    lopez, admin = Actor(w.guardian, Role.GUARDIAN, w.school), Actor(w.admin, Role.ADMIN, w.school)
    hill = Actor(w.other_admin, Role.ADMIN, w.other_school)
    ana = Actor(w.ana, Role.STUDENT, w.school)
    assert reads(ana, w.ana) and reads(rivera, w.ana) and reads(lopez, w.ana) and reads(admin, w.ana)
    assert not reads(okafor, w.ana) and not reads(hill, w.ana) and not reads(lopez, w.dan)
    assert not reads(ana, w.ben)
    assert proposes(ana, w.ana) and proposes(rivera, w.ana)
    for actor, learner in ((lopez, w.ana), (admin, w.ana), (okafor, w.ben), (hill, w.ana), (ana, w.ben)):
        assert not proposes(actor, learner), (actor.user_id, learner)
    assert x.form("admin", "/admin/mentors", learner_id=w.ben, mentor_id=w.teacher_b).status_code == 303
    assert reads(okafor, w.ben) and proposes(okafor, w.ben)  # not his class: the designation
    r = x.browser("okafor").page(f"/learners/{w.ana}/goals")
    assert r.status_code == 404 and "not yours to see" in r.text


RULES.update({
    "goals_allowed": Rule(drive=lambda x, mp: _goals(x), no_door=(
        "goals have pages and the profile's goals field; who may read or propose is driven through the "
        "goals service and the staff goals page: ")),
    "require_goals": Rule(drive=lambda x, mp: _goals(x), no_door=(
        "the refusal of goals_allowed, uniform 404, audited reads and proposals: driven with it.")),
})


# -- experiments between two path settings (pages, the command line and the API) -----------------


def _experiments(x: Ctx, mp: pytest.MonkeyPatch) -> None:
    """Riverside's admin defines an experiment limited to class 5A (Ms Rivera's): the admin and Ms
    Rivera read it (she sees only her students' arms), Mr Okafor (5B), Ana, her guardian and
    Hillview's admin find nothing, exactly like a missing id (404); only the admin stops it; the
    lists show each reader what the pages say, and the command line (the system) reads it too."""
    w = x.w
    today = datetime.now(UTC).date()
    r = x.form("admin", "/experiments/new", name="Rules experiment", starts_on=today.isoformat(),
               ends_on=(today + timedelta(days=10)).isoformat(), b_checks="off", section_ids=w.class_a)
    assert r.status_code == 303, r.text
    url = r.headers["location"].split("?")[0]
    eid = url.rsplit("/", 1)[1]
    admin_page = x.browser("admin").page(url)
    assert admin_page.status_code == 200 and all(NAMES[s] in admin_page.text for s in (w.ana, w.ben, w.cara))
    mine = x.browser("rivera").page(url)
    assert mine.status_code == 200 and NAMES[w.ana] in mine.text and NAMES[w.dan] not in mine.text
    missing = x.browser("admin").page("/experiments/999999")
    assert missing.status_code == 404 and "not yours to see" in missing.text
    for who in ("okafor", "ana", "lopez", "hilladmin"):
        page = x.browser(who).page(url)
        assert page.status_code == 404 and "not yours to see" in page.text and "Rules experiment" not in page.text, who
        assert "Rules experiment" not in x.browser(who).page("/experiments").text, who
        assert x.form(who, f"{url}/stop").status_code == 404, who
    assert x.form("rivera", f"{url}/stop").status_code == 404
    assert "Rules experiment" in x.browser("rivera").page("/experiments").text
    assert "Rules experiment" in x.browser("admin").page("/experiments").text
    res = run_cli(x.system, mp, ["experiments", "report", eid, "--json"])
    assert res.exit_code == 0 and sum(json.loads(res.stdout)["students"].values()) == 3, res.output
    assert x.form("admin", f"{url}/stop").status_code == 303
    assert 'id="status">stopped<' in x.browser("admin").page(url).text


def _public_rules() -> set[str]:
    return {name for name, fn in inspect.getmembers(access, inspect.isfunction)
            if fn.__module__ == access.__name__ and not name.startswith("_")
            and (name.startswith(("require_", "visible_")) or name.endswith("_allowed"))}


def test_every_rule_has_an_entry() -> None:
    """A rule cannot land in services/access.py without its page-and-API entry here; every entry
    names a rule that exists; every entry drives some door; every difference between doors is
    written down."""
    functions = {name for name, fn in inspect.getmembers(access, inspect.isfunction)
                 if fn.__module__ == access.__name__}
    assert _public_rules() - set(RULES) == set(), "rules without an entry in RULES"
    assert set(RULES) - functions == set(), "entries naming no rule of services/access.py"
    for name, rule in RULES.items():
        assert rule.checks or rule.drive, f"{name}: drives no door"
        assert rule.checks or rule.no_door, f"{name}: no page or API check, and no reason given"
        for check in rule.checks:
            assert check.refused or check.allowed, f"{name}: {check.what} asks nothing"
            assert (check.page_sees is None) == (check.api_sees is None), name
            for ask in check.refused:
                assert ask.page not in OK and ask.api not in OK, (name, ask)
                assert ask.page == ask.api or ask.finding, f"{name}: {ask} differs without a finding"
            for ask in check.allowed:
                assert ask.page in OK and ask.api in OK, (name, ask)


@pytest.fixture
def ctx(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> Iterator[Ctx]:  # noqa: F811
    system, w = school
    teacher = Actor(w.teacher, Role.TEACHER, w.school)
    ana = Actor(w.ana, Role.STUDENT, w.school)
    parsed = parse_items_document(ITEMS, "rules.yaml")
    with system.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems).stored
        asm.save_rubric(uow, teacher, RUBRIC)
        asm.save_assessment(uow, teacher, PROJECT)
        asm.save_assessment(uow, teacher, UNIT)
        opens = datetime.now(UTC) - timedelta(days=1)  # the project page lists the students it was assigned to
        asm.assign(uow, teacher, PROJECT["id"], w.class_a, opens)
        asm.assign(uow, Actor(w.admin, Role.ADMIN, w.school), PROJECT["id"], w.class_b, opens)
        session = practice.start_session(uow, ana, w.ana, "frac.add")
        item = practice.next_item(uow, ana, session.id)
        assert item is not None
        uow.commit()
    yield Ctx(system, w, web, {"ana-session": session.id, "ana-item": item.id})


def _detail_keys(r: httpx.Response) -> set[str]:
    return set(r.json()) if r.headers.get("content-type", "").startswith("application/json") else set()


def _same_as_missing(x: Ctx, check: Check, ask: Ask, page: httpx.Response, api: httpx.Response) -> None:
    """A learner or class that is not yours answers exactly like one that does not exist."""
    page_missing, api_missing = check.page(x, ask.who, MISSING), check.api(x, ask.who, MISSING)
    assert page_missing.status_code == page.status_code == 404, (ask, page_missing.status_code)
    assert api_missing.status_code == api.status_code == 404, (ask, api_missing.status_code)
    assert _detail_keys(api) == _detail_keys(api_missing) == {"detail"}, (ask, api.text, api_missing.text)
    if "text/html" in page.headers.get("content-type", ""):
        assert "not yours to see" in page.text and "not yours to see" in page_missing.text, ask
        if ask.target.startswith(("u-", "sec-")):
            assert ask.target not in _main(page), f"{ask}: the refusal names what it refused"


@pytest.mark.parametrize("rule", sorted(RULES))
def test_the_rule_answers_the_same_through_every_door(rule: str, ctx: Ctx, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = RULES[rule]
    for check in entry.checks:
        for ask in check.refused:  # refusals first: they must change nothing the allowed asks rely on
            page, api = check.page(ctx, ask.who, ask.target), check.api(ctx, ask.who, ask.target)
            got = (page.status_code, api.status_code)
            assert got == (ask.page, ask.api), f"{rule}: {check.what}: {ask}: page/API answered {got}: {api.text}"
            if ask.page == ask.api == 404 and check.missing:
                _same_as_missing(ctx, check, ask, page, api)
        for ask in check.allowed:
            page, api = check.page(ctx, ask.who, ask.target), check.api(ctx, ask.who, ask.target)
            got = (page.status_code, api.status_code)
            assert got == (ask.page, ask.api), f"{rule}: {check.what}: {ask}: page/API answered {got}: {api.text}"
            if check.page_sees is not None and check.api_sees is not None:
                on_page, in_api = check.page_sees(ctx, ask.who, page), check.api_sees(ctx, ask.who, api)
                assert on_page == in_api, f"{rule}: {check.what}: {ask.who}: page shows {on_page}, API {in_api}"
                if ask.sees is not None:
                    assert in_api == ask.sees, f"{rule}: {check.what}: {ask.who} sees {in_api}"
    if entry.drive is not None:
        entry.drive(ctx, monkeypatch)


# -- experiments: the page and the API answer the same (the drive above covers the command line) -------


def _experiment_of(x: Ctx, target: str) -> str:
    """An experiment limited to class 5A (Ms Rivera's), made once per test by the system, on days
    of its own (so the drive's experiment on 5A does not overlap it); a missing one: a free id."""
    if target == MISSING:
        return "999999"
    if "experiment-5a" not in x.made:
        from pathwise.services import experiments

        today = datetime.now(UTC).date()
        with x.system.uow() as uow:
            x.made["experiment-5a"] = str(experiments.create_experiment(
                uow, Actor.system(), name="Doors experiment", question="", arm_a={}, arm_b={"checks": "off"},
                starts_on=today + timedelta(days=100), ends_on=today + timedelta(days=110),
                section_ids=[x.w.class_a], school_id=x.w.school).id)
            uow.commit()
    return x.made["experiment-5a"]


def _experiment_ids_on_page(x: Ctx, who: str, r: httpx.Response) -> set[str]:
    return set(re.findall(r'href="/experiments/(\d+)"', _main(r)))


_EXPERIMENT_API = ("experiments have pages, an API (/api/v1/experiments) and a command (`pathwise experiments`); "
                   "the command line is driven too: ")
_EXPERIMENT_STUDENTS = {W.ana, W.ben, W.cara}  # class 5A
RULES.update({
    "require_experiment": Rule(checks=(Check(
        "reading an experiment (its students' arms): the experiment page and GET /api/v1/experiments/{id}",
        page=lambda x, who, t: x.browser(who).page(f"/experiments/{_experiment_of(x, t)}"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/experiments/{_experiment_of(x, t)}"),
        page_sees=lambda x, who, r: {i for i, name in NAMES.items() if name in _main(r)},
        api_sees=lambda x, who, r: {m["learner_id"] for m in r.json()["members"]},
        refused=(refused("okafor", "5a"), refused("ana", "5a"), refused("lopez", "5a"),
                 refused("hilladmin", "5a")),
        allowed=(allowed("admin", "5a", sees=_EXPERIMENT_STUDENTS), allowed("rivera", "5a", sees=_EXPERIMENT_STUDENTS)),
    ), Check(
        "stopping an experiment: the stop button and POST /api/v1/experiments/{id}/stop (admins only; a teacher "
        "of the class only reads)",
        page=lambda x, who, t: x.form(who, f"/experiments/{_experiment_of(x, t)}/stop"),
        api=lambda x, who, t: x.api(who).send("POST", f"/api/v1/experiments/{_experiment_of(x, t)}/stop"),
        refused=(refused("rivera", "5a"), refused("okafor", "5a"), refused("ana", "5a"), refused("lopez", "5a"),
                 refused("hilladmin", "5a")),
        allowed=(allowed("admin", "5a", page=303),),
    )), drive=_experiments, no_door=_EXPERIMENT_API + (
        "the school's admin reads and stops it; a teacher of a class it touches reads it; another class's "
        "teacher, a student, a guardian and another school's admin get 404, like a missing id.")),
    "visible_experiments": Rule(checks=(Check(
        "the experiments a caller may read: the experiments page and GET /api/v1/experiments",
        page=lambda x, who, t: (_experiment_of(x, "5a"), x.browser(who).page("/experiments"))[1],
        api=lambda x, who, t: (_experiment_of(x, "5a"), x.api(who).get("/api/v1/experiments"))[1],
        page_sees=_experiment_ids_on_page, api_sees=_ids(),
        refused=(refused("ana"), refused("lopez")),
        allowed=(allowed("admin"), allowed("rivera"), allowed("okafor", sees=set()), allowed("hilladmin", sees=set())),
        missing=False,
    ),), drive=_experiments, no_door=_EXPERIMENT_API + (
        "the list shows the admin every experiment of the school and a teacher those touching her classes; "
        "students, guardians, another class's teacher and another school's admin see none.")),
})


# -- background jobs -----------------------------------------------------------------------------------


def _job_of(x: Ctx, target: str) -> str:
    """A roster import for Riverside, submitted once per test by its admin (not run); a missing one:
    a free id."""
    if target == MISSING:
        return "job_missing0000000000000"
    if "job-river" not in x.made:
        from pathwise.services import jobs
        from tests.security.test_tenancy import roster_zip

        with x.system.uow() as uow:
            admin = Actor(x.w.admin, Role.ADMIN, x.w.school)
            x.made["job-river"] = jobs.submit(uow, admin, "roster-import",
                                              file=("r.zip", roster_zip("doors", "Riverside Primary"))).id
            uow.commit()
    return x.made["job-river"]


RULES.update({
    "require_job": Rule(checks=(Check(
        "reading a background job (its progress, result or error): the job page and GET /api/v1/jobs/{id}",
        page=lambda x, who, t: x.browser(who).page(f"/jobs/{_job_of(x, t)}"),
        api=lambda x, who, t: x.api(who).get(f"/api/v1/jobs/{_job_of(x, t)}"),
        refused=(refused("rivera", "river"), refused("ana", "river"), refused("lopez", "river"),
                 refused("hilladmin", "river")),
        allowed=(allowed("admin", "river"),),
    ),), no_door=("a job is seen by the account that asked for it and its school's admins; a teacher, a student, a "
                  "guardian and another school's admin get 404, like a missing id.")),
})
