"""The access policy as a table: for every route and method, who may reach which target.

This table is written from what the product promises (DESIGN.md section 5 and
docs/security.md), not read off the code; ``test_access_matrix.py`` drives every row
through the real application with every role against every target and fails on any
difference, and on any route of the application that has no row here.

Roles (the world of ``web_school.py``, Riverside school unless said):

* ``anonymous`` - nobody signed in;
* ``student`` - Ana, in class 5A;
* ``teacher`` - Ms Rivera, who teaches 5A;
* ``guardian`` - Mrs Lopez, Ana's parent;
* ``admin`` - Riverside's administrator.

Targets, for the one thing a route names (a learner, a class, a project, a session...):

* ``own`` - the caller's own: Ana herself, Ana's class, Ms Rivera's project, Ana's
  session; for the teacher a student she teaches, for the guardian her child, for the
  admin a learner of the school;
* ``same_class`` - a classmate of Ana's (Ben) or his things;
* ``other_class`` - a learner of the same school in another class (Dan, class 5B) or
  things of that class and its teacher (Mr Okafor);
* ``other_school`` - Hillview's learner, class or content;
* ``missing`` - an id that does not exist.

A route whose path names nothing has the single target ``-``.

Outcomes: ``ok`` (the request is carried out: 2xx or a 303 that is not the sign-in
redirect), ``deny`` (the uniform 404, identical to the answer for a missing id),
``signin`` (401 for the API, a redirect to the sign-in form for pages), or a status
code where the rule refuses a role that may know the thing exists (403).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ROLES = ("anonymous", "student", "teacher", "guardian", "admin")
SIGNED_IN = ROLES[1:]
TARGETS = ("own", "same_class", "other_class", "other_school", "missing")
NONE = "-"

OK, DENY, SIGNIN = "ok", "deny", "signin"


@dataclass(frozen=True)
class Row:
    """One route and method. ``vary``: the kind of thing the targets stand for (None when the
    path names nothing). ``allow``: role -> the targets it may reach (everything else is
    the uniform 404 for a signed-in role, the sign-in answer for anonymous). ``status``:
    (role, target) -> an outcome other than ok/deny, with the reason in ``why``.
    ``public``: anonymous callers are served like anyone else. ``targets``: the targets
    that exist for this kind (a skill has no class)."""

    vary: str | None
    allow: Mapping[str, frozenset[str]]
    status: Mapping[tuple[str, str], str] = field(default_factory=dict)
    public: bool = False
    targets: tuple[str, ...] = TARGETS
    why: str = ""

    def expected(self, role: str, target: str) -> str:
        if (role, target) in self.status:
            return self.status[(role, target)]
        if role == "anonymous" and not self.public:
            return SIGNIN
        return OK if target in self.allow.get(role, frozenset()) else DENY


def row(vary: str | None = None, *, public: bool = False, targets: tuple[str, ...] = TARGETS,
        status: Mapping[tuple[str, str], str] | None = None, why: str = "", **allow: str) -> Row:
    """``row("learner", student="own", teacher="own same_class")``; ``"*"`` is every target;
    with ``vary=None`` a role named with ``"-"`` (or ``"*"``) may call the route."""
    names = targets if vary else (NONE,)
    parsed: dict[str, frozenset[str]] = {}
    for role, spec in allow.items():
        assert role in ROLES, role
        chosen = frozenset(names) if spec in ("*", NONE) else frozenset(spec.split())
        assert chosen <= set(names) | {NONE}, (role, spec)
        parsed[role] = chosen if vary else frozenset({NONE})
    if public:
        parsed.setdefault("anonymous", parsed.get("student", frozenset()))
    return Row(vary, parsed, dict(status or {}), public, targets if vary else (NONE,), why)


EVERYONE = {r: "*" for r in SIGNED_IN}
SCHOOL = "own same_class other_class"  # every learner of the admin's school
TAUGHT = "own same_class"  # every learner in the teacher's class
CONTENT = ("own", "other_class", "other_school", "missing")  # content has no classmate
NAMED = ("own", "missing")  # a skill or an activity: the caller's framework's, or none

# Learner records: the learner, their guardian, the teachers of their class, their school's admin.
LEARNER_READ = row("learner", student="own", guardian="own", teacher=TAUGHT, admin=SCHOOL)
# Writing about a learner: not the guardian.
LEARNER_WRITE = row("learner", student="own", teacher=TAUGHT, admin=SCHOOL)
# What the staff decide for a learner: their teachers and the school's admin.
STAFF_WRITE = row("learner", teacher=TAUGHT, admin=SCHOOL)

POLICY: dict[tuple[str, str], Row] = {
    # -- sign-in, tokens, who am I ---------------------------------------------------------------
    ("GET", "/api/v1/health"): row(public=True, **EVERYONE),
    ("POST", "/api/v1/auth/token"): row(public=True, **EVERYONE),
    ("POST", "/api/v1/auth/tokens"): row(**EVERYONE),
    ("GET", "/api/v1/auth/tokens"): row(**EVERYONE),
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): row(
        "token", student="own", teacher="own", guardian="own", admin="own",
        why="a token is its owner's alone; same_class is a classmate's, other_class a colleague's"),
    ("GET", "/api/v1/me"): row(**EVERYONE),
    ("GET", "/"): row(public=True, **EVERYONE),
    ("GET", "/login"): row(public=True, status={(r, NONE): SIGNIN for r in ("anonymous", *SIGNED_IN)},
                           why="the address people type: it sends everyone to the sign-in form at /", **EVERYONE),
    ("POST", "/login"): row(public=True, **EVERYONE),
    ("POST", "/logout"): row(status={("anonymous", NONE): OK}, why="signing out without a session just shows the "
                             "sign-in form, as for everyone signing out", **EVERYONE),
    ("GET", "/api/v1/docs"): row(public=True, **EVERYONE),
    # -- the operators' endpoints (web/ops.py): liveness and readiness for anyone; the scrape for a
    # client on this machine (the matrix's clients come from 127.0.0.1) or the metrics token holder,
    # whoever is signed in; refused from elsewhere with the 404 of a missing page
    # (tests/integration/test_ops.py)
    ("GET", "/healthz"): row(public=True, **EVERYONE),
    ("GET", "/readyz"): row(public=True, **EVERYONE),
    ("GET", "/metrics"): row(public=True, **EVERYONE),
    # -- learners and classes ----------------------------------------------------------------------
    ("GET", "/api/v1/learners"): row(**EVERYONE),
    ("GET", "/api/v1/learners/{learner_id}"): LEARNER_READ,
    ("GET", "/api/v1/learners/{learner_id}/mastery"): LEARNER_READ,
    ("GET", "/api/v1/learners/{learner_id}/evidence"): LEARNER_READ,
    ("POST", "/api/v1/evidence"): row("learner", student="own", teacher=TAUGHT, admin=SCHOOL),
    ("GET", "/api/v1/classes"): row(**EVERYONE),
    ("GET", "/api/v1/classes/{class_id}"): row(
        "class", targets=("own", "other_class", "other_school", "missing"),
        student="own", teacher="own", admin="own other_class",
        why="a student sees her own class (its teachers; classmates are private); a guardian reaches the "
            "child, not the class"),
    ("GET", "/api/v1/learners/{learner_id}/profile"): LEARNER_READ,
    ("PATCH", "/api/v1/learners/{learner_id}/profile"): LEARNER_WRITE,
    # -- pages: homes --------------------------------------------------------------------------------
    ("GET", "/student"): row(student="-"),
    ("GET", "/teacher"): row(teacher="-"),
    ("GET", "/teacher/classes/{class_id}"): row("class", targets=("own", "other_class", "other_school", "missing"),
                                                teacher="own"),
    ("GET", "/admin/classes/{class_id}"): row("class", targets=("own", "other_class", "other_school", "missing"),
                                              admin="own other_class"),
    ("GET", "/learners/{learner_id}"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("GET", "/guardian"): row(guardian="-"),
    ("GET", "/guardian/children/{learner_id}"): row("learner", guardian="own"),
    ("GET", "/admin"): row(admin="-"),
    ("GET", "/admin/insight"): row(admin="-"),
    ("GET", "/admin/insight.csv"): row(admin="-"),
    ("GET", "/student/profile"): row(student="-"),
    ("POST", "/student/profile"): row(student="-"),
    ("GET", "/learners/{learner_id}/profile"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/learners/{learner_id}/profile"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("GET", "/guardian/children/{learner_id}/profile"): row("learner", guardian="own"),
    # -- paths ---------------------------------------------------------------------------------------
    ("GET", "/api/v1/learners/{learner_id}/next"): LEARNER_READ,
    ("POST", "/api/v1/learners/{learner_id}/choices"): LEARNER_WRITE,
    ("GET", "/api/v1/learners/{learner_id}/choices"): LEARNER_READ,
    ("GET", "/api/v1/learners/{learner_id}/skill-map"): LEARNER_READ,
    ("GET", "/api/v1/learners/{learner_id}/reviews"): LEARNER_READ,
    ("PUT", "/api/v1/learners/{learner_id}/opened-skills/{skill_id}"): STAFF_WRITE,
    ("DELETE", "/api/v1/learners/{learner_id}/opened-skills/{skill_id}"): STAFF_WRITE,
    ("POST", "/api/v1/classes/{class_id}/focus"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("GET", "/api/v1/classes/{class_id}/wheel-spinning"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("GET", "/student/path"): row(student="-"),
    ("POST", "/student/path/choose"): row(student="-"),
    ("GET", "/teacher/classes/{class_id}/path"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/path/focus"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/path/open"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("GET", "/teacher/classes/{class_id}/attention"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("GET", "/teacher/classes/{class_id}/groups"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/groups"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/groups/{group_id}"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/groups/{group_id}/assign"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/groups/{group_id}/delete"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    # -- practice (the student's own sessions) ---------------------------------------------------------
    ("POST", "/api/v1/practice/sessions"): row(student="-"),
    ("GET", "/api/v1/practice/sessions/{session_id}"): row("session", student="own"),
    ("POST", "/api/v1/practice/sessions/{session_id}/next"): row("session", student="own"),
    ("POST", "/api/v1/practice/items/{presentation_id}/answer"): row("presentation", student="own"),
    ("POST", "/api/v1/practice/items/{presentation_id}/hints"): row("presentation", student="own"),
    ("POST", "/api/v1/practice/sessions/{session_id}/finish"): row("session", student="own"),
    ("GET", "/api/v1/learners/{learner_id}/calibration"): LEARNER_READ,
    ("GET", "/practice/skill/{skill_code}"): row("skill", targets=NAMED, student="own"),
    ("POST", "/practice/skill/{skill_code}"): row("skill", targets=NAMED, student="own"),
    ("GET", "/practice/activity/{activity_id}"): row("activity", targets=NAMED, student="own"),
    ("POST", "/practice/activity/{activity_id}"): row("activity", targets=NAMED, student="own"),
    ("GET", "/practice/session/{session_id}"): row("session", student="own"),
    ("POST", "/practice/session/{session_id}/answer"): row("session", student="own"),
    ("POST", "/practice/session/{session_id}/hint"): row("session", student="own"),
    ("POST", "/practice/session/{session_id}/next"): row("session", student="own"),
    ("POST", "/practice/session/{session_id}/finish"): row("session", student="own"),
    ("GET", "/practice/session/{session_id}/summary"): row("session", student="own"),
    ("GET", "/practice"): row(student="-"),
    ("POST", "/practice/evidence"): row(student="-"),
    # -- assessments, projects, rubrics (content is owned by its school; edits by its maker or admin) ---
    ("POST", "/api/v1/rubrics"): row(teacher="-", admin="-"),
    ("PUT", "/api/v1/rubrics/{rubric_id}"): row("rubric", targets=CONTENT, teacher="own", admin="own other_class",
                                                why="other_class is a colleague's rubric: its maker or the admin edits"),
    ("POST", "/api/v1/assessments"): row(teacher="-", admin="-"),
    ("PUT", "/api/v1/assessments/{assessment_id}"): row(
        "assessment", targets=CONTENT, teacher="own", admin="own other_class"),
    ("POST", "/api/v1/assessments/{assessment_id}/assignments"): row(
        "assessment", targets=CONTENT, teacher="own other_class", admin="own other_class",
        why="a school's checks are shared with its teachers: any of them assigns one to her own class"),
    ("GET", "/practice/assessment/{assessment_id}"): row("check", targets=CONTENT, student="own"),
    ("POST", "/practice/assessment/{assessment_id}"): row("check", targets=CONTENT, student="own"),
    ("POST", "/api/v1/assessments/{assessment_id}/start"): row("check", targets=CONTENT, student="own"),
    ("POST", "/api/v1/assessments/{assessment_id}/scores"): row(
        "learner", student="same_class", teacher=TAUGHT, admin=SCHOOL,
        why="the project is Ms Rivera's, peer-reviewed, assigned to 5A: Ana scores a classmate's work as "
            "his reviewer, never her own"),
    ("POST", "/api/v1/observations"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/api/v1/submissions"): row(student="-"),
    ("POST", "/api/v1/submissions/{submission_id}/review"): row("submission", teacher=TAUGHT, admin=SCHOOL),
    ("GET", "/practice/peer/{assessment_id}/{learner_id}"): row(
        "peer", targets=("same_class", "other_class", "other_school", "missing"), student="same_class",
        why="Ana reviews a classmate's work on a peer-reviewed project assigned to 5A"),
    ("POST", "/practice/peer/{assessment_id}/{learner_id}"): row(
        "peer", targets=("same_class", "other_class", "other_school", "missing"), student="same_class"),
    ("GET", "/teacher/projects"): row(teacher="-", admin="-"),
    ("GET", "/teacher/projects/{assessment_id}"): row(
        "project", targets=CONTENT, teacher="own other_class", admin="own other_class",
        why="a school's projects are open to its teachers, each seeing only the students she teaches"),
    ("GET", "/teacher/projects/{assessment_id}/learners/{learner_id}"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/teacher/projects/{assessment_id}/learners/{learner_id}"): row("learner", teacher=TAUGHT,
                                                                               admin=SCHOOL),
    ("POST", "/teacher/submissions/{submission_id}"): row("submission", teacher=TAUGHT, admin=SCHOOL),
    ("GET", "/teacher/assessments"): row(teacher="-", admin="-"),
    ("POST", "/teacher/assessments/{assessment_id}/assign"): row(
        "assessment", targets=CONTENT, teacher="own other_class", admin="own other_class"),
    ("POST", "/teacher/observations"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    # -- standards and administration --------------------------------------------------------------------
    ("POST", "/api/v1/admin/roster/import"): row(admin="-"),
    ("POST", "/api/v1/admin/frameworks/import"): row(admin="-"),
    ("GET", "/api/v1/frameworks/{framework_id}/case"): row(
        "framework", targets=("own", "other_school", "missing"), teacher="own", admin="own"),
    ("GET", "/api/v1/learners/{learner_id}/export"): row(
        "learner", student="own", guardian="own", admin=SCHOOL,
        status={("teacher", t): "403" for t in TARGETS},
        why="privacy requests go to the admin: a teacher is told so (403), the same words whoever she asks "
            "about, so the answer reveals nothing"),
    ("GET", "/api/v1/learners/{learner_id}/evidence/xapi"): LEARNER_READ,
    ("GET", "/api/v1/evidence/xapi"): row(teacher="-", admin="-"),
    ("POST", "/api/v1/lti/platforms/{platform_id}/resource-links/{resource_link_id}/scores"): row(
        "platform", targets=("own", "other_school", "missing"), teacher="own", admin="own"),
    ("POST", "/lti/deep-link"): row(
        status={("teacher", NONE): "401", ("admin", NONE): "401"},
        why="answers only inside a launch from the platform (its signed context); the deep-link test drives "
            "the launch; without one every caller is refused alike"),
    # -- teaching pages: rubrics, checks, units, projects, assigning, a learner's skill, overrides ---------
    ("GET", "/teacher/teaching"): row(teacher="-", admin="-"),
    ("GET", "/teacher/teaching/rubrics/new"): row(teacher="-", admin="-"),
    ("POST", "/teacher/teaching/rubrics"): row(teacher="-", admin="-"),
    ("GET", "/teacher/teaching/rubrics/{rubric_id}"): row(
        "rubric", targets=CONTENT, teacher="own", admin="own other_class",
        why="the edit form: only the rubric's maker or the admin edits it"),
    ("POST", "/teacher/teaching/rubrics/{rubric_id}"): row(
        "rubric", targets=CONTENT, teacher="own", admin="own other_class"),
    ("GET", "/teacher/teaching/assessments/new"): row(teacher="-", admin="-"),
    ("POST", "/teacher/teaching/assessments"): row(teacher="-", admin="-"),
    ("GET", "/teacher/teaching/assessments/{assessment_id}"): row(
        "assessment", targets=CONTENT, teacher="own other_class", admin="own other_class",
        why="a colleague's check is shown read-only, to assign to her own class"),
    ("POST", "/teacher/teaching/assessments/{assessment_id}"): row(
        "assessment", targets=CONTENT, teacher="own", admin="own other_class"),
    ("POST", "/teacher/teaching/assessments/{assessment_id}/assign"): row(
        "assessment", targets=CONTENT, teacher="own other_class", admin="own other_class"),
    ("GET", "/learners/{learner_id}/skills/{skill_code}"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/learners/{learner_id}/skills/{skill_code}/override"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/learners/{learner_id}/skills/{skill_code}/observation"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    # -- issue 17, the student's journeys: the library (videos, readings, projects and hand-ins) -----------
    ("GET", "/library/{activity_id}"): row("library", targets=NAMED, student="own"),
    ("POST", "/library/{activity_id}/done"): row("library", targets=NAMED, student="own"),
    ("POST", "/library/{activity_id}/handin"): row("library", targets=NAMED, student="own"),
    ("GET", "/library/handins/{handin_id}/file"): row("handin", student="own", teacher=TAUGHT, admin=SCHOOL),
    # staff read and score hand-ins for library projects (each read audited)
    ("GET", "/teacher/handins"): row(teacher="-", admin="-"),
    ("GET", "/teacher/library/{activity_id}/handins"): row("library", targets=NAMED, teacher="own", admin="own"),
    ("GET", "/teacher/handins/{handin_id}"): row("handin", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/teacher/handins/{handin_id}"): row("handin", teacher=TAUGHT, admin=SCHOOL),
    # -- the admin's pages (issue 17): roster import, accounts, frameworks and items, privacy, audit ----
    # "account" targets: Cara (own: a Riverside student no other row signs in as), Eva (other_class),
    # Zed (Hillview); the admin manages the people of her own school only
    ("GET", "/admin/settings"): row(admin="-"),
    ("POST", "/admin/settings"): row(admin="-"),
    ("GET", "/admin/roster"): row(admin="-"),
    ("POST", "/admin/roster/check"): row(admin="-"),
    ("POST", "/admin/roster/import"): row(admin="-"),
    ("GET", "/admin/accounts"): row(admin="-"),
    ("POST", "/admin/accounts"): row(admin="-"),
    ("GET", "/admin/accounts/{user_id}"): row("account", targets=CONTENT, admin="own other_class"),
    ("POST", "/admin/accounts/{user_id}/password"): row("account", targets=CONTENT, admin="own other_class"),
    ("POST", "/admin/accounts/{user_id}/active"): row("account", targets=CONTENT, admin="own other_class"),
    ("POST", "/admin/accounts/{user_id}/links"): row("account", targets=CONTENT, admin="own other_class"),
    ("POST", "/admin/accounts/{user_id}/links/remove"): row("account", targets=CONTENT, admin="own other_class"),
    ("GET", "/admin/frameworks"): row(admin="-"),
    ("POST", "/admin/frameworks/import"): row(admin="-"),
    ("POST", "/admin/items/import"): row(admin="-"),
    ("GET", "/admin/frameworks/{framework_id}"): row("framework", targets=("own", "other_school", "missing"),
                                                     admin="own"),
    ("GET", "/admin/privacy"): row(admin="-"),
    ("GET", "/admin/learners/{learner_id}/privacy"): row("learner", admin=SCHOOL),
    ("GET", "/admin/learners/{learner_id}/export"): row("learner", admin=SCHOOL),
    ("GET", "/admin/learners/{learner_id}/audit"): row("learner", admin=SCHOOL),
    ("POST", "/admin/learners/{learner_id}/delete"): row(
        "account", targets=CONTENT, admin="own other_class",
        why="deletes Cara and Eva (the admin's school), never Hillview's Zed; last of the admin's rows"),
    # -- asking for a review of an override (the student) and answering it (their teachers, the admin) --
    ("GET", "/student/skills/{skill_code}/review"): row("skill", targets=NAMED, student="own"),
    ("POST", "/student/skills/{skill_code}/review"): row(
        "skill", targets=NAMED, student="own", why="Ana asks about the override standing on her own skill"),
    ("GET", "/teacher/reviews"): row(teacher="-", admin="-"),
    ("GET", "/teacher/reviews/{review_id}"): row(
        "learner", teacher=TAUGHT, admin=SCHOOL, why="a request made afresh by the target learner"),
    ("POST", "/teacher/reviews/{review_id}"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    # -- interest-based project teams of a class (teachers of the class, the admin) ----------------------
    ("GET", "/teacher/classes/{class_id}/teams"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/teams"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/teams/{team_id}"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/teams/{team_id}/assign"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    ("POST", "/teacher/classes/{class_id}/teams/{team_id}/delete"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own", admin="own other_class"),
    # -- the account's language: every signed-in person sets their own (and an admin the school's) --
    ("GET", "/account/language"): row(**EVERYONE),
    ("POST", "/account/language"): row(**EVERYONE),
    # -- messages between guardians and teachers: a conversation belongs to the guardian who started
    # it and the teachers of the child's classes; administrators and students do not read them
    ("GET", "/guardian/messages"): row(guardian="-"),
    ("GET", "/teacher/messages"): row(teacher="-"),
    ("GET", "/guardian/children/{learner_id}/messages"): row("learner", guardian="own"),
    ("POST", "/guardian/children/{learner_id}/messages"): row("learner", guardian="own"),
    ("GET", "/teacher/messages/{thread_id}"): row(
        "learner", teacher=TAUGHT, why="a conversation a guardian started about the learner; the teachers of the "
        "learner's class read it"),
    ("POST", "/teacher/messages/{thread_id}"): row(
        "learner", teacher=TAUGHT, why="a reply in a conversation about the learner, by a teacher of their class"),
    # -- the family view: a child's week and units, and the printable report ----------------------
    ("GET", "/guardian/children/{learner_id}/progress"): row("learner", guardian="own"),
    ("GET", "/guardian/children/{learner_id}/report"): row("learner", guardian="own"),
    ("GET", "/learners/{learner_id}/report"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    # -- the reflection journal (the student's own) and mentoring: Ms Rivera is Ana's designated mentor
    # and not Ben's (she teaches both); a journal is read by the student and their mentors only, never
    # by a guardian, an admin or a teacher who is not the mentor
    ("GET", "/student/journal"): row(student="-"),
    ("GET", "/student/journal/new"): row(student="-"),
    ("POST", "/student/journal"): row(student="-"),
    ("GET", "/student/journal/export"): row(student="-"),
    ("GET", "/student/journal/{entry_id}"): row(
        "learner", student="own", why="a journal entry written afresh by the target learner"),
    ("POST", "/student/journal/{entry_id}"): row("learner", student="own"),
    ("POST", "/student/journal/{entry_id}/delete"): row("learner", student="own"),
    ("GET", "/student/mentor"): row(student="-"),
    ("POST", "/student/mentor/checkins/{checkin_id}/reply"): row(
        "learner", student="own", why="a check-in left afresh for the target learner"),
    ("GET", "/mentor"): row(teacher="-"),
    ("GET", "/mentor/students/{learner_id}"): row(
        "learner", teacher="own", why="Ms Rivera mentors Ana; Ben is in her class but not her mentee"),
    ("POST", "/mentor/students/{learner_id}/checkins"): row("learner", teacher="own"),
    # -- goals: the student's own (set, accept/decline, set aside); their teachers read and propose, the
    # admin reads (guardians read them on the family pages)
    ("GET", "/student/goals"): row(student="-"),
    ("POST", "/student/goals"): row(student="-"),
    ("POST", "/student/goals/{goal_id}"): row(
        "learner", student="own", why="a goal set afresh by the target learner, which she sets aside"),
    ("GET", "/learners/{learner_id}/goals"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("POST", "/learners/{learner_id}/goals"): row("learner", teacher=TAUGHT),
    # -- experiments between two path settings: the school's admins define, read and stop them; a teacher
    # reads one that touches a class she teaches; students and guardians find nothing. The target is the
    # class an experiment made afresh is limited to
    ("GET", "/experiments"): row(teacher="-", admin="-"),
    ("POST", "/experiments/new"): row(admin="-"),
    ("POST", "/experiments/switch"): row(admin="-"),
    ("GET", "/experiments/{experiment_id}"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own",
        admin="own other_class", why="an experiment limited to the target class, made afresh"),
    ("POST", "/experiments/{experiment_id}/stop"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), admin="own other_class",
        why="an experiment limited to the target class, made afresh; a teacher only reads"),
    # the same through the API: the service decides, the role gate answers like a missing route
    ("GET", "/api/v1/experiments"): row(teacher="-", admin="-"),
    ("POST", "/api/v1/experiments"): row(admin="-"),
    ("GET", "/api/v1/experiments/settings"): row(admin="-"),
    ("PUT", "/api/v1/experiments/settings"): row(admin="-"),
    ("GET", "/api/v1/experiments/{experiment_id}"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), teacher="own",
        admin="own other_class", why="an experiment limited to the target class, made afresh"),
    ("POST", "/api/v1/experiments/{experiment_id}/stop"): row(
        "class", targets=("own", "other_class", "other_school", "missing"), admin="own other_class",
        why="an experiment limited to the target class, made afresh; a teacher only reads"),
    # -- background jobs: the account that asked and its school's admins see one; nobody else (a job of
    # another school answers like a missing one). The target is the class whose school a roster import,
    # submitted afresh by that school's admin, is for
    ("GET", "/jobs"): row(teacher="-", admin="-"),
    ("GET", "/jobs/{job_id}"): row(
        "class", targets=("own", "other_school", "missing"), admin="own",
        why="a roster import of the target class's school, submitted afresh by its admin"),
    ("GET", "/jobs/{job_id}/progress"): row(
        "class", targets=("own", "other_school", "missing"), admin="own",
        why="a roster import of the target class's school, submitted afresh by its admin"),
    ("GET", "/jobs/{job_id}/file"): row(
        "class", targets=("own", "other_school", "missing"), admin="own",
        why="an export of the answers of the target class's school, submitted afresh by its admin and run"),
    ("POST", "/admin/responses/export"): row(admin="-"),
    ("GET", "/api/v1/jobs"): row(teacher="-", admin="-"),
    ("POST", "/api/v1/jobs"): row(admin="-"),
    ("GET", "/api/v1/jobs/{job_id}"): row(
        "class", targets=("own", "other_school", "missing"), admin="own",
        why="a roster import of the target class's school, submitted afresh by its admin"),
    ("GET", "/api/v1/jobs/{job_id}/file"): row(
        "class", targets=("own", "other_school", "missing"), admin="own",
        why="an export of the answers of the target class's school, submitted afresh by its admin and run"),
    ("GET", "/admin/mentors"): row(admin="-"),
    ("POST", "/admin/mentors"): row(admin="-"),
    ("POST", "/admin/mentors/remove"): row(admin="-"),
    # -- well-being check-ins: the student's own. Riverside's admin is the school's well-being lead; Ms
    # Rivera is not on the well-being staff. Ana has check-ins on and shares them with the well-being
    # staff, not with her family; Ben and Dan share nothing
    ("GET", "/student/checkin"): row(student="-"),
    ("POST", "/student/checkin"): row(student="-", why="Ana has turned check-ins on"),
    ("POST", "/student/checkin/settings"): row(student="-"),
    ("POST", "/student/checkin/{wellbeing_checkin_id}/delete"): row(
        "learner", student="own", why="a check-in made afresh by the target learner"),
    ("POST", "/student/checkin/delete-all"): row(student="-"),
    ("GET", "/wellbeing"): row(admin="-", why="the well-being staff only: the admin is its lead, Ms Rivera is not"),
    ("POST", "/wellbeing/requests/{talk_id}"): row(
        "learner", admin=SCHOOL, why="a request to talk made afresh by the target learner: it reaches the well-being "
        "staff of the learner's school, whoever teaches them"),
    ("GET", "/wellbeing/learners/{learner_id}"): row(
        "learner", admin="own", why="Ana shares her check-ins with the well-being staff; Ben and Dan do not"),
    ("GET", "/guardian/children/{learner_id}/checkins"): row(
        "learner", why="Ana shares her check-ins with the staff, not with her family: her guardian finds nothing"),
    ("GET", "/admin/wellbeing-staff"): row(admin="-"),
    ("POST", "/admin/wellbeing-staff"): row(admin="-"),
    ("POST", "/admin/wellbeing-staff/{user_id}/remove"): row(
        "staffer", targets=("own", "other_school", "missing"), admin="own",
        why="own: Mr Okafor, a teacher of the admin's school; other_school: Hillview's admin"),
    # -- the getting-to-know-you survey (the student's own; their teachers and admin read the answers) and
    # strengths and needs (also read by a linked guardian, in plain words)
    ("GET", "/student/welcome"): row(student="-"),
    ("POST", "/student/welcome/skip"): row(student="-"),
    ("GET", "/student/survey"): row(student="-"),
    ("POST", "/student/survey"): row(student="-"),
    ("GET", "/learners/{learner_id}/survey"): row("learner", teacher=TAUGHT, admin=SCHOOL),
    ("GET", "/guardian/children/{learner_id}/strengths"): row("learner", guardian="own"),
    # the learner's record deleted: last, it removes the learners it reaches
    ("DELETE", "/api/v1/learners/{learner_id}/record"): row("learner", admin=SCHOOL),
}

# Routes that authenticate by their standard's own means, tested by their own suites; the
# matrix still checks that an unauthenticated caller is refused where the standard says so.
OWN_AUTH: dict[str, str] = {
    "/xapi/": "xAPI credentials (HTTP Basic) per client; tests/security/test_xapi_tenancy.py and the xAPI suite",
    "/lti/login": "the LTI 1.3 login initiation from a registered platform; tests/integration/test_lti_launch.py",
    "/lti/launch": "the platform's signed id_token; tests/integration/test_lti_launch.py",
    "/lti/jwks": "the tool's public keys, public by definition",
}
