"""The practice and assessment API (/api/v1/practice/..., /api/v1/assessments/...).

Thin translation: bodies in (strict pydantic models), a service call, a read model
out. Every route declares its policy; which learner the actor may reach is decided
by the services through ``services/access.py``. Answers are idempotent by the
client's ``attempt_id``. Item answer keys are never sent to students.

``router`` also carries the practice pages (``web.pages.practice``), so the
application mounts this area with one line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from pathwise.domain.people import Role
from pathwise.services import outside_work as ow
from pathwise.services import assessments as asm
from pathwise.services import practice
from pathwise.services.access import Actor
from pathwise.web.api.schemas import (NOT_BLANK, SPACES, Code, DateTime, ErrorOut, Flag, Integer, JsonInteger, Number,
                                      fields_named)
from pathwise.web.auth import system_of
from pathwise.web.policy import policy
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute, tags=["practice"])

ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "Missing, or not yours (the two look the same)."},
    422: {"model": ErrorOut, "description": "The body is malformed or not acceptable; `field` names it."},
}
PRACTICE: dict[int | str, dict[str, Any]] = {
    **ERRORS, 409: {"model": ErrorOut, "description": "The session ended, the item is finished, or time is up."}}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class StartIn(_In):
    skill_code: Code


class NextIn(_In):
    skip: Flag = Field(False, description="Leave the current item unanswered and move on.")
    easier: Flag = Field(False, description=(
        "Move on to an easier question of the skill (implies `skip`; the path offers the step back as a "
        f"choice). Offered once the student is stuck: {practice.STUCK_AFTER} wrong tries on the current item; "
        "before then the answer is 409 with `field` = `easier`."))


class AnswerIn(_In):
    attempt_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                            description="A fresh id per submission; sending it again returns the first outcome.")
    response: str | list[str] = Field(description="Typed text, a choice's text, or a list of choices' texts.")
    confidence: Annotated[Number, Field(ge=0.0, le=1.0)] | None = Field(
        None, description="How sure the student was before checking.")


class HintIn(_In):
    number: Annotated[int, Field(ge=1, le=50), JsonInteger] | None = Field(
        None, description="Which hint (default: the next one).")


class MeterOut(BaseModel):
    skill_code: str
    title: str
    percent: int = Field(description="The stored mastery estimate, as on every page (0 before any evidence).")
    start_percent: int | None = Field(description="The estimate when the session began; null if the skill "
                                                  "was not started then.")
    n_evidence: int = Field(0, description="Pieces of evidence behind the estimate (0: not started).")
    mastered: bool
    label: str
    text: str

    @classmethod
    def of(cls, m: practice.Meter) -> MeterOut:
        return cls(skill_code=m.skill_code, title=m.title, percent=m.percent, start_percent=m.start_percent,
                   n_evidence=m.n_evidence, mastered=m.mastered, label=m.label, text=m.text)


class OutcomeOut(BaseModel):
    status: str
    correct: bool
    message: str
    misconception: str | None
    credit: float = Field(description="The score recorded as evidence: 1 right, 0 wrong; a right answer "
                                      "after hints gets less (none after the worked solution).")
    attempt: int
    duplicate: bool
    evidence_id: str | None

    @classmethod
    def of(cls, o: practice.Outcome) -> OutcomeOut:
        return cls(status=o.status, correct=o.correct, message=o.message, misconception=o.misconception,
                   credit=o.score, attempt=o.attempt, duplicate=o.duplicate, evidence_id=o.evidence_id)


class ItemOut(BaseModel):
    id: str = Field(description="This presentation of the item (numbers drawn for it).")
    session_id: str
    item_id: str
    type: str
    prompt: str
    choices: list[str]
    answer_format: str
    hints: list[str]
    hints_left: int
    attempts: int
    done: bool
    position: int
    last: OutcomeOut | None

    @classmethod
    def of(cls, p: practice.Presented) -> ItemOut:
        return cls(id=p.id, session_id=p.session_id, item_id=p.item_id, type=p.type, prompt=p.prompt,
                   choices=list(p.choices), answer_format=p.answer_format, hints=list(p.hints),
                   hints_left=p.hints_left, attempts=p.attempts, done=p.done, position=p.position,
                   last=OutcomeOut.of(p.last) if p.last else None)


class SessionOut(BaseModel):
    id: str
    learner_id: str
    skill_code: str
    mode: str
    started_at: datetime
    ended_at: datetime | None
    deadline_at: datetime | None
    answered: int
    length: int
    meter: MeterOut
    current: ItemOut | None

    @classmethod
    def of(cls, v: practice.SessionView, current: practice.Presented | None) -> SessionOut:
        return cls(id=v.id, learner_id=v.learner_id, skill_code=v.skill_code, mode=v.mode, started_at=v.started_at,
                   ended_at=v.ended_at, deadline_at=v.deadline_at, answered=v.answered, length=v.length,
                   meter=MeterOut.of(v.meter), current=ItemOut.of(current) if current else None)


class AnswerOut(BaseModel):
    outcome: OutcomeOut
    item: ItemOut
    meter: MeterOut
    session_complete: bool


class HintOut(BaseModel):
    number: int
    total: int
    text: str
    bottom_out: bool = Field(description="The last hint: the worked solution.")
    item: ItemOut


class SummaryOut(BaseModel):
    session_id: str
    skill_code: str
    answered: int
    first_try_correct: int
    eventually_correct: int
    hints_used: int
    minutes: int
    meter: MeterOut
    improved: list[str]
    review: list[str]
    effort: str
    score_text: str

    @classmethod
    def of(cls, s: practice.Summary) -> SummaryOut:
        return cls(session_id=s.session_id, skill_code=s.skill_code, answered=s.answered,
                   first_try_correct=s.first_try_correct, eventually_correct=s.eventually_correct,
                   hints_used=s.hints_used, minutes=s.minutes, meter=MeterOut.of(s.meter), improved=list(s.improved),
                   review=list(s.review), effort=s.effort, score_text=s.score_text)


class CalibrationOut(BaseModel):
    n: int
    mean_confidence: float | None
    accuracy: float | None
    brier: float | None
    label: str


# -- practice -----------------------------------------------------------------------------------


@router.post("/practice/sessions", status_code=status.HTTP_201_CREATED, responses=PRACTICE)
def start(uow: Tx, body: StartIn, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> SessionOut:
    """Start practising a skill (or resume the open session on it); the first item comes with it."""
    view = practice.start_session(uow, actor, actor.user_id or "", body.skill_code)
    current = practice.next_item(uow, actor, view.id, tracker=system_of(request).tracker(uow))
    view = practice.get_session(uow, actor, view.id)
    return SessionOut.of(view, current)


@router.get("/practice/sessions/{session_id}", responses=PRACTICE)
def read_session(uow: Tx, session_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> SessionOut:
    """A session with its meter and the item on screen (if any)."""
    return SessionOut.of(practice.get_session(uow, actor, session_id), practice.current_item(uow, actor, session_id))


@router.post("/practice/sessions/{session_id}/next",
             responses={**PRACTICE, 204: {"description": "No more items: the session is complete."}})
def next_item(uow: Tx, session_id: str, body: NextIn, request: Request,
              actor: Actor = policy("practice:self", Role.STUDENT)) -> Any:
    """The item to work on: the unfinished one, or a new one at the student's level (or, once stuck, an
    easier one with `easier`); 204 when done."""
    item = practice.next_item(uow, actor, session_id, skip=body.skip, easier=body.easier,
                              tracker=system_of(request).tracker(uow))
    if item is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return ItemOut.of(item)


@router.post("/practice/items/{presentation_id}/answer", responses=PRACTICE)
def answer(uow: Tx, presentation_id: str, body: AnswerIn, request: Request,
           actor: Actor = policy("practice:self", Role.STUDENT)) -> AnswerOut:
    """Check an answer: feedback at once, evidence recorded, mastery updated. Idempotent by attempt_id."""
    system = system_of(request)
    res = practice.submit_answer(uow, system.tracker(uow), actor, presentation_id, body.response, body.attempt_id,
                                 confidence=body.confidence)
    return AnswerOut(outcome=OutcomeOut.of(res.outcome), item=ItemOut.of(res.item), meter=MeterOut.of(res.meter),
                     session_complete=res.session_complete)


@router.post("/practice/items/{presentation_id}/hints", responses=PRACTICE)
def hint(uow: Tx, presentation_id: str, body: HintIn, request: Request,
         actor: Actor = policy("practice:self", Role.STUDENT)) -> HintOut:
    """Reveal the next hint (recorded as evidence); the last hint is the worked solution."""
    system = system_of(request)
    with fields_named(hint="number"):
        h = practice.request_hint(uow, system.tracker(uow), actor, presentation_id, body.number)
    return HintOut(number=h.number, total=h.total, text=h.text, bottom_out=h.bottom_out, item=ItemOut.of(h.item))


@router.post("/practice/sessions/{session_id}/finish", responses=PRACTICE)
def finish(uow: Tx, session_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> SummaryOut:
    """End the session and get its summary: what improved, what to review, effort."""
    s = practice.finish_session(uow, actor, session_id)
    return SummaryOut.of(s)


@router.get("/learners/{learner_id}/calibration", responses=ERRORS)
def calibration(uow: Tx, learner_id: str, request: Request, actor: Actor = policy("learner:read")) -> CalibrationOut:
    """How well the learner's confidence before checking matches their results."""
    c = practice.calibration(uow, actor, learner_id)
    return CalibrationOut(n=c.n, mean_confidence=c.mean_confidence, accuracy=c.accuracy, brier=c.brier, label=c.label)


# -- assessments, rubrics, observations, outside evidence ----------------------------------------


class LevelIn(_In):
    points: Integer = Field(ge=0, le=100)
    label: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK)
    description: str = Field("", max_length=2000)


class CriterionIn(_In):
    id: Code
    title: str = Field(min_length=1, max_length=300, pattern=NOT_BLANK)
    skill_codes: list[Code] = Field(min_length=1, max_length=20)
    levels: list[LevelIn] = Field(min_length=2, max_length=10, description="Each worth different points, one of "
                                                                          "them more than 0.")


class RubricEdit(_In):
    title: str = Field(min_length=1, max_length=300, pattern=NOT_BLANK)
    criteria: list[CriterionIn] = Field(min_length=1, max_length=30)


class RubricIn(RubricEdit):
    id: Code = Field(description="Your school's id for it (each school has its own).")


class AssessmentEdit(_In):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"allOf": [
        {"if": {"properties": {"kind": {"enum": ["check", "unit"]}}},
         "then": {"required": ["item_ids"], "properties": {"item_ids": {"minItems": 1}}}},
        {"if": {"properties": {"kind": {"const": "project"}}},
         "then": {"required": ["rubric_id"], "properties": {"rubric_id": {"type": "string", "minLength": 1}}}},
    ]})

    title: str = Field(min_length=1, max_length=300, pattern=NOT_BLANK)
    kind: Literal["check", "unit", "project"] = Field(description="A check or a unit is taken on items (item_ids); "
                                                                  "a project is scored with a rubric (rubric_id).")
    skill_codes: list[Code] = Field(min_length=1, max_length=50)
    item_ids: list[Code] = Field(default_factory=list, max_length=200)
    rubric_id: str | None = Field(None, max_length=128)
    time_limit_minutes: Annotated[int, Field(ge=1, le=600), JsonInteger] | None = None
    hints_allowed: Flag = False
    peer_review: Flag = False
    description: str = Field("", max_length=5000)


class AssessmentIn(AssessmentEdit):
    id: Code = Field(description="Your school's id for it (each school has its own).")


class AssignIn(_In):
    class_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    student_ids: list[str] = Field(default_factory=list, max_length=500, description="A group; empty for the whole class.")
    opens_at: DateTime
    closes_at: DateTime | None = Field(None, description="After opens_at; null for no end.")


class ScoreIn(_In):
    learner_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    scores: dict[str, Integer] = Field(min_length=1, description="Criterion id -> points of the chosen level.")
    comment: str = Field("", max_length=5000)


class ObservationIn(_In):
    learner_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    skill_codes: list[Code] = Field(min_length=1, max_length=20)
    score: Number = Field(ge=0.0, le=1.0)
    note: str = Field("", max_length=5000)
    id: str | None = Field(None, max_length=200, description="Send the same id again and nothing new is stored.")


# http:// or https://, a host, and no spaces; or "" for none
_WEB_ADDRESS = rf"^$|^[Hh][Tt][Tt][Pp][Ss]?://[^{SPACES}/?#\[\]]+[^{SPACES}]*$"


class SubmissionIn(_In):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"anyOf": [
        {"required": ["description"], "properties": {"description": {"pattern": NOT_BLANK}}},
        {"required": ["artefact_url"], "properties": {"artefact_url": {"type": "string", "minLength": 1}}},
    ]})

    title: str = Field(min_length=1, max_length=300, pattern=NOT_BLANK)
    description: str = Field("", max_length=5000, description="What you did; needed when there is no artefact_url.")
    artefact_url: str | None = Field(None, max_length=1000, pattern=_WEB_ADDRESS,
                                     description="A web address (http:// or https://) of what you made.")
    skill_codes: list[Code] = Field(min_length=1, max_length=20)


class ReviewIn(_In):
    approve: Flag
    score: Number = Field(0.8, ge=0.0, le=1.0)
    note: str = Field("", max_length=5000)


class RubricOut(BaseModel):
    id: str
    title: str
    criteria: list[str] = Field(description="The criteria's ids.")


class AssessmentOut(BaseModel):
    id: str
    title: str
    kind: Literal["check", "unit", "project"]


class AssignmentOut(BaseModel):
    id: str
    assessment_id: str
    class_id: str
    opens_at: datetime
    closes_at: datetime | None
    student_ids: list[str] = Field(description="The group; empty for the whole class.")


class ScoreOut(BaseModel):
    state: Literal["peer", "confirmed"] = Field(description="confirmed: the scores are evidence now; peer: a "
                                                            "classmate's review, counted once the teacher confirms it.")
    evidence_ids: list[str]


class ObservationOut(BaseModel):
    evidence_id: str = Field(description="Your id for it when you sent one, else the id it was stored under.")


class SubmissionOut(BaseModel):
    id: str
    state: Literal["pending", "approved", "rejected"]


class SubmissionReviewOut(SubmissionOut):
    evidence_ids: list[str] = Field(description="The evidence an approval recorded.")


CREATED: dict[int | str, dict[str, Any]] = {
    **ERRORS, 409: {"model": ErrorOut,
                    "description": "Your school already has this id (`field`: id): edit that one with PUT."}}
EDITED: dict[int | str, dict[str, Any]] = {
    **ERRORS, 404: {"model": ErrorOut, "description": "Missing, or not yours to edit (only its maker or an admin of "
                                                      "its school): the two look the same."}}


@router.post("/rubrics", status_code=status.HTTP_201_CREATED, responses=CREATED)
def create_rubric(uow: Tx, body: RubricIn, request: Request,
                  actor: Actor = policy("content:write", Role.TEACHER, Role.ADMIN)) -> RubricOut:
    """Create a rubric in your school: criteria mapped to skills, each with scored levels.
    Never replaces one: an id your school already uses answers 409."""
    r = asm.save_rubric(uow, actor, body.model_dump())
    return RubricOut(id=r.id, title=r.title, criteria=[c.id for c in r.criteria])


@router.put("/rubrics/{rubric_id}", responses=EDITED)
def edit_rubric(uow: Tx, rubric_id: str, body: RubricEdit, request: Request,
                actor: Actor = policy("content:write", Role.TEACHER, Role.ADMIN)) -> RubricOut:
    """Change a rubric's title and criteria (its maker or an admin of its school); audited."""
    r = asm.update_rubric(uow, actor, rubric_id, body.model_dump())
    return RubricOut(id=r.id, title=r.title, criteria=[c.id for c in r.criteria])


@router.post("/assessments", status_code=status.HTTP_201_CREATED, responses=CREATED)
def create_assessment(uow: Tx, body: AssessmentIn, request: Request,
                      actor: Actor = policy("content:write", Role.TEACHER, Role.ADMIN)) -> AssessmentOut:
    """Create a mastery check, unit assessment or project in your school. Never replaces one:
    an id your school already uses answers 409."""
    a = asm.save_assessment(uow, actor, body.model_dump())
    return AssessmentOut(id=a.id, title=a.title, kind=a.kind.value)


@router.put("/assessments/{assessment_id}", responses=EDITED)
def edit_assessment(uow: Tx, assessment_id: str, body: AssessmentEdit, request: Request,
                    actor: Actor = policy("content:write", Role.TEACHER, Role.ADMIN)) -> AssessmentOut:
    """Change an assessment (everything but its id; its maker or an admin of its school); audited."""
    a = asm.update_assessment(uow, actor, assessment_id, body.model_dump())
    return AssessmentOut(id=a.id, title=a.title, kind=a.kind.value)


@router.post("/assessments/{assessment_id}/assignments", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def assign(uow: Tx, assessment_id: str, body: AssignIn, request: Request,
           actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> AssignmentOut:
    """Assign to a class (or a group in it) with a window."""
    with fields_named(closes="closes_at", opens="opens_at"):
        a = asm.assign(uow, actor, assessment_id, body.class_id, body.opens_at, body.closes_at, body.student_ids)
    return AssignmentOut(id=a.id, assessment_id=a.assessment_id, class_id=a.section_id, opens_at=a.window.opens,
                         closes_at=a.window.closes, student_ids=list(a.student_ids))


@router.post("/assessments/{assessment_id}/start", status_code=status.HTTP_201_CREATED, responses=PRACTICE)
def start_assessment(uow: Tx, assessment_id: str, request: Request,
                     actor: Actor = policy("practice:self", Role.STUDENT)) -> SessionOut:
    """Take an assigned assessment (or a mastery check) on the practice engine."""
    view = asm.start_assessment(uow, actor, assessment_id)
    current = practice.next_item(uow, actor, view.id, tracker=system_of(request).tracker(uow))
    return SessionOut.of(view, current)


@router.post("/assessments/{assessment_id}/scores", responses=ERRORS)
def score(uow: Tx, assessment_id: str, body: ScoreIn, request: Request,
          actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN, Role.STUDENT)) -> ScoreOut:
    """Score a project with its rubric. A teacher's score is evidence at once; a classmate's
    score is a peer review that counts once the teacher confirms it."""
    system = system_of(request)
    res = asm.score_project(uow, system.tracker(uow), actor, assessment_id, body.learner_id, body.scores, body.comment)
    return ScoreOut(state=res.state, evidence_ids=list(res.evidence_ids))


@router.post("/observations", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def observe(uow: Tx, body: ObservationIn, request: Request,
            actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> ObservationOut:
    """Record a teacher's observation as evidence on skills."""
    system = system_of(request)
    ev_id = ow.record_observation(uow, system.tracker(uow), actor, body.learner_id, body.skill_codes, body.score,
                                   body.note, body.id)
    return ObservationOut(evidence_id=ev_id)


@router.post("/submissions", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def submit(uow: Tx, body: SubmissionIn, request: Request,
           actor: Actor = policy("practice:self", Role.STUDENT)) -> SubmissionOut:
    """Submit learning done elsewhere, with an artefact link and the skills it shows."""
    sub = ow.submit_outside_evidence(uow, actor, body.title, body.description, body.artefact_url, body.skill_codes)
    return SubmissionOut(id=sub.id, state=sub.state)


@router.post("/submissions/{submission_id}/review", responses={
    **ERRORS, 409: {"model": ErrorOut, "description": "The submission was already approved or rejected."}})
def review(uow: Tx, submission_id: str, body: ReviewIn, request: Request,
           actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> SubmissionReviewOut:
    """Approve (it becomes evidence) or reject a student's outside-evidence submission."""
    system = system_of(request)
    sub = ow.review_submission(uow, system.tracker(uow), actor, submission_id, body.approve, body.score, body.note)
    return SubmissionReviewOut(id=sub.id, state=sub.state, evidence_ids=list(sub.evidence_ids))

