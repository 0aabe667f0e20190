"""The teacher's everyday work in pages: rubrics, checks, units and projects (create, edit,
assign to a class, a group or one student), a project's hand-ins, a learner's evidence on
one skill, and overriding a mastery estimate with a reason.

Every rule is asked in the use cases (``services.assessments``, ``services.overrides``);
a form that fails comes back with what was typed and the problem next to it.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pathwise.domain.assessment import Assessment, Rubric
from pathwise.domain.people import Role
from pathwise.services import assessments as asm
from pathwise.services import library, outside_work, overrides
from pathwise.services.access import Actor
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.services.item_options import item_options
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.forms import form_datetime
from pathwise.web.pages.render import render, school_zone
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

CRITERIA_ROWS = 6  # criterion rows a rubric form offers (blank ones are ignored)
SKILL_BOXES = 6  # skill boxes an assessment form offers
KIND_WORDS = {"check": "mastery check", "unit": "unit assessment", "project": "project"}


_SHORT_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _short_name(typed: dict[str, Any]) -> None:
    """A new rubric's or assessment's id is part of its links: letters, digits, dots and dashes."""
    if typed["id"] and not _SHORT_NAME.fullmatch(typed["id"]):
        raise Invalid("the short name may use letters, digits, dots and dashes only (it is part of links)", "id")


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _skills(uow: UnitOfWork, actor: Actor) -> list[tuple[str, str]]:
    return asm.skill_options(uow, actor)


def _pick(values: list[str], options: list[tuple[str, str]]) -> list[str]:
    """Skill picker values (a code, or a skill's exact title) as codes; unknown text is kept
    as typed so that the use case names it in its message."""
    by_title = {title.casefold(): code for code, title in options}
    codes = {code for code, _ in options}
    out: list[str] = []
    for v in values:
        v = v.strip()
        if not v:
            continue
        code = v if v in codes else by_title.get(v.casefold(), v)
        if code not in out:
            out.append(code)
    return out


# -- the hub ------------------------------------------------------------------------------------


def project_handins(uow: UnitOfWork, actor: Actor, assessment_id: str) -> list[tuple[asm.ProjectLearner, Any]]:
    """The students a project was assigned to, each with the scores given so far and their
    latest hand-in (text, link or file; None before they hand it in): the hand-in list of the
    project page."""
    latest: dict[str, Any] = {}
    for h in library.project_handins(uow, actor, assessment_id):  # newest first
        latest.setdefault(h.learner_id, h)
    return [(row, latest.get(row.learner.id)) for row in asm.project_roster(uow, actor, assessment_id)[2]]


@router.get("/teacher/teaching")
def hub(uow: Tx, request: Request, done: str | None = None,
        actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Everything the teacher made or may assign, in sections reachable from the top."""
    rows = asm.teacher_assessments(uow, actor)
    classes = asm.teaching_options(uow, actor)
    rubrics = asm.teacher_rubrics(uow, actor)
    names = {c.id: c.name for c in classes}
    groups: dict[str, list[Any]] = {"project": [], "check": [], "unit": []}
    for a, assigned in rows:
        groups.setdefault(a.kind.value, []).append((a, assigned))
    return render(request, "teaching/hub.html", groups=groups, rubrics=rubrics, class_names=names,
                  notice="Saved." if done else None, title="Teaching: projects, checks and rubrics")


# -- rubrics ------------------------------------------------------------------------------------


def _rubric_form(r: Rubric | None) -> dict[str, Any]:
    if r is None:
        return {"id": "", "title": "", "criteria": []}
    return {"id": r.id, "title": r.title, "criteria": [
        {"id": c.id, "title": c.title, "skills": list(c.skill_codes),
         "levels": "\n".join(f"{lv.points} | {lv.label}" + (f" | {lv.description}" if lv.description else "")
                             for lv in sorted(c.levels, key=lambda lv: lv.points))}
        for c in r.criteria]}


def _rubric_page(uow: UnitOfWork, request: Request, actor: Actor, form: dict[str, Any], editing: bool,
                 problem: str | None = None, field: str | None = None, status_code: int = 200) -> HTMLResponse:
    rows = list(form["criteria"]) + [{"id": "", "title": "", "skills": [], "levels": ""}] * CRITERIA_ROWS
    return render(request, "teaching/rubric.html", status_code=status_code, form=form,
                  rows=rows[:max(CRITERIA_ROWS, len(form["criteria"]))], editing=editing, skills=_skills(uow, actor),
                  problem=problem, field=field, title="Edit rubric" if editing else "New rubric")


def _parse_levels(text: str, where: str) -> list[dict[str, Any]]:
    levels = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        try:
            points = int(parts[0])
        except ValueError:
            raise Invalid(f"{where}, level line {n}: start with the points, a whole number (like 2 | Secure)",
                          "levels") from None
        if len(parts) < 2 or not parts[1]:
            raise Invalid(f"{where}, level line {n}: give the level a name after the points (like 2 | Secure)",
                          "levels")
        levels.append({"points": points, "label": parts[1], "description": " | ".join(parts[2:])})
    return levels


async def _rubric_posted(request: Request, uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    """The form as typed (to show again) and the rubric data for the use case."""
    f = await request.form()
    options = await run_in_threadpool(_skills, uow, actor)
    typed: dict[str, Any] = {"id": str(f.get("id", "")).strip()[:64], "title": str(f.get("title", "")).strip()[:200],
                             "criteria": []}
    for i in range(30):
        cid = str(f.get(f"c{i}_id", "")).strip()[:64]
        title = str(f.get(f"c{i}_title", "")).strip()[:200]
        skills = _pick([str(v)[:128] for v in f.getlist(f"c{i}_skill")], options)
        levels = str(f.get(f"c{i}_levels", ""))[:4000]
        if cid or title or skills or levels.strip():
            typed["criteria"].append({"id": cid or f"c{i + 1}", "title": title, "skills": skills, "levels": levels})
    return typed


def _rubric_data(typed: dict[str, Any]) -> dict[str, Any]:
    if not typed["criteria"]:
        raise Invalid("add at least one criterion: a title, its skills and two or more levels", "criteria")
    return {"id": typed["id"], "title": typed["title"], "criteria": [
        {"id": c["id"], "title": c["title"], "skill_codes": c["skills"],
         "levels": _parse_levels(c["levels"], f"criterion {c['title'] or c['id']}")} for c in typed["criteria"]]}


@router.get("/teacher/teaching/rubrics/new")
def rubric_new(uow: Tx, request: Request,
               actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    return _rubric_page(uow, request, actor, _rubric_form(None), editing=False)


@router.post("/teacher/teaching/rubrics")
async def rubric_create(uow: Tx, request: Request,
                        actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    typed = await _rubric_posted(request, uow, actor)
    try:
        _short_name(typed)
        await run_in_threadpool(lambda: asm.save_rubric(uow, actor, _rubric_data(typed)))
    except (Invalid, Conflict) as exc:
        return await run_in_threadpool(_rubric_page, uow, request, actor, typed, False, str(exc),
                                       getattr(exc, "field", None), 422)
    return _see_other(f"/teacher/teaching/assessments/new?kind=project&rubric_id={typed['id']}")


@router.get("/teacher/teaching/rubrics/{rubric_id}")
def rubric_edit(uow: Tx, rubric_id: str, request: Request,
                actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    return _rubric_page(uow, request, actor, _rubric_form(asm.editable_rubric(uow, actor, rubric_id)), editing=True)


@router.post("/teacher/teaching/rubrics/{rubric_id}")
async def rubric_update(uow: Tx, rubric_id: str, request: Request,
                        actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    await run_in_threadpool(asm.editable_rubric, uow, actor, rubric_id)  # "not found" before reading the form
    typed = await _rubric_posted(request, uow, actor)
    typed["id"] = rubric_id
    try:
        await run_in_threadpool(lambda: asm.update_rubric(uow, actor, rubric_id, _rubric_data(typed)))
    except (Invalid, Conflict) as exc:
        return await run_in_threadpool(_rubric_page, uow, request, actor, typed, True, str(exc),
                                       getattr(exc, "field", None), 422)
    return _see_other("/teacher/teaching?done=1#rubrics")


# -- checks, units and projects -----------------------------------------------------------------


def _assessment_form(a: Assessment | None, kind: str = "check", rubric_id: str = "") -> dict[str, Any]:
    if a is None:
        return {"id": "", "title": "", "kind": kind if kind in KIND_WORDS else "check", "skills": [],
                "items": "", "rubric_id": rubric_id, "time_limit": "", "hints": False, "peer_review": False,
                "description": ""}
    return {"id": a.id, "title": a.title, "kind": a.kind.value, "skills": list(a.skill_codes),
            "items": "\n".join(a.item_ids), "rubric_id": a.rubric_id or "",
            "time_limit": str(a.time_limit_minutes or ""), "hints": a.hints_allowed, "peer_review": a.peer_review,
            "description": a.description}


def _assessment_page(uow: UnitOfWork, request: Request, actor: Actor, form: dict[str, Any], editing: bool,
                     problem: str | None = None, field: str | None = None, status_code: int = 200,
                     notice: str | None = None, can_edit: bool = True) -> HTMLResponse:
    extra = {}
    if editing:
        rows = {a.id: x for a, x in asm.teacher_assessments(uow, actor)}
        classes = asm.teaching_options(uow, actor)
        extra = {"assigned": rows.get(form["id"], []), "classes": classes,
                 "class_names": {c.id: c.name for c in classes},
                 "handins": project_handins(uow, actor, form["id"]) if form["kind"] == "project" else None,
                 "rubric": asm.get_rubric(uow, actor, form["rubric_id"]) if form["kind"] == "project"
                 and form["rubric_id"] else None}
    boxes = list(form["skills"]) + [""] * SKILL_BOXES
    return render(request, "teaching/assessment.html", status_code=status_code, form=form, editing=editing,
                  boxes=boxes[:max(SKILL_BOXES, len(form["skills"]) + 1)], skills=_skills(uow, actor),
                  item_options=item_options(uow, actor) if can_edit else [],
                  rubrics=asm.teacher_rubrics(uow, actor), kinds=KIND_WORDS, problem=problem, field=field,
                  notice=notice, can_edit=can_edit,
                  title=(form["title"] if editing else "New check, unit or project"), **extra)


async def _assessment_posted(request: Request, uow: UnitOfWork, actor: Actor) -> dict[str, Any]:
    f = await request.form()
    options = await run_in_threadpool(_skills, uow, actor)
    return {"id": str(f.get("id", "")).strip()[:64], "title": str(f.get("title", "")).strip()[:200],
            "kind": str(f.get("kind", "check"))[:16],
            "skills": _pick([str(v)[:128] for v in f.getlist("skill")], options),
            "items": "\n".join([str(v)[:128] for v in f.getlist("item")][:500] + [str(f.get("items", ""))[:20000]]),
            "rubric_id": str(f.get("rubric_id", "")).strip()[:64],
            "time_limit": str(f.get("time_limit", "")).strip()[:8], "hints": bool(f.get("hints")),
            "peer_review": bool(f.get("peer_review")), "description": str(f.get("description", ""))[:5000]}


def _assessment_data(typed: dict[str, Any]) -> dict[str, Any]:
    if typed["kind"] not in KIND_WORDS:
        raise Invalid("choose a mastery check, a unit assessment or a project", "kind")
    limit = None
    if typed["time_limit"]:
        try:
            limit = int(typed["time_limit"])
        except ValueError:
            raise Invalid("the time limit is a whole number of minutes", "time_limit_minutes") from None
    project = typed["kind"] == "project"
    if project and not typed["rubric_id"]:
        raise Invalid("choose the rubric the project is scored with (or make one first)", "rubric_id")
    return {"id": typed["id"], "title": typed["title"], "kind": typed["kind"], "skill_codes": typed["skills"],
            "item_ids": [] if project else [i.strip() for i in typed["items"].replace(",", "\n").splitlines()
                                            if i.strip()],
            "rubric_id": typed["rubric_id"] if project else None, "time_limit_minutes": limit,
            "hints_allowed": typed["hints"], "peer_review": typed["peer_review"] and project,
            "description": typed["description"]}


@router.get("/teacher/teaching/assessments/new")
def assessment_new(uow: Tx, request: Request, kind: str = "check", rubric_id: str = "",
                   actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    return _assessment_page(uow, request, actor, _assessment_form(None, kind[:16], rubric_id[:64]), editing=False)


@router.post("/teacher/teaching/assessments")
async def assessment_create(uow: Tx, request: Request,
                            actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    typed = await _assessment_posted(request, uow, actor)
    try:
        _short_name(typed)
        await run_in_threadpool(lambda: asm.save_assessment(uow, actor, _assessment_data(typed)))
    except (Invalid, Conflict) as exc:
        return await run_in_threadpool(_assessment_page, uow, request, actor, typed, False, str(exc),
                                       getattr(exc, "field", None), 422)
    return _see_other(f"/teacher/teaching/assessments/{typed['id']}?saved=1#assign")


@router.get("/teacher/teaching/assessments/{assessment_id}")
def assessment_edit(uow: Tx, assessment_id: str, request: Request, saved: str | None = None,
                    actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """The edit form for its maker or an admin; any teacher of the school sees it read-only
    and may assign it to their classes."""
    try:
        form = _assessment_form(asm.editable_assessment(uow, actor, assessment_id))
        can_edit = True
    except NotFound:
        form = _assessment_form(asm.get_assessment(uow, actor, assessment_id))  # "not found" for anyone else
        can_edit = False
    return _assessment_page(uow, request, actor, form, editing=True, notice="Saved." if saved else None,
                            can_edit=can_edit)


@router.post("/teacher/teaching/assessments/{assessment_id}")
async def assessment_update(uow: Tx, assessment_id: str, request: Request,
                            actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    await run_in_threadpool(asm.editable_assessment, uow, actor, assessment_id)
    typed = await _assessment_posted(request, uow, actor)
    typed["id"] = assessment_id
    try:
        await run_in_threadpool(lambda: asm.update_assessment(uow, actor, assessment_id, _assessment_data(typed)))
    except (Invalid, Conflict) as exc:
        return await run_in_threadpool(_assessment_page, uow, request, actor, typed, True, str(exc),
                                       getattr(exc, "field", None), 422)
    return _see_other(f"/teacher/teaching/assessments/{assessment_id}?saved=1")



@router.post("/teacher/teaching/assessments/{assessment_id}/assign")
def assign(uow: Tx, assessment_id: str, request: Request,
           target: Annotated[str, Form(max_length=200)] = "",
           opens_at: Annotated[str, Form(max_length=40)] = "",
           closes_at: Annotated[str, Form(max_length=40)] = "",
           student_ids: Annotated[list[str] | None, Form(max_length=500)] = None,
           actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """``target``: ``class:<id>`` (the whole class, or the students ticked in it) or
    ``student:<class id>:<student id>`` (one student)."""
    a = asm.get_assessment(uow, actor, assessment_id)
    try:
        kind, _, rest = target.partition(":")
        if kind == "student":
            class_id, _, one = rest.partition(":")
            group = [one]
        elif kind == "class" and rest:
            class_id = rest
            members = {s.id for c in asm.teaching_options(uow, actor) if c.id == class_id for s in c.students}
            group = [sid for sid in (student_ids or []) if sid in members]
        else:
            raise Invalid("choose a class, a group or a student to assign it to", "target")
        opens = form_datetime(opens_at, "opening", school_zone(request)) or datetime.now(UTC)
        asm.assign(uow, actor, a.id, class_id, opens, form_datetime(closes_at, "closing", school_zone(request)), group)
    except Invalid as exc:
        try:
            asm.editable_assessment(uow, actor, a.id)
            can_edit = True
        except NotFound:  # a colleague's: shown read-only, to assign
            can_edit = False
        return _assessment_page(uow, request, actor, _assessment_form(a), True, str(exc), exc.field, 422,
                                can_edit=can_edit)
    return _see_other("/teacher/teaching?done=1")


# -- a learner's evidence on a skill, and overriding the estimate ----------------------------------


def _skill_page(uow: UnitOfWork, request: Request, actor: Actor, learner_id: str, skill_code: str,
                problem: str | None = None, notice: str | None = None, status_code: int = 200) -> HTMLResponse:
    view = overrides.skill_evidence(uow, actor, learner_id, skill_code)
    learner = view.learner
    from pathwise.web.pages.charts import skill_history_figure
    return render(request, "teaching/skill.html", status_code=status_code, view=view, learner=learner,
                  problem=problem, notice=notice, title=f"{learner.display_name}: {view.title}",
                  observation_id=uuid.uuid4().hex,
                  history=skill_history_figure(uow, request, actor, learner.id, skill_code, view.title))


@router.get("/learners/{learner_id}/skills/{skill_code}")
def skill_page(uow: Tx, learner_id: str, skill_code: str, request: Request, saved: str | None = None,
               actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """One learner's estimate on one skill, how it was reached, and the evidence behind it."""
    return _skill_page(uow, request, actor, learner_id, skill_code, notice="Saved." if saved else None)


@router.post("/learners/{learner_id}/skills/{skill_code}/override")
def override(uow: Tx, learner_id: str, skill_code: str, request: Request,
             mastered: Annotated[str, Form(pattern="^(yes|no)$")],
             reason: Annotated[str, Form(max_length=2000)] = "",
             actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    system = system_of(request)
    try:
        overrides.override_mastery(uow, system.tracker(uow), actor, learner_id, skill_code, mastered == "yes", reason)
    except Invalid as exc:
        return _skill_page(uow, request, actor, learner_id, skill_code, problem=str(exc), status_code=422)
    return _see_other(f"/learners/{learner_id}/skills/{skill_code}?saved=1")


@router.post("/learners/{learner_id}/skills/{skill_code}/observation")
def observe(uow: Tx, learner_id: str, skill_code: str, request: Request,
            level: Annotated[str, Form(pattern="^(0|0.5|1)$")],
            note: Annotated[str, Form(max_length=5000)] = "",
            observation_id: Annotated[str, Form(max_length=64)] = "",
            actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """A teacher's observation of the learner on this skill (a double submit records it once)."""
    system = system_of(request)
    try:
        outside_work.record_observation(uow, system.tracker(uow), actor, learner_id, [skill_code], float(level), note,
                                        observation_id or None)
    except Invalid as exc:
        return _skill_page(uow, request, actor, learner_id, skill_code, problem=str(exc), status_code=422)
    return _see_other(f"/learners/{learner_id}/skills/{skill_code}?saved=1")


# -- hand-ins for library projects --------------------------------------------------------------


@router.get("/teacher/handins")
def library_handins(uow: Tx, request: Request,
                    actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """The library projects students of the teacher's classes (an admin's school) handed in work for."""
    return render(request, "teaching/handins.html", projects=library.library_projects(uow, actor),
                  title="Hand-ins for library projects")


@router.get("/teacher/library/{activity_id}/handins")
def library_project_handins(uow: Tx, activity_id: str, request: Request,
                            actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """One library project's hand-ins across the teacher's classes (each read audited)."""
    title, rows = library.activity_handins(uow, actor, activity_id)
    return render(request, "teaching/handins_project.html", project_title=title, rows=rows,
                  title=f"Hand-ins: {title}")


def _handin_page(uow: UnitOfWork, request: Request, actor: Actor, handin_id: str, *, saved: bool = False,
                 problem: str | None = None, status_code: int = 200,
                 form: dict[str, Any] | None = None) -> HTMLResponse:
    from pathwise.services.mastery import learner_mastery

    view = library.staff_handin(uow, actor, handin_id)
    wanted = set(view.skill_codes)
    mastery = [m for m in learner_mastery(uow, actor, view.learner.id) if m.skill_code in wanted]
    return render(request, "teaching/handin.html", status_code=status_code, v=view, mastery=mastery, saved=saved,
                  problem=problem, form=form or {}, title=f"{view.project_title}: {view.learner.display_name}")


@router.get("/teacher/handins/{handin_id}")
def handin_page(uow: Tx, handin_id: str, request: Request, saved: str | None = None,
                actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """One hand-in (its text, link and file) with the form that scores it."""
    return _handin_page(uow, request, actor, handin_id, saved=bool(saved))


@router.post("/teacher/handins/{handin_id}")
async def handin_score(uow: Tx, handin_id: str, request: Request,
                       actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    """Score a hand-in (its rubric's criteria, or one overall level) with a comment: it becomes evidence."""
    from pathwise.web.pages.practice import _rubric_scores

    form = await request.form()
    scores, bad = _rubric_scores(form)
    comment = str(form.get("comment", ""))[:5000]
    level = str(form.get("level", "")).strip()
    typed = {"comment": comment, "level": level, "scores": scores}

    def work() -> None:
        if bad:
            raise Invalid(bad, "scores")
        system = system_of(request)
        points = int(level) if level.isdigit() and len(level) < 4 else (-1 if level else None)
        library.score_handin(uow, system.tracker(uow), actor, handin_id, points=points,
                             scores=scores, comment=comment)

    try:
        await run_in_threadpool(work)
    except Invalid as exc:
        return await run_in_threadpool(lambda: _handin_page(uow, request, actor, handin_id, problem=str(exc),
                                                            status_code=422, form=typed))
    return _see_other(f"/teacher/handins/{handin_id}?saved=1")
