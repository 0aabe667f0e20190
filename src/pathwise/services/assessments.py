"""Assessments beyond practice: rubrics, checks and unit assessments assigned to a class
or group with a window, projects scored with a rubric (by the teacher, or by a
classmate and then confirmed by the teacher), teacher observations, and evidence of
learning done elsewhere that a teacher approves before it counts.

Every score that counts becomes Evidence through ``services.evidence`` (idempotent,
attributed, mastery updated at once). Access goes through ``services.access``: a
learner, class or assessment that is not the actor's answers "not found". This
module renders nothing and never follows an artefact link.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select

from pathwise.domain.assessment import (
    Assessment,
    AssessmentKind,
    Criterion,
    Level,
    ReviewState,
    Rubric,
    SubmissionState,
    Window,
)
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import EVIDENCE_NAMESPACE, Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.engine.kt.tracker import Tracker
from pathwise.services import practice
from pathwise.services.access import Actor, Need, require_learner, require_role, require_section, require_self
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.evidence import record_evidence
from pathwise.store import tables as t
from pathwise.store import tables_practice as tp
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Assignment:
    id: str
    assessment_id: str
    section_id: str
    window: Window
    student_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ScoreResult:
    state: str
    evidence_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Submission:
    id: str
    learner_id: str
    learner_name: str
    title: str
    description: str
    artefact_url: str | None
    skill_codes: tuple[str, ...]
    state: str
    review_note: str
    evidence_ids: tuple[str, ...]
    created_at: datetime
    skill_titles: tuple[str, ...] = ()


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


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _invalid(exc: ValidationError) -> Invalid:
    return Invalid(str(exc), exc.field)


def _check_skills(uow: UnitOfWork, codes: Sequence[str]) -> None:
    known = uow.frameworks.skill_titles(codes)
    missing = [c for c in codes if c not in known]
    if missing:
        raise Invalid(f"unknown skill(s) {', '.join(missing)}", "skill_codes")


# -- rubrics and assessments ---------------------------------------------------------------------


def _rubric_from(row: tp.RubricRow) -> Rubric:
    return Rubric(row.id, row.title, tuple(
        Criterion(c["id"], c["title"], tuple(c["skill_codes"]),
                  tuple(Level(lv["points"], lv["label"], lv.get("description", "")) for lv in c["levels"]))
        for c in row.criteria))


def _visible(actor: Actor, school_id: str | None) -> bool:
    return actor.is_system or school_id is None or school_id == actor.school_id


def get_rubric(uow: UnitOfWork, actor: Actor, rubric_id: str) -> Rubric:
    row = uow.session.get(tp.RubricRow, rubric_id)
    if row is None or not _visible(actor, row.school_id):
        raise NotFound(f"no rubric {rubric_id}")
    return _rubric_from(row)


def save_rubric(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any]) -> Rubric:
    """Create or replace a rubric (teachers and admins of the school)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    try:
        rubric = Rubric(str(data["id"]), str(data["title"]), tuple(
            Criterion(str(c["id"]), str(c["title"]), tuple(c["skill_codes"]),
                      tuple(Level(int(lv["points"]), str(lv["label"]), str(lv.get("description", "")))
                            for lv in c["levels"]))
            for c in data["criteria"]))
    except ValidationError as exc:
        raise _invalid(exc) from None
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid(f"rubric: missing or malformed {exc}", "rubric") from None
    _check_skills(uow, rubric.skill_codes)
    row = uow.session.get(tp.RubricRow, rubric.id)
    criteria = [{"id": c.id, "title": c.title, "skill_codes": list(c.skill_codes),
                 "levels": [{"points": lv.points, "label": lv.label, "description": lv.description} for lv in c.levels]}
                for c in rubric.criteria]
    if row is None:
        uow.session.add(tp.RubricRow(id=rubric.id, title=rubric.title, criteria=criteria, school_id=actor.school_id,
                                     created_by=actor.user_id))
    elif not _visible(actor, row.school_id):
        raise Conflict(f"rubric id {rubric.id} is taken")
    else:
        row.title, row.criteria = rubric.title, criteria
    uow.flush()
    return rubric


def _assessment_from(row: tp.AssessmentRow) -> Assessment:
    return Assessment(row.id, row.title, AssessmentKind(row.kind), tuple(c for c in row.skill_codes.split(";") if c),
                      tuple(row.item_ids or ()), row.rubric_id, row.time_limit_minutes, row.hints_allowed,
                      row.peer_review, row.description)


def _assessment_row(uow: UnitOfWork, actor: Actor, assessment_id: str) -> tp.AssessmentRow:
    row = uow.session.get(tp.AssessmentRow, assessment_id)
    if row is None or not _visible(actor, row.school_id):
        raise NotFound(f"no assessment {assessment_id}")
    return row


def get_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str) -> Assessment:
    return _assessment_from(_assessment_row(uow, actor, assessment_id))


def save_assessment(uow: UnitOfWork, actor: Actor, data: Mapping[str, Any]) -> Assessment:
    """Create or replace a check, unit assessment or project (teachers and admins)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    try:
        a = Assessment(str(data["id"]), str(data["title"]), AssessmentKind(data["kind"]), tuple(data["skill_codes"]),
                       tuple(data.get("item_ids") or ()), data.get("rubric_id"), data.get("time_limit_minutes"),
                       bool(data.get("hints_allowed", False)), bool(data.get("peer_review", False)),
                       str(data.get("description", "")))
    except ValidationError as exc:
        raise _invalid(exc) from None
    except (KeyError, ValueError) as exc:
        raise Invalid(f"assessment: missing or malformed {exc}", "assessment") from None
    _check_skills(uow, a.skill_codes)
    missing = [i for i in a.item_ids if uow.items.get(i) is None]
    if missing:
        raise Invalid(f"unknown item(s) {', '.join(missing)}", "item_ids")
    if a.rubric_id:
        get_rubric(uow, actor, a.rubric_id)
    row = uow.session.get(tp.AssessmentRow, a.id)
    values = dict(title=a.title, kind=a.kind.value, skill_codes=";".join(a.skill_codes), item_ids=list(a.item_ids),
                  rubric_id=a.rubric_id, time_limit_minutes=a.time_limit_minutes, hints_allowed=a.hints_allowed,
                  peer_review=a.peer_review, description=a.description)
    if row is None:
        uow.session.add(tp.AssessmentRow(id=a.id, school_id=actor.school_id, created_by=actor.user_id, **values))
    elif not _visible(actor, row.school_id):
        raise Conflict(f"assessment id {a.id} is taken")
    else:
        for k, v in values.items():
            setattr(row, k, v)
    uow.flush()
    return a


def assign(uow: UnitOfWork, actor: Actor, assessment_id: str, section_id: str, opens: datetime,
           closes: datetime | None = None, student_ids: Sequence[str] = ()) -> Assignment:
    """Assign to a class the actor teaches (or a group of its students) for a window."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    row = _assessment_row(uow, actor, assessment_id)
    require_section(uow, actor, section_id, Need.WRITE)
    try:
        window = Window(opens, closes)
    except ValidationError as exc:
        raise _invalid(exc) from None
    group = tuple(dict.fromkeys(student_ids))
    for sid in group:
        if not uow.sections.is_member(section_id, sid, Role.STUDENT):
            raise Invalid(f"student {sid} is not in this class", "student_ids")
    a = tp.AssignmentRow(id=uuid.uuid4().hex, assessment_id=row.id, section_id=section_id, student_ids=list(group),
                         opens_at=window.opens, closes_at=window.closes, assigned_by=actor.user_id)
    uow.session.add(a)
    uow.flush()
    return Assignment(a.id, row.id, section_id, window, group)


def _assignments_for(uow: UnitOfWork, learner_id: str, assessment_id: str | None = None) -> list[Assignment]:
    sections = {s.id for s in uow.sections.sections_of(learner_id, Role.STUDENT)}
    if not sections:
        return []
    q = select(tp.AssignmentRow).where(tp.AssignmentRow.section_id.in_(sections))
    if assessment_id is not None:
        q = q.where(tp.AssignmentRow.assessment_id == assessment_id)
    out = []
    for r in uow.session.scalars(q.order_by(tp.AssignmentRow.opens_at)):
        if r.student_ids and learner_id not in r.student_ids:
            continue
        out.append(Assignment(r.id, r.assessment_id, r.section_id, Window(r.opens_at, r.closes_at), tuple(r.student_ids)))
    return out


def my_assignments(uow: UnitOfWork, actor: Actor, learner_id: str,
                   now: datetime | None = None) -> list[tuple[Assignment, Assessment, bool]]:
    """The learner's assigned assessments with whether each window is open now."""
    require_learner(uow, actor, learner_id, Need.READ, "assignments")
    now = _now(now)
    out = []
    for a in _assignments_for(uow, learner_id):
        row = uow.session.get(tp.AssessmentRow, a.assessment_id)
        if row is not None:
            out.append((a, _assessment_from(row), a.window.is_open(now)))
    return out


def start_assessment(uow: UnitOfWork, actor: Actor, assessment_id: str, *,
                     now: datetime | None = None) -> practice.SessionView:
    """Take an assessment on the practice engine: assigned ones only inside their window;
    a mastery check may also be taken on the student's own initiative."""
    if actor.role != Role.STUDENT or not actor.user_id:
        raise NotFound(f"no assessment {assessment_id}")  # only a student takes an assessment
    now = _now(now)
    row = _assessment_row(uow, actor, assessment_id)
    a = _assessment_from(row)
    if a.kind == AssessmentKind.PROJECT:
        raise Conflict("a project is handed in to the teacher, not taken here")
    assigned = _assignments_for(uow, actor.user_id, a.id)
    open_now = [x for x in assigned if x.window.is_open(now)]
    if not open_now:
        if assigned:
            first = assigned[0].window
            if now < first.opens:
                raise Conflict(f"this assessment opens at {first.opens:%Y-%m-%d %H:%M} UTC")
            raise Conflict("the window for this assessment has closed")
        if a.kind != AssessmentKind.CHECK:
            raise NotFound(f"no assessment {assessment_id}")
    return practice.start_session(uow, actor, actor.user_id, a.skill_codes[0], mode=a.kind.value,
                                  assessment_id=a.id, assignment_id=open_now[0].id if open_now else None,
                                  item_ids=a.item_ids, time_limit_minutes=a.time_limit_minutes,
                                  hints=a.hints_allowed, now=now)


# -- projects scored with a rubric ---------------------------------------------------------------


def _project(uow: UnitOfWork, actor: Actor, assessment_id: str) -> tuple[Assessment, Rubric]:
    a = get_assessment(uow, actor, assessment_id)
    if a.kind != AssessmentKind.PROJECT or not a.rubric_id:
        raise Invalid(f"{assessment_id} is not a project scored with a rubric", "assessment_id")
    return a, get_rubric(uow, actor, a.rubric_id)


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
        for crit, points in checked:
            uow.session.add(tp.RubricScoreRow(id=uuid.uuid4().hex, assessment_id=a.id, learner_id=learner_id,
                                              criterion_id=crit.id, points=points, state=ReviewState.PEER.value,
                                              scorer_id=actor.user_id, comment=comment[:5000], created_at=now))
        uow.flush()
        return ScoreResult(ReviewState.PEER.value, ())
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "rubric")
    # The confirmed scores so far, per criterion: (latest points, its evidence id, how many).
    so_far: dict[str, tuple[int, str | None, int]] = {}
    q = (select(tp.RubricScoreRow).where(tp.RubricScoreRow.assessment_id == a.id,
                                         tp.RubricScoreRow.learner_id == learner_id,
                                         tp.RubricScoreRow.state == ReviewState.CONFIRMED.value)
         .order_by(tp.RubricScoreRow.created_at, tp.RubricScoreRow.id))
    for r in uow.session.scalars(q):
        so_far[r.criterion_id] = (r.points, r.evidence_id, so_far.get(r.criterion_id, (0, None, 0))[2] + 1)
    evidence: list[Evidence] = []
    ids: list[str] = []
    for crit, points in checked:
        last_points, last_id, n = so_far.get(crit.id, (None, None, 0))
        if last_points == points and last_id:
            ids.append(last_id)  # unchanged (a re-save or a double submit): nothing new to record
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
    for ev in evidence:
        if ev.id in new:
            uow.session.add(tp.RubricScoreRow(id=uuid.uuid4().hex, assessment_id=a.id, learner_id=learner_id,
                                              criterion_id=ev.data["criterion"], points=ev.data["points"],
                                              state=ReviewState.CONFIRMED.value, scorer_id=actor.user_id,
                                              comment=comment[:5000], evidence_id=ev.id, created_at=now))
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
    me = require_self(uow, actor, Need.READ, "assignments").id
    now = _now(now)
    by_project: dict[str, tuple[Assessment, dict[str, User]]] = {}
    for x in _assignments_for(uow, me):
        if not x.window.is_open(now):
            continue
        row = uow.session.get(tp.AssessmentRow, x.assessment_id)
        if row is None or row.kind != AssessmentKind.PROJECT.value or not row.peer_review:
            continue
        a, mates = by_project.setdefault(row.id, (_assessment_from(row), {}))
        for u in uow.sections.members(x.section_id, Role.STUDENT):
            if u.id != me and (not x.student_ids or u.id in x.student_ids):
                mates[u.id] = u
    out = []
    for a, m in sorted(by_project.values(), key=lambda v: v[0].title):
        if not m:
            continue
        done = uow.session.scalars(select(tp.RubricScoreRow.learner_id).where(
            tp.RubricScoreRow.assessment_id == a.id, tp.RubricScoreRow.scorer_id == me,
            tp.RubricScoreRow.state == ReviewState.PEER.value))
        out.append(PeerTask(a, tuple(sorted(m.values(), key=lambda u: u.display_name)), frozenset(done)))
    return out


def outside_skill_options(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]]:
    """(code, title) of the skills a student may name for learning done elsewhere: the
    skills of their classes' frameworks."""
    me = require_self(uow, actor, Need.READ, "submission").id
    out: dict[str, str] = {}
    for sec in uow.sections.sections_of(me, Role.STUDENT):
        fw = uow.frameworks.get(sec.framework_id) if sec.framework_id else None
        if fw is not None:
            out.update({sk.code: sk.title for sk in fw.skills})
    return sorted(out.items(), key=lambda kv: kv[1])


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
        q = (select(tp.RubricScoreRow).where(tp.RubricScoreRow.assessment_id == assessment_id,
                                             tp.RubricScoreRow.learner_id == learner_id,
                                             tp.RubricScoreRow.scorer_id == actor.user_id,
                                             tp.RubricScoreRow.state == ReviewState.PEER.value)
             .order_by(tp.RubricScoreRow.created_at, tp.RubricScoreRow.id))
        mine = {r.criterion_id: r.points for r in uow.session.scalars(q)}
        return task.assessment, get_rubric(uow, actor, task.assessment.rubric_id or ""), mate, mine
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
    q = (select(tp.RubricScoreRow).where(tp.RubricScoreRow.assessment_id == assessment_id,
                                         tp.RubricScoreRow.learner_id == learner_id)
         .order_by(tp.RubricScoreRow.created_at, tp.RubricScoreRow.id))
    confirmed: dict[str, int] = {}
    peer: dict[str, int] = {}
    for r in uow.session.scalars(q):
        (confirmed if r.state == ReviewState.CONFIRMED.value else peer)[r.criterion_id] = r.points
    return ProjectLearner(learner, confirmed, peer)


def project_roster(uow: UnitOfWork, actor: Actor, assessment_id: str) -> tuple[Assessment, Rubric, list[ProjectLearner]]:
    """A teacher's view of a project: every student of their classes with their scores."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    a, rubric = _project(uow, actor, assessment_id)
    from pathwise.services.access import visible_learners

    out = [project_scores(uow, actor, a.id, s.id) for s in visible_learners(uow, actor)]
    return a, rubric, out


def teacher_projects(uow: UnitOfWork, actor: Actor) -> list[Assessment]:
    require_role(actor, Role.TEACHER, Role.ADMIN)
    q = select(tp.AssessmentRow).where(tp.AssessmentRow.kind == AssessmentKind.PROJECT.value)
    return [_assessment_from(r) for r in uow.session.scalars(q.order_by(tp.AssessmentRow.title))
            if _visible(actor, r.school_id)]


# -- observations and outside evidence -----------------------------------------------------------


def record_observation(uow: UnitOfWork, tracker: Tracker, actor: Actor, learner_id: str, skill_codes: Sequence[str],
                       score: float, note: str = "", evidence_id: str | None = None,
                       *, now: datetime | None = None) -> str:
    """A teacher's observation of a learner on skills, as evidence (idempotent by id)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "observation")
    _check_skills(uow, skill_codes)
    ev_id = evidence_id or str(uuid.uuid4())
    try:
        ev = Evidence(ev_id, learner_id, EvidenceKind.OBSERVATION, tuple(skill_codes), float(score), _now(now),
                      recorded_by=actor.user_id, source="observation", data={"note": note[:5000]})
    except ValidationError as exc:
        raise _invalid(exc) from None
    record_evidence(uow, tracker, actor, [ev])
    return ev_id


def _check_url(url: str | None) -> str | None:
    if url is None or not url.strip():
        return None
    u = url.strip()
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in u):
        raise Invalid("the artefact link must be a web address starting with http:// or https://", "artefact_url")
    return u


def _submission(row: tp.EvidenceSubmissionRow, name: str) -> Submission:
    return Submission(row.id, row.learner_id, name, row.title, row.description, row.artefact_url,
                      tuple(c for c in row.skill_codes.split(";") if c), row.state, row.review_note,
                      tuple(row.evidence_ids or ()), row.created_at)


def submit_outside_evidence(uow: UnitOfWork, actor: Actor, title: str, description: str, artefact_url: str | None,
                            skill_codes: Sequence[str], *, now: datetime | None = None) -> Submission:
    """A student submits learning done elsewhere; it counts once a teacher approves it."""
    learner = require_self(uow, actor, Need.WRITE, "submission")
    if not title.strip():
        raise Invalid("give the submission a title", "title")
    if not description.strip() and not (artefact_url or "").strip():
        raise Invalid("describe what you did or link the artefact", "description")
    url = _check_url(artefact_url)
    codes = tuple(dict.fromkeys(skill_codes))
    if not codes:
        raise Invalid("name at least one skill it shows", "skill_codes")
    _check_skills(uow, codes)
    row = tp.EvidenceSubmissionRow(id=uuid.uuid4().hex, learner_id=learner.id, title=title.strip()[:300],
                                   description=description[:5000], artefact_url=url, skill_codes=";".join(codes),
                                   state=SubmissionState.PENDING.value, created_at=_now(now))
    uow.session.add(row)
    uow.flush()
    return _submission(row, learner.display_name)


def pending_submissions(uow: UnitOfWork, actor: Actor) -> list[Submission]:
    """Submissions waiting for this teacher (from the students of their classes)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    from pathwise.services.access import visible_learners

    learners = {u.id: u for u in visible_learners(uow, actor)}
    if not learners:
        return []
    q = (select(tp.EvidenceSubmissionRow)
         .where(tp.EvidenceSubmissionRow.learner_id.in_(list(learners)),
                tp.EvidenceSubmissionRow.state == SubmissionState.PENDING.value)
         .order_by(tp.EvidenceSubmissionRow.created_at))
    subs = [_submission(r, learners[r.learner_id].display_name) for r in uow.session.scalars(q)]
    titles = uow.frameworks.skill_titles({c for sub in subs for c in sub.skill_codes})
    return [replace(sub, skill_titles=tuple(titles.get(c, c) for c in sub.skill_codes)) for sub in subs]


def my_submissions(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[Submission]:
    learner = require_learner(uow, actor, learner_id, Need.READ, "submission")
    q = (select(tp.EvidenceSubmissionRow).where(tp.EvidenceSubmissionRow.learner_id == learner_id)
         .order_by(tp.EvidenceSubmissionRow.created_at.desc()))
    return [_submission(r, learner.display_name) for r in uow.session.scalars(q)]


def review_submission(uow: UnitOfWork, tracker: Tracker, actor: Actor, submission_id: str, approve: bool,
                      score: float = 0.8, note: str = "", *, now: datetime | None = None) -> Submission:
    """Approve (evidence on each skill, at ``score``) or reject a pending submission."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    row = uow.session.get(tp.EvidenceSubmissionRow, submission_id)
    if row is None:
        raise NotFound(f"no submission {submission_id}")
    try:
        learner = require_learner(uow, actor, row.learner_id, Need.WRITE, "submission")
    except NotFound:
        raise NotFound(f"no submission {submission_id}") from None
    wanted = SubmissionState.APPROVED.value if approve else SubmissionState.REJECTED.value
    if row.state != SubmissionState.PENDING.value:
        if row.state == wanted:
            return _submission(row, learner.display_name)  # a repeated click changes nothing
        raise Conflict(f"this submission was already {row.state}")
    if not 0.0 <= score <= 1.0:
        raise Invalid("score must be between 0 and 1", "score")
    now = _now(now)
    ids: list[str] = []
    if approve:
        codes = tuple(c for c in row.skill_codes.split(";") if c)
        evs = [Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, f"outside|{row.id}|{c}")), row.learner_id,
                        EvidenceKind.OBSERVATION, (c,), float(score), now, recorded_by=actor.user_id,
                        source="outside", data={"submission_id": row.id, "title": row.title,
                                                "artefact_url": row.artefact_url, "note": note[:2000]})
               for c in codes]
        record_evidence(uow, tracker, actor, evs)
        ids = [e.id for e in evs]
    row.state = wanted
    row.reviewer_id = actor.user_id
    row.review_note = note[:5000]
    row.evidence_ids = ids
    row.reviewed_at = now
    uow.flush()
    return _submission(row, learner.display_name)


@dataclass(frozen=True, slots=True)
class ClassOption:
    id: str
    name: str
    students: tuple[User, ...]


def teacher_assessments(uow: UnitOfWork, actor: Actor) -> list[tuple[Assessment, list[Assignment]]]:
    """Every assessment of the actor's school with its assignments to the actor's classes."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    mine = {c.id for c in teaching_options(uow, actor)}
    out = []
    for r in uow.session.scalars(select(tp.AssessmentRow).order_by(tp.AssessmentRow.title)):
        if not _visible(actor, r.school_id):
            continue
        q = select(tp.AssignmentRow).where(tp.AssignmentRow.assessment_id == r.id).order_by(tp.AssignmentRow.opens_at)
        assigned = [Assignment(x.id, x.assessment_id, x.section_id, Window(x.opens_at, x.closes_at), tuple(x.student_ids))
                    for x in uow.session.scalars(q) if x.section_id in mine]
        out.append((_assessment_from(r), assigned))
    return out


def teaching_options(uow: UnitOfWork, actor: Actor) -> list[ClassOption]:
    """The classes the actor may assign to, each with its students (for forms)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    if actor.role == Role.ADMIN:
        sections = uow.sections.in_school(actor.school_id or "")
    else:
        sections = uow.sections.sections_of(actor.user_id or "", Role.TEACHER)
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
        q = select(t.EvidenceRow.learner_id, t.EvidenceRow.item_id, t.EvidenceRow.data).where(
            t.EvidenceRow.learner_id.in_(list(names)), t.EvidenceRow.kind == EvidenceKind.ANSWER.value,
            t.EvidenceRow.timestamp >= since)
        seen: dict[str, tuple[set[str], list[int], str | None]] = {}
        for learner_id, item_id, data in uow.session.execute(q):
            code = (data or {}).get("misconception")
            if not isinstance(code, str) or not code:
                continue
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
