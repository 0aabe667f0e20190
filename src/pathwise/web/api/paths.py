"""The /api/v1 routes of adaptive paths: a learner's next activities with reasons,
recording a choice, the skill map, reviews due; teachers opening a locked skill for a
learner and setting a focus for a class or a group (both audited), and the class's
wheel-spinning flags.

Routes only translate: each declares its policy and calls ``services.paths``, which
asks the access policy about the learner or class (another's answers 404). No
storage here, no scoring.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field

from pathwise.domain.people import Role
from pathwise.services import class_paths
from pathwise.services import paths as svc
from pathwise.services.access import Actor
from pathwise.web.api.schemas import Code, ErrorOut, JsonInteger, fields_named
from pathwise.web.policy import policy
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute, tags=["paths"])


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


ERRORS = {
    401: {"model": ErrorOut, "description": "Not signed in, or the token is unknown or revoked."},
    404: {"model": ErrorOut, "description": "Missing, or not yours to see (the two look the same)."},
    422: {"model": ErrorOut, "description": "The body or a parameter is malformed; `field` names it."},
}


class ChoiceIn(_In):
    activity_id: Code = Field(description="One of the activities offered now (GET .../next).")


class OpenSkillIn(_In):
    note: str = Field("", max_length=500)


class FocusIn(_In):
    skill_ids: list[Code] = Field(min_length=1, max_length=20, description="Skills of the class's framework.")
    learner_ids: list[str] = Field(default_factory=list, max_length=200,
                                   description="A group within the class; empty for the whole class.")
    days: Annotated[int, Field(ge=1, le=90), JsonInteger] | None = Field(
        None, description="How long the focus lasts (default 7).")
    note: str = Field("", max_length=500)


class NextActivityOut(BaseModel):
    activity_id: str
    title: str
    kind: str
    url: str | None
    minutes: int
    skill_ids: list[str]
    skill_titles: list[str]
    purpose: str = Field(description="learn | review | step_back | check")
    reason: str = Field(description="The headline reason, in plain words.")
    reasons: list[str]
    score: float

    @classmethod
    def of(cls, a: svc.NextActivity) -> NextActivityOut:
        return cls(activity_id=a.activity_id, title=a.title, kind=a.kind, url=a.url, minutes=a.minutes,
                   skill_ids=list(a.skills), skill_titles=list(a.skill_titles), purpose=a.purpose, reason=a.reason,
                   reasons=list(a.reasons), score=a.score)


class NextActivitiesOut(BaseModel):
    learner_id: str
    framework_id: str | None
    activities: list[NextActivityOut]
    check_due: list[str]
    message: str


class ChoiceOut(BaseModel):
    activity_id: str
    kind: str
    skill_ids: list[str]
    purpose: str
    reason: str
    offered: list[str]
    chosen_at: datetime


class MapSkillOut(BaseModel):
    skill_id: str
    title: str
    unit: str | None
    status: str = Field(description="Where the skill stands on the path: mastered | in_progress | ready | locked")
    state: str = Field("not started", description="Where the learner stands, in the words every page uses: "
                       "not started | getting there | nearly there | mastered | due for review")
    p_mastery: float = Field(description="The stored mastery estimate, the same on every page (0 before any evidence).")
    n_evidence: int = Field(0, description="Pieces of evidence behind the estimate (0: not started).")
    opened_by_teacher: bool
    locked_reason: str
    unlocks: list[str]


class SkillMapOut(BaseModel):
    learner_id: str
    framework_id: str | None
    framework_title: str
    counts: dict[str, int] = Field(description="Skills per path status (mastered, in_progress, ready, locked).")
    skills: list[MapSkillOut]


class ReviewOut(BaseModel):
    skill_id: str
    title: str
    due_at: datetime
    due: bool
    recall: float = Field(description="Estimated probability of recall now.")
    last_practised: str


class FocusOut(BaseModel):
    id: int
    class_id: str
    skill_ids: list[str]
    learner_ids: list[str]
    ends_at: datetime


class SpinFlagOut(BaseModel):
    learner_id: str
    learner_name: str
    skill_id: str
    skill_title: str
    attempts: int
    flagged_at: datetime | None
    active: bool
    step_back_to: list[str]
    recent_right: int = Field(description="right answers among the latest ones on the skill")
    recent_answers: int = Field(description="how many latest answers that counts (the guard's window, or fewer)")


@router.get("/learners/{learner_id}/next", responses=ERRORS)
def next_activities(uow: Tx, learner_id: str, request: Request, k: int = Query(3, ge=1, le=20),
                    actor: Actor = policy("learner:read")) -> NextActivitiesOut:
    """What's next: the top few activities recommended now, each with its reason."""
    res = svc.next_activities(uow, actor, learner_id, k=k)
    return NextActivitiesOut(learner_id=res.learner_id, framework_id=res.framework_id,
                             activities=[NextActivityOut.of(a) for a in res.items], check_due=list(res.check_due),
                             message=res.message)


@router.post("/learners/{learner_id}/choices", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def choose(uow: Tx, learner_id: str, body: ChoiceIn, request: Request,
           actor: Actor = policy("path:choose", Role.STUDENT, Role.TEACHER, Role.ADMIN)) -> NextActivityOut:
    """Record the learner's choice of one of the activities offered now."""
    picked = svc.choose_activity(uow, actor, learner_id, body.activity_id)
    return NextActivityOut.of(picked)


@router.get("/learners/{learner_id}/choices", responses=ERRORS)
def list_choices(uow: Tx, learner_id: str, request: Request, limit: int = Query(20, ge=1, le=200),
                 actor: Actor = policy("learner:read")) -> list[ChoiceOut]:
    """The learner's recent choices, newest first, with what was offered."""
    rows = svc.choices(uow, actor, learner_id, limit)
    return [ChoiceOut(activity_id=r["activity_id"], kind=r["kind"], skill_ids=r["skills"], purpose=r["purpose"],
                      reason=r["reason"], offered=r["offered"], chosen_at=r["chosen_at"]) for r in rows]


@router.get("/learners/{learner_id}/skill-map", responses=ERRORS)
def skill_map(uow: Tx, learner_id: str, request: Request, actor: Actor = policy("learner:read")) -> SkillMapOut:
    """The skill map: mastered, in progress, ready to learn, locked (with what unlocks it)."""
    m = svc.skill_map(uow, actor, learner_id)
    return SkillMapOut(learner_id=m.learner_id, framework_id=m.framework_id, framework_title=m.framework_title,
                       counts=m.counts(), skills=[MapSkillOut(
                           skill_id=s.code, title=s.title, unit=s.unit, status=s.status, state=s.state.word, p_mastery=s.p_mastery,
                           n_evidence=s.n_evidence, opened_by_teacher=s.opened_by_teacher, locked_reason=s.locked_reason,
                           unlocks=list(s.unlocks)) for s in m.skills])


@router.get("/learners/{learner_id}/reviews", responses=ERRORS)
def reviews(uow: Tx, learner_id: str, request: Request, actor: Actor = policy("learner:read")) -> list[ReviewOut]:
    """Mastered skills with their next re-check (soonest first); ``due`` marks those due now."""
    items = svc.reviews(uow, actor, learner_id)
    return [ReviewOut(skill_id=r.skill_code, title=r.title, due_at=r.due_at, due=r.due, recall=r.recall,
                      last_practised=r.last_practised) for r in items]


@router.put("/learners/{learner_id}/opened-skills/{skill_id}", status_code=status.HTTP_204_NO_CONTENT,
            responses=ERRORS)
def open_skill(uow: Tx, learner_id: str, skill_id: str, request: Request, body: OpenSkillIn | None = None,
               actor: Actor = policy("path:open-skill", Role.TEACHER, Role.ADMIN)) -> Response:
    """Open a locked skill for one learner (audited)."""
    class_paths.open_skill(uow, actor, learner_id, skill_id, body.note if body else "")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/learners/{learner_id}/opened-skills/{skill_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses=ERRORS)
def close_skill(uow: Tx, learner_id: str, skill_id: str, request: Request,
                actor: Actor = policy("path:open-skill", Role.TEACHER, Role.ADMIN)) -> Response:
    """Undo an opening (audited)."""
    class_paths.close_skill(uow, actor, learner_id, skill_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/classes/{class_id}/focus", status_code=status.HTTP_201_CREATED, responses=ERRORS)
def set_focus(uow: Tx, class_id: str, body: FocusIn, request: Request,
              actor: Actor = policy("path:focus", Role.TEACHER, Role.ADMIN)) -> FocusOut:
    """Set this week's focus for a class, or for a group of its learners (audited)."""
    with fields_named(skill_codes="skill_ids"):
        f = class_paths.set_focus(uow, actor, class_id, body.skill_ids, learner_ids=body.learner_ids, days=body.days,
                                  note=body.note)
    return FocusOut(id=f.id, class_id=f.section_id, skill_ids=list(f.skill_codes), learner_ids=list(f.learner_ids),
                    ends_at=f.ends_at)


@router.get("/classes/{class_id}/wheel-spinning", responses=ERRORS)
def wheel_spinning(uow: Tx, class_id: str, request: Request,
                   actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> list[SpinFlagOut]:
    """Learners who tried a skill many times without progress, with the prerequisites to step back to."""
    flags = class_paths.wheel_spinning(uow, actor, class_id)
    return [SpinFlagOut(learner_id=f.learner_id, learner_name=f.learner_name, skill_id=f.skill_code,
                        skill_title=f.skill_title, attempts=f.attempts, flagged_at=f.flagged_at, active=f.active,
                        step_back_to=list(f.step_back_to), recent_right=f.recent_right,
                        recent_answers=f.recent_answers) for f in flags]
