"""Experiment pages: the school's experiments between two path settings (/experiments), one
experiment with its arms, its students and the report per arm (/experiments/{id}); an admin
also defines, stops and switches experiments off there. A teacher reads the experiments that
touch their classes and sees only their own students' arms.

Plain HTML forms. Views translate only: every rule, check and access decision is in
``services.experiments`` (and ``services.access``); students and guardians find nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.services import experiments
from pathwise.services.access import Actor, visible_sections
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.i18n import N_
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

Short = Annotated[str, Form(max_length=200)]
NOTICES = {"created": N_("Experiment created: its students have their arms."),
           "stopped": N_("Experiment stopped: its students have the school's path settings again."),
           "on": N_("Experiments are switched on for the school."),
           "off": N_("Experiments are switched off: running experiments stopped.")}
METRICS = {"per_hour": N_("Skills mastered per hour of practice"), "retention": N_("Retention at review"),
           "checks": N_("Mastery checks passed per student")}
DURATIONS = {
    "recorded": N_("Practice time is the answers' recorded durations."),
    "some": N_("Practice time is the answers' recorded durations where they have one, else one minute an answer."),
    "estimated": N_("No answer has a recorded duration: practice time is estimated at one minute an answer."),
}
STATUS = {"running": N_("running"), "stopped": N_("stopped"), "scheduled": N_("not started yet"),
          "ended": N_("ended")}
SETTINGS = {"target_retention": N_("target retention of reviews"), "checks": N_("mastery checks"),
            "after_new_mastered": N_("a check after this many newly mastered skills"),
            "size": N_("skills in a check"), "every_days": N_("a check at least every this many days"),
            "wheel_spin_limit": N_("tries before a skill is flagged as wheel-spinning")}


def _arm_fields(form: Any, prefix: str) -> dict[str, str]:
    return {k: str(form.get(f"{prefix}_{k}", "") or "")[:20] for k in experiments.ARM_KEYS
            if str(form.get(f"{prefix}_{k}", "") or "").strip()}


def _list_page(uow: UnitOfWork, request: Request, actor: Actor, *, notice: str | None = None,
               problem: str | None = None, values: dict[str, Any] | None = None,
               status_code: int = 200) -> HTMLResponse:
    admin = actor.role == Role.ADMIN
    return render(request, "experiments/list.html", status_code=status_code,
                  views=experiments.list_experiments(uow, actor), admin=admin,
                  enabled=experiments.experiments_enabled(uow, actor) if admin else None,
                  classes=visible_sections(uow, actor) if admin else [], notice=notice, problem=problem,
                  values=values or {}, arm_keys=experiments.ARM_KEYS, settings_words=SETTINGS,
                  status_words=STATUS, title="Experiments")


@router.get("/experiments")
def experiments_list(uow: Tx, request: Request, done: str | None = None,
                     actor: Actor = policy("experiments:read", Role.ADMIN, Role.TEACHER)) -> HTMLResponse:
    """The experiments the reader may see; an admin also defines one and switches them on or off."""
    return _list_page(uow, request, actor, notice=NOTICES.get(done or ""))


@router.post("/experiments/new")
async def experiments_create(uow: Tx, request: Request,
                             actor: Actor = policy("experiments:write", Role.ADMIN)) -> Response:
    form = await request.form()
    values = {k: str(v)[:2000] for k, v in form.items() if k != "csrf_token"}
    try:
        view = experiments.create_experiment(
            uow, actor, name=values.get("name", ""), question=values.get("question", ""),
            arm_a=_arm_fields(form, "a"), arm_b=_arm_fields(form, "b"), starts_on=values.get("starts_on", ""),
            ends_on=values.get("ends_on", ""),
            section_ids=[str(s)[:64] for s in form.getlist("section_ids")][:200] or None)
    except (Invalid, Conflict) as exc:
        return _list_page(uow, request, actor, problem=str(exc), values=values,
                          status_code=409 if isinstance(exc, Conflict) else 422)
    return RedirectResponse(f"/experiments/{view.id}?done=created", status_code=303)


@router.post("/experiments/switch")
def experiments_switch(uow: Tx, enabled: Short = "",
                       actor: Actor = policy("experiments:write", Role.ADMIN)) -> Response:
    on = enabled == "on"
    experiments.set_experiments_enabled(uow, actor, on)
    return RedirectResponse(f"/experiments?done={'on' if on else 'off'}", status_code=303)


def _experiment_id(text: str) -> int:
    if not text.isdigit() or len(text) > 12:
        raise NotFound(f"no experiment {text[:20]}")
    return int(text)


@router.get("/experiments/{experiment_id}")
def experiment_page(uow: Tx, experiment_id: str, request: Request, done: str | None = None,
                    actor: Actor = policy("experiments:read", Role.ADMIN, Role.TEACHER)) -> HTMLResponse:
    """One experiment: its arms, its students' arms (a teacher's own students) and the report."""
    eid = _experiment_id(experiment_id)
    detail = experiments.experiment_detail(uow, actor, eid)
    rep = experiments.experiment_report(uow, actor, eid)
    return render(request, "experiments/detail.html", view=detail.experiment, members=detail.members,
                  report=rep.report, admin=actor.role == Role.ADMIN, notice=NOTICES.get(done or ""),
                  metric_words=METRICS, duration_words=DURATIONS, status_words=STATUS, settings_words=SETTINGS,
                  title=detail.experiment.name)


@router.post("/experiments/{experiment_id}/stop")
def experiment_stop(uow: Tx, experiment_id: str,
                    actor: Actor = policy("experiments:write", Role.ADMIN)) -> Response:
    eid = _experiment_id(experiment_id)
    experiments.stop_experiment(uow, actor, eid)
    return RedirectResponse(f"/experiments/{eid}?done=stopped", status_code=303)
