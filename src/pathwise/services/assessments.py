"""Assessments beyond practice: rubrics, checks and unit assessments assigned to a class
or group with a window, and projects scored with a rubric (by the teacher, or by a
classmate and then confirmed by the teacher). Teacher observations and learning done
elsewhere are in ``services.outside_work``.

Every score that counts becomes Evidence through ``services.evidence`` (idempotent,
attributed, mastery updated at once). Access goes through ``services.access``: a
learner, class or assessment that is not the actor's answers "not found". This
module renders nothing and never follows an artefact link.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pathwise.domain.assessment import (
    Assessment,
    AssessmentKind,
    Criterion,
    Level,
    ReviewState,
    Rubric,
    Window,
)
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import EVIDENCE_NAMESPACE, Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.domain.practice import Assignment, RubricScore
from pathwise.engine.kt.tracker import Tracker
from pathwise.services import practice
from pathwise.services.school_admin import school_time_zone
from pathwise.services.access import (
    Actor,
    Need,
    content_allowed,
    require_content_owner,
    require_learner,
    require_role,
    require_section,
    require_self,
    visible_sections,
)
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store.errors import AlreadyStored
from pathwise.store.uow import UnitOfWork

__all__ = [
    "Assignment", "ClassOption", "CriterionScore", "MisconceptionSeen", "PeerTask", "ProjectLearner", "ScoreResult",
    "assign", "check_skills", "class_misconceptions", "confirm_peer_review", "editable_assessment",
    "editable_rubric", "get_assessment", "get_rubric",
    "my_assignments", "peer_review_form", "peer_tasks", "project_roster", "project_scores",
    "save_assessment", "save_rubric", "score_project", "skill_options", "start_assessment",
    "teacher_assessments", "teacher_projects", "teacher_rubrics", "teaching_options", "update_assessment", "update_rubric",
]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    state: str
    evidence_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CriterionScore:
    criterion_id: str
    points: int
    state: str
    scorer_id: str | None


@dataclass(frozen=True, slots=True)
class ProjectLearner:
    learner: User
    confirmed: dict[str, int]
    peer: dict[str, int]
    comment: str = ""  # the latest comment saved with the teacher's (confirmed) scores


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _invalid(exc: ValidationError) -> Invalid:
    return Invalid(str(exc), exc.field)


def check_skills(uow: UnitOfWork, codes: Sequence[str], *, school_id: str | None = None,
                 learner_id: str | None = None) -> None:
    """Every code names a skill of the school's (or the learner's school's) frameworks or the
    shared ones; another school's skills are unknown here, like skills that do not exist."""
    known = uow.frameworks.skill_titles(codes, school_id=school_id, learner_id=learner_id)
    missing = [c for c in codes if c not in known]
    if missing:
        raise Invalid(f"unknown skill(s) {', '.join(missing)}", "skill_codes")


# -- rubrics and assessments ---------------------------------------------------------------------


# Each school has its own id space for rubrics and assessments: the stored key is (school,
# id), so a school names its content as it likes and another school's ids are never seen
# (a POST with one is answered exactly like a POST with a free id: it creates the caller's
# own). Ids minted by the server would also hide them, but the ids are the teacher's
# readable names in links and in the API (``/teacher/projects/poster``), every caller
# already sends them, and creating by a known id keeps a retried POST from making two.
# Content made by no school (the system's) is shared: every school reads it, nobody but
# the system changes it. An id resolves to the school's own content first, then to the
# shared one.

Stored = tuple[Any, str | None, str | None]  # (rubric or assessment, owning school, maker)


def _stored_rubric(uow: UnitOfWork, actor: Actor, rubric_id: str, school_id: str | None) -> Stored:
    found = uow.assessments.rubric(rubric_id, school_id)
    if found is None or not content_allowed(actor, found[1]):
        raise NotFound(f"no rubric {rubric_id}")
    return found


def _stored_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str) -> Stored:
    found = uow.assessments.assessment(assessment_id, actor.school_id)
    if found is None or not content_allowed(actor, found[1]):
        raise NotFound(f"no assessment {assessment_id}")
    return found


def get_rubric(uow: UnitOfWork, actor: Actor, rubric_id: str) -> Rubric:
    """A rubric of the actor's school (or a shared one); anything else is "not found"."""
    rubric: Rubric = _stored_rubric(uow, actor, rubric_id, actor.school_id)[0]
    return rubric


def get_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str) -> Assessment:
    """An assessment of the actor's school (or a shared one); anything else is "not found"."""
    a: Assessment = _stored_assessment(uow, actor, assessment_id)[0]
    return a


def _rubric_of(data: Mapping[str, Any], rubric_id: str) -> Rubric:
    try:
        return Rubric(rubric_id, str(data["title"]), tuple(
            Criterion(str(c["id"]), str(c["title"]), tuple(c["skill_codes"]),
                      tuple(Level(int(lv["points"]), str(lv["label"]), str(lv.get("description", "")))
                            for lv in c["levels"]))
            for c in data["criteria"]))
    except ValidationError as exc:
        raise _invalid(exc) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"rubric: missing or malformed {exc}", "rubric") from None


def _assessment_of(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any], assessment_id: str) -> Assessment:
    try:
        a = Assessment(assessment_id, str(data["title"]), AssessmentKind(data["kind"]), tuple(data["skill_codes"]),
                       tuple(data.get("item_ids") or ()), data.get("rubric_id"), data.get("time_limit_minutes"),
                       bool(data.get("hints_allowed", False)), bool(data.get("peer_review", False)),
                       str(data.get("description", "")))
    except ValidationError as exc:
        raise _invalid(exc) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"assessment: missing or malformed {exc}", "assessment") from None
    check_skills(uow, a.skill_codes, school_id=actor.school_id)
    missing = [i for i in a.item_ids if not _item_in_reach(uow, actor, i)]
    if missing:
        raise Invalid(f"unknown item(s) {', '.join(missing)}", "item_ids")
    if a.rubric_id:
        try:
            get_rubric(uow, actor, a.rubric_id)
        except NotFound:
            raise Invalid(f"no rubric {a.rubric_id} in your school", "rubric_id") from None
    return a


def _item_in_reach(uow: UnitOfWork, actor: Actor, item_id: str) -> bool:
    """The item exists and is the actor's school's or shared (another school's is unknown)."""
    exists, owner = uow.items.owner(item_id)
    return exists and (owner is None or actor.school_id is None or owner == actor.school_id)


def _new_id(data: Mapping[str, Any], what: str) -> str:
    if "id" not in data or data["id"] is None or not str(data["id"]).strip():
        raise Invalid(f"{what}: give it an id", "id")
    return str(data["id"])


def _taken(what: str, content_id: str) -> Conflict:
    return Conflict(f"{what} {content_id} already exists: edit it instead", "id")


def _audit(uow: UnitOfWork, actor: Actor, what: str, verb: str, content_id: str, school_id: str | None,
           changed: dict[str, Any]) -> None:
    uow.audit.add(actor.user_id, f"{what}:{verb}", None, f"{what}:{content_id}",
                  {"id": content_id, "school_id": school_id, "changed": changed, "via": actor.via})


def _short(value: Any) -> Any:
    return value[:200] + "..." if isinstance(value, str) and len(value) > 200 else value


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """What an edit changed, field by field: lists as what was added and removed, other
    values as from and to (long text cut short)."""
    out: dict[str, Any] = {}
    for key, new in after.items():
        old = before.get(key)
        if old == new:
            continue
        if isinstance(new, list | tuple) or isinstance(old, list | tuple):
            old_l, new_l = list(old or ()), list(new or ())
            out[key] = {"added": [x for x in new_l if x not in old_l], "removed": [x for x in old_l if x not in new_l]}
            if not out[key]["added"] and not out[key]["removed"]:
                out[key] = {"reordered": True}
        else:
            out[key] = {"from": _short(old), "to": _short(new)}
    return out


def _rubric_fields(r: Rubric) -> dict[str, Any]:
    return {"title": r.title, "criteria": [c.id for c in r.criteria],
            "levels": [f"{c.id}:{lv.points}:{lv.label}" for c in r.criteria for lv in c.levels],
            "criterion_titles": [f"{c.id}:{c.title}" for c in r.criteria],
            "criterion_skills": [f"{c.id}:{code}" for c in r.criteria for code in c.skill_codes]}


def _assessment_fields(a: Assessment) -> dict[str, Any]:
    return {"title": a.title, "kind": a.kind.value, "skill_codes": list(a.skill_codes), "item_ids": list(a.item_ids),
            "rubric_id": a.rubric_id, "time_limit_minutes": a.time_limit_minutes, "hints_allowed": a.hints_allowed,
            "peer_review": a.peer_review, "description": a.description}


def save_rubric(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any]) -> Rubric:
    """Create a rubric in the actor's school (teachers and admins). Creating never replaces:
    an id the school already uses (or a shared rubric's) is a ``Conflict`` naming ``id``;
    edit that one with ``update_rubric``. Another school's ids are not seen."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    rubric = _rubric_of(data, _new_id(data, "rubric"))
    check_skills(uow, rubric.skill_codes, school_id=actor.school_id)
    if uow.assessments.rubric(rubric.id, actor.school_id) is not None:
        raise _taken("rubric", rubric.id)
    try:
        uow.assessments.add_rubric(rubric, actor.school_id, actor.user_id)
    except AlreadyStored:
        raise _taken("rubric", rubric.id) from None
    _audit(uow, actor, "rubric", "create", rubric.id, actor.school_id, {})
    uow.flush()
    return rubric


def update_rubric(uow: UnitOfWork, actor: Actor, rubric_id: str, data: Mapping[str, Any]) -> Rubric:
    """Edit a rubric: its title and criteria (the id stays). Only the teacher who made it or
    an admin of its school (``access.require_content_owner``); anyone else, and another
    school's id, finds no rubric. Audited with what changed."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    before, school_id, maker = _stored_rubric(uow, actor, rubric_id, actor.school_id)
    require_content_owner(actor, school_id, maker, f"rubric {rubric_id}")
    rubric = _rubric_of(data, before.id)
    check_skills(uow, rubric.skill_codes, school_id=actor.school_id)
    uow.assessments.replace_rubric(rubric, school_id)
    _audit(uow, actor, "rubric", "update", rubric.id, school_id,
           _changes(_rubric_fields(before), _rubric_fields(rubric)))
    uow.flush()
    return rubric


def save_assessment(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any]) -> Assessment:
    """Create a check, unit assessment or project in the actor's school (teachers and admins).
    Creating never replaces: an id the school already uses (or a shared one's) is a
    ``Conflict`` naming ``id``; edit that one with ``update_assessment``. Another school's
    ids are not seen."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    a = _assessment_of(uow, actor, data, _new_id(data, "assessment"))
    if uow.assessments.assessment(a.id, actor.school_id) is not None:
        raise _taken("assessment", a.id)
    try:
        uow.assessments.add_assessment(a, actor.school_id, actor.user_id)
    except AlreadyStored:
        raise _taken("assessment", a.id) from None
    _audit(uow, actor, "assessment", "create", a.id, actor.school_id, {})
    uow.flush()
    return a


def update_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str, data: Mapping[str, Any]) -> Assessment:
    """Edit an assessment (everything but its id). Only the teacher who made it or an admin
    of its school (``access.require_content_owner``); anyone else, and another school's id,
    finds no assessment. Audited with what changed."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    before, school_id, maker = _stored_assessment(uow, actor, assessment_id)
    require_content_owner(actor, school_id, maker, f"assessment {assessment_id}")
    a = _assessment_of(uow, actor, data, before.id)
    uow.assessments.replace_assessment(a, school_id)
    _audit(uow, actor, "assessment", "update", a.id, school_id,
           _changes(_assessment_fields(before), _assessment_fields(a)))
    uow.flush()
    return a


def assign(uow: UnitOfWork, actor: Actor, assessment_id: str, section_id: str, opens: datetime,
           closes: datetime | None = None, student_ids: Sequence[str] = ()) -> Assignment:
    """Assign to a class the actor teaches (or a group of its students) for a window."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    a = get_assessment(uow, actor, assessment_id)
    require_section(uow, actor, section_id, Need.WRITE)
    try:
        window = Window(opens, closes)
    except ValidationError as exc:
        raise _invalid(exc) from None
    group = tuple(dict.fromkeys(student_ids))
    for sid in group:
        if not uow.sections.is_member(section_id, sid, Role.STUDENT):
            raise Invalid(f"student {sid} is not in this class", "student_ids")
    assignment = Assignment(uuid.uuid4().hex, a.id, section_id, window, group)
    uow.assessments.add_assignment(assignment, actor.user_id)
    uow.flush()
    return assignment


def _assignments_for(uow: UnitOfWork, learner_id: str, assessment_id: str | None = None) -> list[Assignment]:
    sections = {s.id for s in uow.sections.sections_of(learner_id, Role.STUDENT)}
    if not sections:
        return []
    return [a for a in uow.assessments.assignments_to(sections, assessment_id)
            if not a.student_ids or learner_id in a.student_ids]


def my_assignments(uow: UnitOfWork, actor: Actor, learner_id: str,
                   now: datetime | None = None) -> list[tuple[Assignment, Assessment, bool]]:
    """The learner's assigned assessments with whether each window is open now."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "assignments")
    now = _now(now)
    assigned = _assignments_for(uow, learner_id)
    found = uow.assessments.assessments_by_id((a.assessment_id for a in assigned), learner.school_id)
    return [(a, found[a.assessment_id][0], a.window.is_open(now)) for a in assigned if a.assessment_id in found]


def assessment_to_take(uow: UnitOfWork, actor: Actor, assessment_id: str, *,
                       now: datetime | None = None) -> Assessment:
    """The assessment ``start_assessment`` would start now (a pure read, for the page that
    shows it before the clock starts); refused exactly as starting it would be."""
    return _takeable(uow, actor, assessment_id, _now(now))[0]


def _takeable(uow: UnitOfWork, actor: Actor, assessment_id: str, now: datetime) -> tuple[Assessment, Assignment | None]:
    """The assessment and its open assignment (None for a check taken on the student's own
    initiative): assigned ones only inside their window."""
    try:
        require_self(uow, actor, Need.WRITE, "assessment")  # only a student takes an assessment
    except NotFound:
        raise NotFound(f"no assessment {assessment_id}") from None
    a = get_assessment(uow, actor, assessment_id)
    if a.kind == AssessmentKind.PROJECT:
        raise Conflict("a project is handed in to the teacher, not taken here")
    assigned = _assignments_for(uow, actor.user_id, a.id)
    open_now = [x for x in assigned if x.window.is_open(now)]
    if not open_now:
        if assigned:
            first = assigned[0].window
            if now < first.opens:
                zone = ZoneInfo(school_time_zone(uow, actor.school_id))  # the school's clock, as its pages
                raise Conflict(f"this assessment opens at {first.opens.astimezone(zone):%Y-%m-%d %H:%M} "
                               f"({zone.key} time)")
            raise Conflict("the window for this assessment has closed")
        if a.kind != AssessmentKind.CHECK:
            raise NotFound(f"no assessment {assessment_id}")
    return a, open_now[0] if open_now else None


def start_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str, *,
                     now: datetime | None = None) -> practice.SessionView:
    """Take an assessment on the practice engine: assigned ones only inside their window;
    a mastery check may also be taken on the student's own initiative."""
    now = _now(now)
    a, assignment = _takeable(uow, actor, assessment_id, now)
    return practice.start_session(uow, actor, actor.user_id, a.skill_codes[0], mode=a.kind.value,
                                  assessment_id=a.id, assignment_id=assignment.id if assignment else None,
                                  item_ids=a.item_ids, time_limit_minutes=a.time_limit_minutes,
                                  hints=a.hints_allowed, now=now)


# -- projects scored with a rubric ---------------------------------------------------------------


def _project(uow: UnitOfWork, actor: Actor, assessment_id: str) -> tuple[Assessment, Rubric]:
    a, school_id, _ = _stored_assessment(uow, actor, assessment_id)
    if a.kind != AssessmentKind.PROJECT or not a.rubric_id:
        raise Invalid(f"{assessment_id} is not a project scored with a rubric", "assessment_id")
    return a, _stored_rubric(uow, actor, a.rubric_id, school_id)[0]  # the rubric in the project's school


def score_project(uow: UnitOfWork, tracker: Tracker, actor: Actor, assessment_id: str, learner_id: str,
                  scores: Mapping[str, int], comment: str = "", *, now: datetime | None = None) -> ScoreResult:
    """Score criteria of a project for a learner.

    A teacher's (or admin's) scores are confirmed at once: each becomes RUBRIC evidence on
    the criterion's skills with score points / max points. A classmate's scores (when the
    project allows peer review, was assigned to both and its window is open) are stored as
    a peer review, to be confirmed by the teacher.
    """
    now = _now(now)
    a, rubric = _project(uow, actor, assessment_id)
    if not scores:
        raise Invalid("score at least one criterion", "scores")
    checked: list[tuple[Criterion, int]] = []
    for cid, points in scores.items():
        try:
            crit = rubric.criterion(cid)
            crit.level(int(points))
        except ValidationError as exc:
            raise _invalid(exc) from None
        checked.append((crit, int(points)))
    if actor.role == Role.STUDENT:
        # A student scores only an open peer review of a classmate the project was assigned
        # with: the rule lives here, so the page and the API cannot differ (anything else is
        # "not found").
        peer_review_form(uow, actor, assessment_id, learner_id, now=now)
        uow.assessments.add_rubric_scores(
            RubricScore(a.id, learner_id, crit.id, points, ReviewState.PEER.value, actor.user_id, now, comment[:5000])
            for crit, points in checked)
        uow.flush()
        return ScoreResult(ReviewState.PEER.value, ())
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "rubric")
    # The confirmed scores so far, per criterion: (latest points, its evidence id, how many).
    so_far: dict[str, tuple[int, str | None, int]] = {}
    last_comment = ""
    for r in uow.assessments.rubric_scores(a.id, learner_id, state=ReviewState.CONFIRMED.value):
        so_far[r.criterion_id] = (r.points, r.evidence_id, so_far.get(r.criterion_id, (0, None, 0))[2] + 1)
        if r.comment and r.comment != "confirmed peer review":
            last_comment = r.comment
    evidence: list[Evidence] = []
    ids: list[str] = []
    noted: list[RubricScore] = []
    for crit, points in checked:
        last_points, last_id, n = so_far.get(crit.id, (None, None, 0))
        if last_points == points and last_id:
            ids.append(last_id)  # unchanged (a re-save or a double submit): nothing new to record
            if comment and comment[:5000] != last_comment:
                # only the comment changed: keep it with the score it comments, as no new evidence
                noted.append(RubricScore(a.id, learner_id, crit.id, points, ReviewState.CONFIRMED.value,
                                         actor.user_id, now, comment[:5000], last_id))
            continue
        # A changed score is new evidence, also when it returns to an earlier level (2, 4, then 2 again).
        key = f"rubric|{a.id}|{learner_id}|{crit.id}|{points}" + (f"|{n}" if n else "")
        ev_id = str(uuid.uuid5(EVIDENCE_NAMESPACE, key))
        ids.append(ev_id)
        evidence.append(Evidence(ev_id, learner_id, EvidenceKind.RUBRIC, crit.skill_codes, crit.score(points), now,
                                 item_id=a.id, recorded_by=actor.user_id, source="rubric",
                                 data={"assessment_id": a.id, "rubric_id": rubric.id, "criterion": crit.id,
                                       "points": points, "max_points": crit.max_points,
                                       "level": crit.level(points).label, "comment": comment[:2000]}))
    new = set(record_evidence(uow, tracker, actor, evidence).ids) if evidence else set()
    uow.assessments.add_rubric_scores(
        RubricScore(a.id, learner_id, ev.data["criterion"], ev.data["points"], ReviewState.CONFIRMED.value,
                    actor.user_id, now, comment[:5000], ev.id)
        for ev in evidence if ev.id in new)
    uow.assessments.add_rubric_scores(noted)
    uow.flush()
    return ScoreResult(ReviewState.CONFIRMED.value, tuple(ids))


@dataclass(frozen=True, slots=True)
class PeerTask:
    """A project a student may peer-review, with the classmates whose work they may score."""

    assessment: Assessment
    classmates: tuple[User, ...]
    reviewed: frozenset[str] = frozenset()  # the classmates this student has already scored


def peer_tasks(uow: UnitOfWork, actor: Actor, *, now: datetime | None = None) -> list[PeerTask]:
    """The peer-reviewed projects assigned to the student's class (or group) and open now,
    each with the other students of that class (or group)."""
    student = require_self(uow, actor, Need.READ, "assignments")
    me = student.id
    now = _now(now)
    by_project: dict[str, tuple[Assessment, dict[str, User]]] = {}
    open_now = [x for x in _assignments_for(uow, me) if x.window.is_open(now)]
    found = uow.assessments.assessments_by_id((x.assessment_id for x in open_now), student.school_id)
    for x in open_now:
        stored = found.get(x.assessment_id)
        if stored is None or stored[0].kind != AssessmentKind.PROJECT or not stored[0].peer_review:
            continue
        a, mates = by_project.setdefault(x.assessment_id, (stored[0], {}))
        for u in uow.sections.members(x.section_id, Role.STUDENT):
            if u.id != me and (not x.student_ids or u.id in x.student_ids):
                mates[u.id] = u
    tasks = [(a, m) for a, m in sorted(by_project.values(), key=lambda v: v[0].title) if m]
    done = uow.assessments.peer_scored([a.id for a, _ in tasks], me, ReviewState.PEER.value)
    return [PeerTask(a, tuple(sorted(m.values(), key=lambda u: u.display_name)), frozenset(done.get(a.id, ())))
            for a, m in tasks]


def peer_review_form(uow: UnitOfWork, actor: Actor, assessment_id: str, learner_id: str,
                     *, now: datetime | None = None) -> tuple[Assessment, Rubric, User, dict[str, int]]:
    """What a student needs to peer-review one classmate: the project, its rubric, the
    classmate and the scores this student already suggested. Anything else is "not found"."""
    for task in peer_tasks(uow, actor, now=now):
        if task.assessment.id != assessment_id:
            continue
        mate = next((u for u in task.classmates if u.id == learner_id), None)
        if mate is None:
            break
        mine = {r.criterion_id: r.points
                for r in uow.assessments.rubric_scores(assessment_id, learner_id, state=ReviewState.PEER.value,
                                                       scorer_id=actor.user_id)}
        return task.assessment, _project(uow, actor, assessment_id)[1], mate, mine
    raise NotFound(f"no peer review of {learner_id} in {assessment_id}")


def confirm_peer_review(uow: UnitOfWork, tracker: Tracker, actor: Actor, assessment_id: str, learner_id: str,
                        *, now: datetime | None = None) -> ScoreResult:
    """The teacher confirms the latest peer scores as they are (they become evidence)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "rubric")
    peer = project_scores(uow, actor, assessment_id, learner_id).peer
    if not peer:
        raise Conflict("there is no peer review to confirm")
    return score_project(uow, tracker, actor, assessment_id, learner_id, peer, "confirmed peer review", now=now)


def project_scores(uow: UnitOfWork, actor: Actor, assessment_id: str, learner_id: str) -> ProjectLearner:
    """The latest confirmed and peer scores per criterion for one learner."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "rubric")
    confirmed: dict[str, int] = {}
    peer: dict[str, int] = {}
    comment = ""
    for r in uow.assessments.rubric_scores(assessment_id, learner_id):
        (confirmed if r.state == ReviewState.CONFIRMED.value else peer)[r.criterion_id] = r.points
        if r.state == ReviewState.CONFIRMED.value and r.comment and r.comment != "confirmed peer review":
            comment = r.comment
    return ProjectLearner(learner, confirmed, peer, comment)


def project_roster(uow: UnitOfWork, actor: Actor, assessment_id: str) -> tuple[Assessment, Rubric, list[ProjectLearner]]:
    """A teacher's view of a project: the students it was assigned to (a whole class, or
    only the group named in the assignment) among those the actor may see, with their
    scores, and any of them whose work on it was already scored (assigned or not). A
    project not yet assigned or scored has an empty roster."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    a, rubric = _project(uow, actor, assessment_id)
    mine = {s.id for s in visible_sections(uow, actor)}
    wanted: dict[str, User] = {}
    for x in uow.assessments.assignments_of([a.id]).get(a.id, []):
        if x.section_id not in mine:
            continue
        for u in uow.sections.members(x.section_id, Role.STUDENT):
            if not x.student_ids or u.id in x.student_ids:
                wanted.setdefault(u.id, u)
    from pathwise.services.access import visible_learners

    for u in visible_learners(uow, actor):  # work already scored stays on the list
        if u.id not in wanted and uow.assessments.rubric_scores(a.id, u.id):
            wanted[u.id] = u
    learners = sorted(wanted.values(), key=lambda u: u.display_name)
    out = [project_scores(uow, actor, a.id, u.id) for u in learners]
    return a, rubric, out


def editable_rubric(uow: UnitOfWork, actor: Actor, rubric_id: str) -> Rubric:
    """A rubric the actor may edit (its maker or an admin of its school), for the edit form;
    anything else is "not found", as ``update_rubric`` would answer."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    rubric, school_id, maker = _stored_rubric(uow, actor, rubric_id, actor.school_id)
    require_content_owner(actor, school_id, maker, f"rubric {rubric_id}")
    return rubric  # type: ignore[no-any-return]


def editable_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str) -> Assessment:
    """An assessment the actor may edit (its maker or an admin of its school), for the edit
    form; anything else is "not found", as ``update_assessment`` would answer."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    a, school_id, maker = _stored_assessment(uow, actor, assessment_id)
    require_content_owner(actor, school_id, maker, f"assessment {assessment_id}")
    return a  # type: ignore[no-any-return]


def teacher_rubrics(uow: UnitOfWork, actor: Actor) -> list[tuple[Rubric, bool]]:
    """The rubrics of the actor's school and the shared ones (for choosing one in a project
    form), each with whether the actor may edit it; of a shared one and the school's own with
    the same id, the school's own (as an id resolves)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    stored = [(r, school_id, maker) for r, school_id, maker in uow.assessments.rubrics(actor.school_id)
              if content_allowed(actor, school_id)]
    own = {r.id for r, school_id, _ in stored if school_id is not None and school_id == actor.school_id}
    out: list[tuple[Rubric, bool]] = []
    for r, school_id, maker in stored:
        if school_id is None and r.id in own:
            continue
        try:
            require_content_owner(actor, school_id, maker, f"rubric {r.id}")
            out.append((r, True))
        except NotFound:
            out.append((r, False))
    return out


def teacher_projects(uow: UnitOfWork, actor: Actor) -> list[Assessment]:
    require_role(actor, Role.TEACHER, Role.ADMIN)
    return _visible(actor, uow.assessments.assessments(AssessmentKind.PROJECT))


def _visible(actor: Actor, stored: Sequence[Stored]) -> list[Assessment]:
    """The assessments the actor may read, in order; of a shared one and the school's own with
    the same id, the school's own (as an id resolves)."""
    allowed = [(a, school_id) for a, school_id, _ in stored if content_allowed(actor, school_id)]
    own = {a.id for a, school_id in allowed if school_id is not None and school_id == actor.school_id}
    return [a for a, school_id in allowed if school_id is not None or a.id not in own]


@dataclass(frozen=True, slots=True)
class ClassOption:
    id: str
    name: str
    students: tuple[User, ...]


def teacher_assessments(uow: UnitOfWork, actor: Actor) -> list[tuple[Assessment, list[Assignment]]]:
    """Every assessment of the actor's school with its assignments to the actor's classes."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    mine = {c.id for c in teaching_options(uow, actor)}
    visible = _visible(actor, uow.assessments.assessments())
    assigned = uow.assessments.assignments_of(a.id for a in visible)
    return [(a, [x for x in assigned.get(a.id, []) if x.section_id in mine]) for a in visible]


def teaching_options(uow: UnitOfWork, actor: Actor) -> list[ClassOption]:
    """The classes the actor may assign to, each with its students (for forms)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sections = visible_sections(uow, actor)
    return [ClassOption(s.id, s.name, tuple(uow.sections.members(s.id, Role.STUDENT))) for s in sections]


def skill_options(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]]:
    """(code, title) of the skills in the frameworks of the actor's classes."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    out: dict[str, str] = {}
    for c in teaching_options(uow, actor):
        sec = uow.sections.get(c.id)
        fw = uow.frameworks.get(sec.framework_id) if sec and sec.framework_id else None
        if fw is not None:
            out.update({s.code: s.title for s in fw.skills})
    return sorted(out.items(), key=lambda kv: kv[1])


@dataclass(frozen=True, slots=True)
class MisconceptionSeen:
    code: str
    message: str  # the feedback students saw, when the item still has it
    learners: tuple[str, ...]  # display names
    times: int


def class_misconceptions(uow: UnitOfWork, actor: Actor, *, days: int = 30,
                         now: datetime | None = None) -> list[tuple[ClassOption, list[MisconceptionSeen]]]:
    """The misconceptions the actor's students showed in answers over the last ``days``,
    per class, most widespread first: what to reteach and to whom."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    since = _now(now) - timedelta(days=days)
    out: list[tuple[ClassOption, list[MisconceptionSeen]]] = []
    for c in teaching_options(uow, actor):
        names = {u.id: u.display_name for u in c.students}
        if not names:
            continue
        seen: dict[str, tuple[set[str], list[int], str | None]] = {}
        for learner_id, item_id, code in uow.practice.misconceptions_seen(list(names), since):
            who, times, example_item = seen.setdefault(code, (set(), [0], item_id))
            who.add(learner_id)
            times[0] += 1
        rows = []
        for code, (who, times, item_id) in seen.items():
            for learner_id in who:
                require_learner(uow, actor, learner_id, Need.READ, "misconceptions")
            item = uow.items.get(item_id) if item_id else None
            message = next((f.message for f in item.feedback if f.misconception == code), "") if item else ""
            if "{" in message:  # a parameterised item's message names numbers of one attempt
                message = ""
            rows.append(MisconceptionSeen(code, message, tuple(sorted(names[x] for x in who)), times[0]))
        rows.sort(key=lambda m: (-len(m.learners), -m.times, m.code))
        out.append((c, rows))
    return out
