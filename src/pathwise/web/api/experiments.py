"""The /api/v1 routes of experiments between two path settings: list the experiments the
caller may read, define one, read one with its students' arms and the report per arm, stop
one, and read or change whether the school allows experiments.

Routes only translate: each declares its policy and calls ``services.experiments``, which
asks the access policy (``require_experiment``, ``visible_experiments``) about the
experiment: the school's admins define, read and stop them; a teacher reads those touching a
class they teach (their own students' arms only); anyone else finds nothing (404, the same
answer as for a missing id), as on the pages. No storage here, no statistics.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from pydantic import BaseModel, ConfigDict, Field

from pathwise.domain.people import Role
from pathwise.services import experiments as svc
from pathwise.services.access import Actor
from pathwise.services.errors import Conflict, NotFound
from pathwise.web.api.schemas import NOT_BLANK, Day, ErrorOut, Flag, JsonInteger, Number, fields_named
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, tags=["experiments"])

READ_ERRORS = {
    401: {"model": ErrorOut, "description": "Not signed in, or the token is unknown or revoked."},
    404: {"model": ErrorOut, "description": "Missing, or not yours to see (the two look the same)."},
}
ERRORS = {
    **READ_ERRORS,
    422: {"model": ErrorOut, "description": "The body or a parameter is malformed, or a value is not acceptable; "
                                            "`field` names it."},
}
CREATE_ERRORS = {
    **ERRORS,
    409: {"model": ErrorOut, "description": (
        "Experiments are switched off for the school (`field` is `enabled`), or another running experiment "
        "covers one of these classes on some of these days (`field` is `class_ids`).")},
}
NOT_YOURS = "not found"  # one answer for a missing experiment and one that is not yours

ExperimentId = Annotated[int, Path(ge=1, lt=2**31, description="The experiment's number.")]


@contextmanager
def _uniform_not_found() -> Iterator[None]:
    """The service names the id it could not find; the API answers every such refusal with the
    same words, so an experiment of another class or school looks exactly like a missing one."""
    try:
        yield
    except NotFound:
        raise NotFound(NOT_YOURS) from None


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ArmIn(_In):
    """Changes to the school's path settings for one arm; a setting left out (or null) stays as
    the school has it. Every value goes through the path settings' own checks."""

    target_retention: Annotated[Number, Field(ge=0.5, lt=1)] | None = Field(
        None, description="The recall probability at which a mastered skill's review falls due (0.5 to below 1).")
    checks: Flag | None = Field(None, description="Mastery checks offered at all.")
    after_new_mastered: Annotated[int, Field(ge=1), JsonInteger] | None = Field(
        None, description="A check is due after this many newly mastered skills (1 or more).")
    size: Annotated[int, Field(ge=1), JsonInteger] | None = Field(None, description="Skills in a check (1 or more).")
    every_days: Annotated[Number, Field(gt=0)] | None = Field(
        None, description="A check is due at least this often (days) once a skill has been mastered.")
    wheel_spin_limit: Annotated[int, Field(ge=2), JsonInteger] | None = Field(
        None, description="Tries without progress before a skill is flagged as wheel-spinning (2 or more).")

    def overrides(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ExperimentIn(_In):
    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, description="A short name.")
    question: str = Field("", max_length=2000, description="The question, in plain words.")
    arm_a: ArmIn = Field(default_factory=ArmIn, description="Arm A's settings; empty: the school's.")
    arm_b: ArmIn = Field(default_factory=ArmIn, description="Arm B's settings; the two arms must differ.")
    starts_on: Day = Field(description="The first day, in the school's time zone.")
    ends_on: Day = Field(description=f"The last day: not before the first, not past, at most {svc.MAX_DAYS} days "
                                     "after the first.")
    class_ids: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        None, max_length=200, description="Classes of the school; null or left out: every class of the school. A "
                                          "class is in one running experiment at a time.")


class SettingsIn(_In):
    enabled: Flag = Field(description="true allows experiments; false stops every running one at once and lets "
                                      "none start until it is true again.")


class ClassOut(BaseModel):
    id: str
    name: str


class ExperimentOut(BaseModel):
    id: int
    name: str
    question: str
    arm_a: dict[str, Any] = Field(description="Arm A's changes to the school's path settings.")
    arm_b: dict[str, Any] = Field(description="Arm B's changes to the school's path settings.")
    classes: list[ClassOut] = Field(description="The classes it covers (a teacher: those they teach).")
    all_classes: bool = Field(description="It covers every class of the school.")
    starts_at: datetime
    ends_at: datetime = Field(description="The end of its last day (exclusive).")
    status: str = Field(description="running | stopped | scheduled (not started yet) | ended")
    students: dict[str, int] = Field(description="Students per arm (A, B) among those the caller may see.")

    @classmethod
    def of(cls, v: svc.ExperimentView) -> ExperimentOut:
        return cls(id=v.id, name=v.name, question=v.question, arm_a=dict(v.arm_a), arm_b=dict(v.arm_b),
                   classes=[ClassOut(id=i, name=n) for i, n in v.classes], all_classes=v.all_classes,
                   starts_at=v.starts_at, ends_at=v.ends_at, status=v.status, students=dict(v.students))


class MemberOut(BaseModel):
    learner_id: str
    name: str
    class_name: str
    arm: str = Field(description="A or B")
    assigned_at: datetime


class IntervalOut(BaseModel):
    value: float | None = Field(description="null when there is nothing to measure yet.")
    low: float | None = Field(description="The 95% interval's low end (bootstrap over students).")
    high: float | None


class MetricOut(BaseModel):
    key: str = Field(description="per_hour | retention | checks")
    name: str
    a: IntervalOut
    b: IntervalOut
    b_minus_a: IntervalOut
    conclusion: str
    verdict: str = Field(description="too_few | unclear | A | B: what the conclusion says, for a client that "
                                     "words it in its own language.")


class ReportOut(BaseModel):
    students: dict[str, int] = Field(description="Students per arm in the report.")
    conclusion: str = Field(description="The headline, in words: a difference is claimed only when its interval "
                                        "leaves out zero.")
    metrics: list[MetricOut]
    answers: int
    timed_answers: int = Field(description="Answers with a recorded duration.")
    durations: str = Field(description="recorded | some | estimated: where practice time comes from.")
    durations_note: str


def _interval(iv: svc.ReportInterval) -> IntervalOut:
    return IntervalOut(value=iv.value, low=iv.low, high=iv.high)


class ExperimentDetailOut(BaseModel):
    experiment: ExperimentOut
    members: list[MemberOut] = Field(description="Each student with their class and arm (a teacher: their own).")
    report: ReportOut

    @classmethod
    def of(cls, d: svc.ExperimentDetail, r: svc.ExperimentReport) -> ExperimentDetailOut:
        rep = r.report
        return cls(
            experiment=ExperimentOut.of(d.experiment),
            members=[MemberOut(learner_id=m.learner_id, name=m.name, class_name=m.class_name, arm=m.arm,
                               assigned_at=m.assigned_at) for m in d.members],
            report=ReportOut(
                students=dict(rep.students), conclusion=rep.conclusion, answers=rep.answers,
                timed_answers=rep.timed_answers, durations=rep.durations,
                durations_note=svc.DURATION_NOTES[rep.durations],
                metrics=[MetricOut(key=m.key, name=svc.METRIC_NAMES.get(m.key, m.key), a=_interval(m.a),
                                   b=_interval(m.b), b_minus_a=_interval(m.diff), conclusion=m.conclusion,
                                   verdict=m.verdict)
                         for m in rep.metrics]))


class SettingsOut(BaseModel):
    enabled: bool = Field(description="Whether the school allows experiments.")
    stopped: list[int] = Field(default_factory=list, description="The experiments this change stopped (PUT).")


@router.get("/experiments", responses=READ_ERRORS)
def list_experiments(uow: Tx, request: Request,
                     actor: Actor = policy("experiments:read", Role.ADMIN, Role.TEACHER)) -> list[ExperimentOut]:
    """The experiments the caller may read, newest first: an admin's school's, or those touching a
    class the teacher teaches (counting only their own students)."""
    return [ExperimentOut.of(v) for v in svc.list_experiments(uow, actor)]


@router.post("/experiments", status_code=status.HTTP_201_CREATED, responses=CREATE_ERRORS)
def create_experiment(uow: Tx, body: ExperimentIn, request: Request,
                      actor: Actor = policy("experiments:write", Role.ADMIN)) -> ExperimentOut:
    """Define an experiment in the admin's school and assign its students to arm A or B, balanced
    within each class (audited). Nothing is stored if anything is refused."""
    try:
        with fields_named(section_ids="class_ids"):
            view = svc.create_experiment(uow, actor, name=body.name, question=body.question,
                                         arm_a=body.arm_a.overrides(), arm_b=body.arm_b.overrides(),
                                         starts_on=body.starts_on, ends_on=body.ends_on, section_ids=body.class_ids)
    except Conflict as exc:  # the clash names the classes as the body calls them
        if exc.field == "section_ids":
            exc.field = "class_ids"
        raise
    return ExperimentOut.of(view)


# before /experiments/{experiment_id}, which would take "settings" for an id
@router.get("/experiments/settings", responses=READ_ERRORS)
def get_settings(uow: Tx, request: Request, actor: Actor = policy("experiments:read", Role.ADMIN)) -> SettingsOut:
    """Whether the admin's school allows experiments (on unless switched off)."""
    return SettingsOut(enabled=svc.experiments_enabled(uow, actor))


@router.put("/experiments/settings", responses=ERRORS)
def put_settings(uow: Tx, body: SettingsIn, request: Request,
                 actor: Actor = policy("experiments:write", Role.ADMIN)) -> SettingsOut:
    """Switch experiments on or off for the admin's school (audited). Off stops every running
    experiment at once: its students get the school's settings from their next page."""
    stopped = svc.set_experiments_enabled(uow, actor, body.enabled)
    return SettingsOut(enabled=body.enabled, stopped=stopped)


@router.get("/experiments/{experiment_id}", responses=ERRORS)
def get_experiment(uow: Tx, experiment_id: ExperimentId, request: Request,
                   actor: Actor = policy("experiments:read", Role.ADMIN, Role.TEACHER)) -> ExperimentDetailOut:
    """One experiment: its arms, which student is in which arm (a teacher: their own students; each
    one shown is an audited read) and the report per arm with 95% intervals and a conclusion."""
    with _uniform_not_found():
        detail = svc.experiment_detail(uow, actor, experiment_id)
        rep = svc.experiment_report(uow, actor, experiment_id)
    return ExperimentDetailOut.of(detail, rep)


@router.post("/experiments/{experiment_id}/stop", responses=ERRORS)
def stop_experiment(uow: Tx, experiment_id: ExperimentId, request: Request,
                    actor: Actor = policy("experiments:write", Role.ADMIN)) -> ExperimentOut:
    """Stop an experiment: from now on its students get the school's path settings again
    (audited). Stopping a stopped one changes nothing."""
    with _uniform_not_found():
        view = svc.stop_experiment(uow, actor, experiment_id)
    return ExperimentOut.of(view)
