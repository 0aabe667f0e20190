"""The school's library of videos, readings and projects that What's next recommends.

* ``library_entry`` is what a student sees of one activity: its title, what it is for
  (its skills by title), its minutes, and for a project its brief, its rubric (when a
  project assessment of the same id has one) and what the student has handed in;
* ``mark_done`` records that the student did a video or a reading (their path's choice);
* ``hand_in`` stores a project hand-in: a text, a link or a small file of an allowed type;
* ``project_handins`` is the staff's read of the hand-ins for a project: those of the
  students the actor may read (a teacher of their class, an admin of their school);
* ``library_projects``, ``activity_handins``, ``learner_handins`` and ``staff_handin`` are
  the teacher's (and admin's) pages on library-project hand-ins: which projects have
  hand-ins, one project's hand-ins across their classes, one learner's, and one hand-in
  with its scoring form; ``score_handin`` scores one, and the score becomes RUBRIC
  evidence on the project's skills (with the project's rubric when a project assessment
  of the same id has one, else one overall level), so the learner's mastery moves.

Every read of a student's hand-in by someone else is audited (``read:handins``), as
``access.require_learner`` audits any other read of a learner's record.

Only a student opens library entries and hands in work, about themself
(``access.require_self``); an activity of another school's framework, or one that
does not exist, is "not found". A hand-in of a student the actor may not read is "not
found" too.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pathwise.domain.assessment import AssessmentKind, ReviewState, Rubric
from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.evidence import EVIDENCE_NAMESPACE, Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.services import paths
from pathwise.services.access import (Actor, Need, require_learner, require_role, require_self,
                                      visible_learners)
from pathwise.services.errors import Invalid, NotFound, ServiceError
from pathwise.services.practice_views import now_or
from pathwise.engine.kt.tracker import Tracker
from pathwise.store.uow import UnitOfWork

__all__ = ["FILE_TYPES", "LEVELS", "MAX_FILE_BYTES", "MAX_TEXT", "Handin", "HandinFile", "HandinScore",
           "LearnerProject", "LibraryEntry", "LibraryProject", "ProjectHandin", "StaffHandin", "activity_handins",
           "hand_in", "handin_file", "in_library", "learner_handins", "library_entry", "library_projects",
           "mark_done", "project_handins", "score_handin", "staff_handin"]

MAX_FILE_BYTES = 5 * 2**20  # 5 MiB
MAX_TEXT = 10_000
MAX_LINK = 1000
# The file types a hand-in may be: extension -> (content type, how the file starts)
FILE_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "txt": ("text/plain", None),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
}
# The overall levels a hand-in of a project without a rubric is scored on (points -> words).
LEVELS: tuple[tuple[int, str], ...] = ((0, "Not yet"), (1, "Beginning"), (2, "Developing"), (3, "Secure"))
HANDIN_SOURCE = "handin"  # the evidence source of an overall hand-in level
KIND_LABELS = {ActivityKind.VIDEO: "Video", ActivityKind.READING: "Reading", ActivityKind.PROJECT: "Project",
               ActivityKind.PRACTICE: "Practice", ActivityKind.CHECK: "Mastery check"}


@dataclass(frozen=True, slots=True)
class Handin:
    """One hand-in as the student and staff see it (the file's bytes are read apart)."""

    id: str
    learner_id: str
    school_id: str | None
    activity_id: str
    text: str
    link: str | None
    file_name: str | None
    content_type: str | None
    file_size: int
    handed_in_at: datetime


def _handins(rows: Sequence[dict[str, Any]]) -> list[Handin]:
    return [Handin(**r) for r in rows]


@dataclass(frozen=True, slots=True)
class LibraryEntry:
    activity_id: str
    title: str
    kind: str
    kind_label: str
    minutes: int
    skill_titles: tuple[str, ...]
    brief: str
    rubric: Rubric | None
    handins: tuple[Handin, ...]
    done: bool

    @property
    def is_project(self) -> bool:
        return self.kind == ActivityKind.PROJECT.value


@dataclass(frozen=True, slots=True)
class HandinFile:
    name: str
    content_type: str
    content: bytes


def _activity(uow: UnitOfWork, learner_id: str, activity_id: str) -> tuple[Activity, dict[str, str]]:
    """The library activity with its skills' titles, when its framework is open to the learner's school."""
    act = uow.activities.get(activity_id) if isinstance(activity_id, str) and len(activity_id) <= 200 else None
    if act is None or act.kind not in (ActivityKind.VIDEO, ActivityKind.READING, ActivityKind.PROJECT):
        raise NotFound(f"no activity {activity_id}")
    titles = uow.frameworks.skill_titles(list(act.skill_codes), learner_id=learner_id)
    if not titles:
        raise NotFound(f"no activity {activity_id}")
    return act, titles


def _brief(act: Activity, skill_titles: Sequence[str], description: str) -> str:
    if description.strip():
        return description.strip()
    skills = ", ".join(skill_titles[:-1]) + " and " + skill_titles[-1] if len(skill_titles) > 1 else skill_titles[0]
    return (f"Plan the work, do it, and show your thinking at each step. It draws on these skills: {skills}. "
            f"Hand in a short write-up, a link to your work, or a file such as a photo of your poster or a "
            f"document. Plan for about {act.minutes} minutes.")


def _project_rubric(uow: UnitOfWork, actor: Actor, activity_id: str) -> tuple[Rubric | None, str]:
    """The rubric and description of a project assessment with the activity's id, if the school has one."""
    from pathwise.services import assessments as asm

    try:
        a = asm.get_assessment(uow, actor, activity_id)
    except ServiceError:
        return None, ""
    if a.kind != AssessmentKind.PROJECT or not a.rubric_id:
        return None, a.description
    try:
        return asm.get_rubric(uow, actor, a.rubric_id), a.description
    except ServiceError:
        return None, a.description


def in_library(uow: UnitOfWork, actor: Actor, activity_id: str) -> bool:
    """Whether the activity is a video, reading or project open to the signed-in student
    (it opens on its library page). A pure read."""
    me = require_self(uow, actor, Need.READ, "library")
    try:
        _activity(uow, me.id, activity_id)
    except NotFound:
        return False
    return True


def library_entry(uow: UnitOfWork, actor: Actor, activity_id: str) -> LibraryEntry:
    """One video, reading or project as the signed-in student sees it. A pure read."""
    me = require_self(uow, actor, Need.READ, "library")
    act, titles = _activity(uow, me.id, activity_id)
    skill_titles = tuple(titles.get(c, c) for c in act.skill_codes if c in titles)
    rubric, brief, handins = None, "", ()
    if act.kind == ActivityKind.PROJECT:
        rubric, description = _project_rubric(uow, actor, act.id)
        brief = _brief(act, skill_titles, description)
        handins = tuple(_handins(uow.handins.of_learner(me.id, act.id)))
    done = any(c.get("activity_id") == act.id for c in uow.paths.choices(me.id, 200))
    return LibraryEntry(act.id, act.title, act.kind.value, KIND_LABELS[act.kind], act.minutes, skill_titles,
                        brief, rubric, handins, done)


def mark_done(uow: UnitOfWork, actor: Actor, activity_id: str, *, now: datetime | None = None) -> None:
    """Record that the student did a video or reading (or began a project): the choice goes on
    their path, as if chosen from What's next (with the reason "From the library" when it is
    no longer on today's list)."""
    me = require_self(uow, actor, Need.WRITE, "library")
    act, _ = _activity(uow, me.id, activity_id)
    now = now_or(now)
    try:
        paths.choose_activity(uow, actor, me.id, act.id, now=now)
    except Invalid:
        uow.paths.add_choice(me.id, act.id, act.kind.value, act.skill_codes, "library", "From the library", [],
                             now)


def _file_type(name: str, content: bytes) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    allowed = ", ".join(sorted({"pdf", "png", "jpeg", "txt", "docx"}))
    if ext not in FILE_TYPES:
        raise Invalid(f"the file must be one of: {allowed} ({name or 'no name'} is not)", "file")
    ctype, magic = FILE_TYPES[ext]
    if magic is not None and not content.startswith(magic):
        raise Invalid(f"{name} is not a real .{ext} file", "file")
    if magic is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"{name} is not a plain text file (UTF-8)", "file") from None
    return ctype


def hand_in(uow: UnitOfWork, actor: Actor, activity_id: str, *, text: str = "", link: str = "",
            file_name: str = "", content: bytes | None = None, now: datetime | None = None) -> Handin:
    """Store the student's hand-in for a project: a text, a link, a file, or several of them.
    The file may be a pdf, png, jpeg, txt or docx of at most 5 MiB; the link must be a web
    address (http or https)."""
    me = require_self(uow, actor, Need.WRITE, "handins")
    act, _ = _activity(uow, me.id, activity_id)
    if act.kind != ActivityKind.PROJECT:
        raise Invalid(f"{act.title} is not a project: there is nothing to hand in", "activity_id")
    text = (text or "").strip()
    link = (link or "").strip()
    if len(text) > MAX_TEXT:
        raise Invalid(f"the text is longer than {MAX_TEXT} characters", "text")
    if link:
        parts = urlsplit(link)
        if len(link) > MAX_LINK or parts.scheme not in ("http", "https") or not parts.netloc:
            raise Invalid("the link must be a web address starting with http:// or https://", "link")
    ctype = None
    name = None
    size = 0
    if content is not None and (content or file_name):
        name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
        size = len(content)
        if size == 0:
            raise Invalid(f"{name or 'the file'} is empty", "file")
        if size > MAX_FILE_BYTES:
            raise Invalid(f"the file is larger than {MAX_FILE_BYTES // 2**20} MiB", "file")
        ctype = _file_type(name, content)
    if not text and not link and ctype is None:
        raise Invalid("hand in a text, a link or a file", "text")
    h = Handin(uuid.uuid4().hex, me.id, me.school_id, act.id, text, link or None, name, ctype, size, now_or(now))
    uow.handins.add({k: getattr(h, k) for k in Handin.__dataclass_fields__}, content if ctype is not None else None)
    uow.flush()
    return h


def handin_file(uow: UnitOfWork, actor: Actor, handin_id: str) -> HandinFile:
    """The file of a hand-in, for the student who handed it in or staff who may read that student."""
    found = uow.handins.file_of(handin_id) if isinstance(handin_id, str) and len(handin_id) <= 64 else None
    if found is None or found[1] is None:
        raise NotFound(f"no hand-in {handin_id}")
    h, data = Handin(**found[0]), found[1]
    if actor.role == Role.STUDENT:
        if require_self(uow, actor, Need.READ, "handins").id != h.learner_id:
            raise NotFound(f"no hand-in {handin_id}")
    else:
        _staff_learner(uow, actor, h, Need.READ)  # audited
    return HandinFile(h.file_name or "hand-in", h.content_type or "application/octet-stream", data or b"")


def project_handins(uow: UnitOfWork, actor: Actor, assessment_or_activity_id: str) -> list[Handin]:
    """The hand-ins for a project (an activity or a project assessment), newest first, of the
    students the actor may read: a teacher those of their classes, an admin those of their
    school (the system all). Other roles may not (``Forbidden``)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    if actor.is_system:
        return _handins(uow.handins.for_activity(assessment_or_activity_id))
    learners = {u.id for u in visible_learners(uow, actor)}
    found = _handins(uow.handins.for_activity(assessment_or_activity_id, learners))
    _audit_reads(uow, actor, found)
    return found


# -- the staff's pages on library-project hand-ins -------------------------------------------------


def _audit_reads(uow: UnitOfWork, actor: Actor, handins: Sequence[Handin]) -> None:
    """One audit row per learner whose hand-ins the actor reads (the learner reading their own is not)."""
    for learner_id in dict.fromkeys(h.learner_id for h in handins):
        if actor.user_id != learner_id:
            uow.audit.add(actor.user_id, f"{Need.READ.value}:handins", learner_id, "handins", {"via": actor.via})


def _staff_learner(uow: UnitOfWork, actor: Actor, h: Handin, need: Need) -> User:
    """The hand-in's learner for staff who may reach them (audited by ``require_learner``);
    a learner out of reach makes the hand-in "not found"."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    try:
        return require_learner(uow, actor, h.learner_id, need, "handins")
    except NotFound:
        raise NotFound(f"no hand-in {h.id}") from None


def _get_handin(uow: UnitOfWork, handin_id: str) -> Handin:
    row = uow.handins.get(handin_id) if isinstance(handin_id, str) and len(handin_id) <= 64 else None
    if row is None:
        raise NotFound(f"no hand-in {handin_id}")
    return Handin(**row)


@dataclass(frozen=True, slots=True)
class LibraryProject:
    """A library project with hand-ins from students the actor may read."""

    activity_id: str
    title: str
    handins: int
    learners: int
    latest: datetime


@dataclass(frozen=True, slots=True)
class HandinScore:
    """The overall level a teacher gave a hand-in (of a project without a rubric)."""

    points: int
    max_points: int
    level: str
    comment: str
    scored_at: datetime
    evidence_id: str


@dataclass(frozen=True, slots=True)
class ProjectHandin:
    """One row of a list of hand-ins for staff: the hand-in, its learner and its latest score."""

    handin: Handin
    learner: User
    project_title: str
    scored: str  # "" before it is scored, else the level in words


@dataclass(frozen=True, slots=True)
class LearnerProject:
    """One library project of a learner with their hand-ins for it (newest first)."""

    activity_id: str
    title: str
    handins: tuple[ProjectHandin, ...]


@dataclass(frozen=True, slots=True)
class StaffHandin:
    """One hand-in as staff open it, with what they need to score it."""

    handin: Handin
    learner: User
    project_title: str
    skill_codes: tuple[str, ...]  # the project's skills open to the learner's school
    skill_titles: tuple[str, ...]
    brief: str
    rubric: Rubric | None  # the project's rubric, when a project assessment of the same id has one
    rubric_scores: dict[str, int] = field(default_factory=dict)  # the latest confirmed points per criterion
    rubric_comment: str = ""
    score: HandinScore | None = None  # the latest overall level (a project without a rubric)
    earlier: tuple[Handin, ...] = ()  # the learner's other hand-ins for the same project

    @property
    def levels(self) -> tuple[tuple[int, str], ...]:
        return LEVELS


def _library_project(uow: UnitOfWork, activity_id: str) -> Activity | None:
    act = uow.activities.get(activity_id) if isinstance(activity_id, str) and len(activity_id) <= 200 else None
    return act if act is not None and act.kind == ActivityKind.PROJECT else None


def _scores(uow: UnitOfWork, learner_id: str) -> dict[str, HandinScore]:
    """The latest overall level per hand-in of the learner, from their evidence."""
    out: dict[str, HandinScore] = {}
    for ev in uow.evidence.for_learner(learner_id):  # oldest first: later ones win
        if ev.source != HANDIN_SOURCE or not isinstance(ev.data.get("handin_id"), str):
            continue
        out[ev.data["handin_id"]] = HandinScore(int(ev.data.get("points", 0)), int(ev.data.get("max_points", 1)),
                                                str(ev.data.get("level", "")), str(ev.data.get("comment", "")),
                                                ev.timestamp, ev.id)
    return out


def _scored(score: HandinScore | None, rubric_scored: bool) -> str:
    if score is not None:
        return f"{score.level} ({score.points} of {score.max_points})"
    return "Scored with the rubric" if rubric_scored else ""


def _rubric_scored(uow: UnitOfWork, activity_id: str, learner_id: str) -> bool:
    return bool(uow.assessments.rubric_scores(activity_id, learner_id, state=ReviewState.CONFIRMED.value))


def _rows(uow: UnitOfWork, handins: Sequence[Handin], learners: Mapping[str, User]) -> list[ProjectHandin]:
    titles: dict[str, str] = {}
    scores: dict[str, dict[str, HandinScore]] = {}
    rubric: dict[tuple[str, str], bool] = {}
    out: list[ProjectHandin] = []
    for h in handins:
        if h.activity_id not in titles:
            act = _library_project(uow, h.activity_id)
            titles[h.activity_id] = act.title if act is not None else ""
        if not titles[h.activity_id] or h.learner_id not in learners:
            continue  # a hand-in for a teaching project is on that project's own page
        if h.learner_id not in scores:
            scores[h.learner_id] = _scores(uow, h.learner_id)
        key = (h.activity_id, h.learner_id)
        if key not in rubric:
            rubric[key] = _rubric_scored(uow, h.activity_id, h.learner_id)
        out.append(ProjectHandin(h, learners[h.learner_id], titles[h.activity_id],
                                 _scored(scores[h.learner_id].get(h.id), rubric[key])))
    return out


def library_projects(uow: UnitOfWork, actor: Actor) -> list[LibraryProject]:
    """The library projects with hand-ins from students the actor may read (a teacher's
    classes, an admin's school), newest hand-in first. Counts only: no hand-in is read."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    learners = [u.id for u in visible_learners(uow, actor)]
    by_project: dict[str, list[Handin]] = {}
    for h in _handins(uow.handins.of_learners(learners)):
        by_project.setdefault(h.activity_id, []).append(h)
    out: list[LibraryProject] = []
    for activity_id, hs in by_project.items():
        act = _library_project(uow, activity_id)
        if act is not None:
            out.append(LibraryProject(act.id, act.title, len(hs), len({h.learner_id for h in hs}),
                                      max(h.handed_in_at for h in hs)))
    return sorted(out, key=lambda p: p.latest, reverse=True)


def activity_handins(uow: UnitOfWork, actor: Actor, activity_id: str) -> tuple[str, list[ProjectHandin]]:
    """A library project's title and its hand-ins (newest first) from the students the actor
    may read, each read audited. A project that does not exist, or whose skills are not open
    to the actor's school, is "not found"."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    act = _library_project(uow, activity_id)
    if act is None or (not actor.is_system and not uow.frameworks.skill_titles(
            list(act.skill_codes), school_id=actor.school_id or "")):
        raise NotFound(f"no project {activity_id}")
    learners = {u.id: u for u in visible_learners(uow, actor)}
    found = _handins(uow.handins.for_activity(act.id, learners))
    _audit_reads(uow, actor, found)
    return act.title, _rows(uow, found, learners)


def learner_handins(uow: UnitOfWork, actor: Actor, learner_id: str) -> list[LearnerProject]:
    """A learner's library-project hand-ins by project (the newest hand-in's project first),
    for staff who may read the learner (audited); others: ``Forbidden`` or ``NotFound``."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    learner = require_learner(uow, actor, learner_id, Need.READ, "handins")
    rows = _rows(uow, _handins(uow.handins.of_learners([learner.id])), {learner.id: learner})
    projects: dict[str, list[ProjectHandin]] = {}
    for r in rows:
        projects.setdefault(r.handin.activity_id, []).append(r)
    return [LearnerProject(aid, rs[0].project_title, tuple(rs)) for aid, rs in projects.items()]


def _staff_handin_of(uow: UnitOfWork, actor: Actor, handin_id: str,
                     need: Need) -> tuple[Handin, User, Activity, dict[str, str]]:
    """A library-project hand-in as staff reach it: the hand-in, its learner (audited), the
    project and the titles of the skills on the learner's framework; anything out of reach or
    no longer a library project makes the hand-in "not found"."""
    h = _get_handin(uow, handin_id)
    learner = _staff_learner(uow, actor, h, need)
    act = _library_project(uow, h.activity_id)
    if act is None:
        raise NotFound(f"no hand-in {handin_id}")
    try:
        _, titles = _activity(uow, learner.id, act.id)
    except NotFound:
        raise NotFound(f"no hand-in {handin_id}") from None
    return h, learner, act, titles


def staff_handin(uow: UnitOfWork, actor: Actor, handin_id: str) -> StaffHandin:
    """One hand-in of a library project for staff who may read its student (audited), with
    the project's rubric or overall levels and the scores given so far."""
    h, learner, act, titles = _staff_handin_of(uow, actor, handin_id, Need.READ)
    skill_codes = tuple(c for c in act.skill_codes if c in titles)
    skill_titles = tuple(titles[c] for c in skill_codes)
    rubric, description = _project_rubric(uow, actor, act.id)
    earlier = tuple(x for x in _handins(uow.handins.of_learner(learner.id, act.id)) if x.id != h.id)
    brief = _brief(act, skill_titles, description)
    if rubric is not None:
        from pathwise.services import assessments as asm

        got = asm.project_scores(uow, actor, act.id, learner.id)
        return StaffHandin(h, learner, act.title, skill_codes, skill_titles, brief, rubric, dict(got.confirmed),
                           got.comment, None, earlier)
    return StaffHandin(h, learner, act.title, skill_codes, skill_titles, brief, None,
                       score=_scores(uow, learner.id).get(h.id), earlier=earlier)


def score_handin(uow: UnitOfWork, tracker: Tracker, actor: Actor, handin_id: str, *, points: int | None = None,
                 scores: Mapping[str, int] | None = None, comment: str = "",
                 now: datetime | None = None) -> tuple[str, ...]:
    """Score a hand-in as a teacher of the student's class or an admin of their school.

    A project with a rubric (a project assessment of the activity's id) is scored on its
    criteria (``scores``) through ``assessments.score_project``; any other one on one
    overall level (``points``, one of ``LEVELS``), which becomes RUBRIC evidence on the
    project's skills with points / top points. The same level given again records nothing
    new. Returns the ids of the evidence the scores stand on."""
    from pathwise.services import assessments as asm
    from pathwise.services.evidence import record_evidence

    h, learner, act, titles = _staff_handin_of(uow, actor, handin_id, Need.WRITE)
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise Invalid("the comment is longer than 2000 characters", "comment")
    rubric, _ = _project_rubric(uow, actor, act.id)
    if rubric is not None:
        done = asm.score_project(uow, tracker, actor, act.id, learner.id, dict(scores or {}), comment, now=now)
        return done.evidence_ids
    words = dict(LEVELS)
    if points is None or points not in words:
        raise Invalid(f"choose a level: {', '.join(f'{p} ({w})' for p, w in LEVELS)}", "level")
    top = max(words)
    earlier = [ev for ev in uow.evidence.for_learner(learner.id)
               if ev.source == HANDIN_SOURCE and ev.data.get("handin_id") == h.id]
    if earlier and earlier[-1].data.get("points") == points:
        return (earlier[-1].id,)  # the same level again (a re-save or a double submit)
    key = f"handin|{h.id}|{points}" + (f"|{len(earlier)}" if earlier else "")
    ev = Evidence(str(uuid.uuid5(EVIDENCE_NAMESPACE, key)), learner.id, EvidenceKind.RUBRIC,
                  tuple(c for c in act.skill_codes if c in titles), points / top, now_or(now), item_id=act.id,
                  recorded_by=actor.user_id, source=HANDIN_SOURCE,
                  data={"handin_id": h.id, "activity_id": act.id, "points": points, "max_points": top,
                        "level": words[points], "comment": comment})
    record_evidence(uow, tracker, actor, [ev])
    uow.flush()
    return (ev.id,)
