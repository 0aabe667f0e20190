"""The practice pages: one item at a time with immediate feedback, hints, the mastery
meter and the end-of-session summary; the teacher's rubric scoring pages; outside
evidence (students submit, teachers approve).

Plain HTML forms that work with the keyboard alone and without JavaScript (each
change is a POST followed by a redirect). Every route declares its policy; the
services decide which learner, session or class the actor may reach. Everything a
user typed is shown through Jinja2's autoescaping, never as markup. Views translate
only: no rules live here.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from pathwise.domain.people import Role
from pathwise.services import outside_work as ow
from pathwise.services import assessments as asm
from pathwise.services import library, paths, practice
from pathwise.services.access import Actor
from pathwise.services.errors import Conflict, Invalid, NotFound, ServiceError
from pathwise.web.auth import system_of
from pathwise.web.pages.forms import form_datetime
from pathwise.web.pages.render import render, school_zone
from pathwise.web.policy import policy
from pathwise.web.pages.links import safe_link
from pathwise.services.context import UnitOfWork
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute, include_in_schema=False)

CONFIDENCE = [("0.25", "Guessing"), ("0.5", "Not sure"), ("0.75", "Fairly sure"), ("1", "Certain")]


# Where an old link to an activity no longer on today's list leads: the path page, with a note.
MOVED = "/student/path?note=moved#whats-next"


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _start_page(request: Request, action: str, title: str, text: str, button: str) -> HTMLResponse:
    """A link (from another page, an LMS launch, a bookmark) shows what it would start; only
    the button (a POST with the session's CSRF token) starts it, so a link from another
    site cannot start a session or a timed assessment's clock."""
    return render(request, "practice/start.html", action=action, heading=title, text=text, button=button,
                  title=title)


@router.get("/practice/skill/{skill_code}")
def practice_start_page(uow: Tx, skill_code: str, request: Request,
                        actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    """What practising a skill would start (the button starts it, or resumes the open session)."""
    m = next((m for m in practice.practice_skills(uow, actor, actor.user_id or "") if m.skill_code == skill_code),
             None)
    if m is None:
        raise NotFound(f"no skill {skill_code}")
    locked = paths.locked_skills(uow, actor, actor.user_id or "")
    if skill_code in locked:
        return render(request, "practice/start.html", status_code=422, heading=f"{m.title} is locked for now",
                      text=f"{locked[skill_code]}.", action="", button="", title=m.title)
    return _start_page(request, f"/practice/skill/{skill_code}", f"Practise: {m.title}",
                       "A short session of questions on this skill, with hints when you want them.", "Start practising")


@router.post("/practice/skill/{skill_code}")
def open_practice(uow: Tx, skill_code: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    """Start practising a skill (or resume the open session on it)."""
    view = practice.start_session(uow, actor, actor.user_id or "", skill_code)
    return _see_other(f"/practice/session/{view.id}")


@router.get("/practice/activity/{activity_id}")
def activity_start_page(uow: Tx, activity_id: str, request: Request,
                        actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    learner = actor.user_id or ""
    if library.in_library(uow, actor, activity_id):  # a video, reading or project: its library page
        return _see_other(f"/library/{activity_id}")
    try:
        title = practice.activity_to_open(uow, actor, learner, activity_id)
    except NotFound:  # a path's own activity (a mastery check) lives on today's list only
        offered = {a.activity_id: a.title for a in paths.next_activities(uow, actor, learner).items}
        if activity_id not in offered:
            if practice.path_check_known(uow, actor, learner, activity_id):
                return _see_other(MOVED)  # a check no longer due: today's choice instead
            raise
        title = offered[activity_id]
    return _start_page(request, f"/practice/activity/{activity_id}", title,
                       "It opens as a practice session; your choice is kept on your path.", "Start")


@router.post("/practice/activity/{activity_id}")
def open_activity(uow: Tx, activity_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    """Open a practice activity offered on the student's path (the choice is recorded)."""
    learner = actor.user_id or ""
    try:
        picked = paths.choose_activity(uow, actor, learner, activity_id)
    except ServiceError:
        picked = None  # not on today's list (an old link): practising is still fine
    if picked is not None:
        return _see_other(opening(uow, actor, learner, picked))
    try:
        return _see_other(f"/practice/session/{practice.start_activity(uow, actor, learner, activity_id).id}")
    except NotFound:
        if practice.path_check_known(uow, actor, learner, activity_id):
            return _see_other(MOVED)  # a check no longer due: today's choice instead
        raise
    except Invalid:  # a video, reading or project: it opens on its library page
        practice.activity_to_open(uow, actor, learner, activity_id)  # one of the learner's school, or "not found"
        return _see_other(f"/library/{activity_id}")


def opening(uow: Any, actor: Actor, learner: str, picked: paths.NextActivity) -> str:
    """Where a chosen activity opens: a practice or check session (a mastery check is a
    mixed session of the checked skills' items), its link, or back home. The path page's
    choice and the practice page's links both open activities here."""
    if picked.kind in ("practice", "check"):
        try:
            view = practice.start_activity(uow, actor, learner, picked.activity_id)
            return f"/practice/session/{view.id}"
        except NotFound:
            pass
        if picked.purpose == "check":
            ids = paths.check_items(uow, actor, learner, picked.skills)
            if ids:
                view = practice.start_session(uow, actor, learner, picked.skills[0], mode="check", item_ids=ids,
                                              hints=False)
                return f"/practice/session/{view.id}"
    link = safe_link(picked.url)
    return link or "/student?chosen=1#whats-next"


def _next_up(uow, actor: Actor, learner: str) -> tuple[list[dict[str, str]], str]:  # type: ignore[no-untyped-def]
    try:
        na = paths.next_activities(uow, actor, learner)
    except ServiceError:
        return [], ""
    out = []
    for a in na.items:
        start = a.kind in ("practice", "check")  # a button that starts it; other activities are links
        href = f"/practice/activity/{a.activity_id}" if start else safe_link(a.url)
        if href:
            out.append({"href": href, "title": a.title, "reason": a.reason, "minutes": str(a.minutes),
                        "start": start})
    return out, na.message


@router.get("/practice/assessment/{assessment_id}")
def assessment_start_page(uow: Tx, assessment_id: str, request: Request,
                          actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    """What taking an assessment would start, with its time limit; the button starts the clock."""
    a = asm.assessment_to_take(uow, actor, assessment_id)
    limit = (f"You will have {a.time_limit_minutes} minutes (more if you have extra time) from when you press "
             "the button." if a.time_limit_minutes else "There is no time limit.")
    return _start_page(request, f"/practice/assessment/{assessment_id}", a.title, limit, "Start now")


@router.post("/practice/assessment/{assessment_id}")
def open_assessment(uow: Tx, assessment_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    view = asm.start_assessment(uow, actor, assessment_id)
    return _see_other(f"/practice/session/{view.id}")


def _session_page(uow: UnitOfWork, request: Request, actor: Actor, session_id: str, problem: str | None = None,
                  status_code: int = 200, typed: str | None = None) -> Response:
    """The session's page; after an unusable answer, ``typed`` puts the student's text back
    in the box (escaped like all text) so they can correct it rather than retype it."""
    view = practice.get_session(uow, actor, session_id)
    if view.finished:
        return _see_other(f"/practice/session/{session_id}/summary")
    current = practice.current_item(uow, actor, session_id)
    finished = None
    if current is None:
        finished = practice.last_finished(uow, actor, session_id)
        if finished is None:  # a fresh session: show its first item
            current = practice.next_item(uow, actor, session_id, tracker=system_of(request).tracker(uow))
    view = practice.get_session(uow, actor, session_id)
    return render(request, "practice/session.html", status_code=status_code, s=view, item=current,
                  finished=finished, problem=problem, attempt_id=uuid.uuid4().hex, confidence=CONFIDENCE,
                  title=view.meter.title, typed=typed)


@router.get("/practice/session/{session_id}")
def session_page(uow: Tx, session_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    return _session_page(uow, request, actor, session_id)


@router.post("/practice/session/{session_id}/answer")
def answer(uow: Tx, session_id: str, request: Request,
           presentation_id: Annotated[str, Form(max_length=64)],
           attempt_id: Annotated[str, Form(max_length=64)],
           response: Annotated[list[str] | None, Form(max_length=1000)] = None,
           confidence: Annotated[str, Form(max_length=8)] = "",
           actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    system = system_of(request)
    values = response or []
    value: str | list[str] = values if len(values) != 1 else values[0]
    item_type = ""
    conf: float | None = None
    if confidence:
        try:
            conf = float(confidence)
        except ValueError:
            conf = None
    cur = practice.current_item(uow, actor, session_id)
    if cur is not None and cur.id == presentation_id:
        item_type = cur.type
    if item_type in ("multiple_choice", "ordering") and isinstance(value, str):
        value = [value]
    if not values:
        value = "" if item_type not in ("multiple_choice", "ordering") else []
    try:
        res = practice.submit_answer(uow, system.tracker(uow), actor, presentation_id, value, attempt_id,
                                     confidence=conf)
    except Invalid as exc:
        return _session_page(uow, request, actor, session_id, problem=str(exc), status_code=422)
    if res.outcome.status == "invalid":
        typed = value[:500] if isinstance(value, str) else None
        return _session_page(uow, request, actor, session_id, problem=res.outcome.message, status_code=422,
                             typed=typed)
    return _see_other(f"/practice/session/{session_id}#feedback")


@router.post("/practice/session/{session_id}/hint")
def hint(uow: Tx, session_id: str, request: Request,
         presentation_id: Annotated[str, Form(max_length=64)],
         number: Annotated[int, Form(ge=1, le=50)],
         actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    system = system_of(request)
    h = practice.request_hint(uow, system.tracker(uow), actor, presentation_id, number)
    return _see_other(f"/practice/session/{session_id}#hint-{h.number}")


@router.post("/practice/session/{session_id}/next")
def next_question(uow: Tx, session_id: str, request: Request, skip: Annotated[str, Form(max_length=5)] = "",
                  easier: Annotated[str, Form(max_length=5)] = "",
                  actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    try:
        item = practice.next_item(uow, actor, session_id, skip=bool(skip), easier=bool(easier),
                                  tracker=system_of(request).tracker(uow))
    except Conflict as exc:
        if exc.field != "easier":
            raise
        # the button pressed twice (or an old page): the student is not stuck on the question
        # shown now, which is where the page goes back to
        return _see_other(f"/practice/session/{session_id}")
    if item is None:
        practice.finish_session(uow, actor, session_id)
        return _see_other(f"/practice/session/{session_id}/summary")
    return _see_other(f"/practice/session/{session_id}")


@router.post("/practice/session/{session_id}/finish")
def finish(uow: Tx, session_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    practice.finish_session(uow, actor, session_id)
    return _see_other(f"/practice/session/{session_id}/summary")


@router.get("/practice/session/{session_id}/summary")
def summary(uow: Tx, session_id: str, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> HTMLResponse:
    s = practice.session_summary(uow, actor, session_id)
    cal = practice.calibration(uow, actor, actor.user_id or "")
    return render(request, "practice/summary.html", summary=s, calibration=cal, title="Session summary")


@router.get("/practice")
def practice_home(uow: Tx, request: Request, actor: Actor = policy("practice:self", Role.STUDENT)) -> HTMLResponse:
    """The skills a student can practise, their assessments, and their outside-evidence submissions."""
    learner = actor.user_id or ""
    skills = practice.practice_skills(uow, actor, learner)
    assigned = asm.my_assignments(uow, actor, learner)
    subs = ow.my_submissions(uow, actor, learner)
    cal = practice.calibration(uow, actor, learner)
    next_up, next_message = _next_up(uow, actor, learner)
    locked = paths.locked_skills(uow, actor, learner)
    peer = asm.peer_tasks(uow, actor)
    outside_skills = ow.outside_skill_options(uow, actor)
    return render(request, "practice/home.html", skills=skills, assigned=assigned, submissions=subs, calibration=cal,
                  next_up=next_up, next_message=next_message, peer=peer, outside_skills=outside_skills,
                  locked=locked,
                  title="Practice",
                  reviewed=bool(request.query_params.get("reviewed")),
                  submitted=bool(request.query_params.get("submitted")))


@router.post("/practice/evidence")
def submit_evidence(uow: Tx, request: Request,
                    title: Annotated[str, Form(max_length=300)] = "",
                    description: Annotated[str, Form(max_length=5000)] = "",
                    artefact_url: Annotated[str, Form(max_length=1000)] = "",
                    skill_codes: Annotated[list[str] | None, Form(max_length=20)] = None,
                    actor: Actor = policy("practice:self", Role.STUDENT)) -> Response:
    try:
        ow.submit_outside_evidence(uow, actor, title, description, artefact_url or None, skill_codes or [])
    except Invalid as exc:
        learner = actor.user_id or ""
        return render(request, "practice/home.html", status_code=422, problem=str(exc),
                      skills=practice.practice_skills(uow, actor, learner),
                      assigned=asm.my_assignments(uow, actor, learner),
                      submissions=ow.my_submissions(uow, actor, learner),
                      calibration=practice.calibration(uow, actor, learner), title="Practice",
                      peer=asm.peer_tasks(uow, actor), outside_skills=ow.outside_skill_options(uow, actor),
                      form={"title": title, "description": description, "artefact_url": artefact_url,
                            "skill_codes": skill_codes or []})
    return _see_other("/practice?submitted=1#outside")


def _rubric_scores(form) -> tuple[dict[str, int], str | None]:  # type: ignore[no-untyped-def]
    """``criterion:<id>`` fields of a rubric form as points; the first bad field, if any."""
    scores: dict[str, int] = {}
    for key, value in form.multi_items():
        if key.startswith("criterion:") and isinstance(value, str) and value.strip():
            try:
                scores[key.split(":", 1)[1][:128]] = int(value)
            except ValueError:
                return scores, f"{key}: not a level"
    return scores, None


def _peer_page(uow: UnitOfWork, request: Request, actor: Actor, assessment_id: str, learner_id: str, problem: str | None = None,
               status_code: int = 200) -> HTMLResponse:
    a, rubric, mate, mine = asm.peer_review_form(uow, actor, assessment_id, learner_id)
    return render(request, "practice/peer.html", status_code=status_code, a=a, rubric=rubric, mate=mate, mine=mine,
                  problem=problem, title=f"Review {a.title}")


@router.get("/practice/peer/{assessment_id}/{learner_id}")
def peer_page(uow: Tx, assessment_id: str, learner_id: str, request: Request,
              actor: Actor = policy("peer:write", Role.STUDENT)) -> HTMLResponse:
    """A student scores a classmate's project with its rubric (the teacher confirms it later)."""
    return _peer_page(uow, request, actor, assessment_id, learner_id)


@router.post("/practice/peer/{assessment_id}/{learner_id}")
async def peer_post(uow: Tx, assessment_id: str, learner_id: str, request: Request,
                    actor: Actor = policy("peer:write", Role.STUDENT)) -> Response:
    form = await request.form()
    scores, bad = _rubric_scores(form)
    comment = str(form.get("comment", ""))[:5000]

    def work() -> None:
        if bad:
            raise Invalid(bad, "scores")
        system = system_of(request)
        asm.score_project(uow, system.tracker(uow), actor, assessment_id, learner_id, scores, comment)

    try:
        await run_in_threadpool(work)
    except Invalid as exc:
        return await run_in_threadpool(_peer_page, uow, request, actor, assessment_id, learner_id, problem=str(exc),
                                       status_code=422)
    return _see_other("/practice?reviewed=1#peer")


# -- teachers ---------------------------------------------------------------------------------


@router.get("/teacher/projects")
def projects(uow: Tx, request: Request, actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    items = asm.teacher_projects(uow, actor)
    pending = ow.pending_submissions(uow, actor)
    return render(request, "practice/projects.html", projects=items, pending=pending, title="Projects and evidence")


@router.get("/teacher/projects/{assessment_id}")
def project_page(uow: Tx, assessment_id: str, request: Request,
                 actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    a, rubric, rows = asm.project_roster(uow, actor, assessment_id)
    return render(request, "practice/project.html", a=a, rubric=rubric, rows=rows, title=a.title)


def _score_page(uow: UnitOfWork, request: Request, actor: Actor, assessment_id: str, learner_id: str, saved: bool = False,
                problem: str | None = None, status_code: int = 200) -> HTMLResponse:
    from pathwise.services.mastery import learner_mastery

    a = asm.get_assessment(uow, actor, assessment_id)
    rubric = asm.get_rubric(uow, actor, a.rubric_id or "")
    scores = asm.project_scores(uow, actor, assessment_id, learner_id)
    wanted = set(rubric.skill_codes)
    mastery = [m for m in learner_mastery(uow, actor, learner_id) if m.skill_code in wanted]
    return render(request, "practice/score.html", status_code=status_code, a=a, rubric=rubric, scores=scores,
                  mastery=mastery, saved=saved, problem=problem, title=f"Score {a.title}")


@router.get("/teacher/projects/{assessment_id}/learners/{learner_id}")
def score_page(uow: Tx, assessment_id: str, learner_id: str, request: Request, saved: str | None = None,
               actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    return _score_page(uow, request, actor, assessment_id, learner_id, saved=bool(saved))


@router.post("/teacher/projects/{assessment_id}/learners/{learner_id}")
async def score_post(uow: Tx, assessment_id: str, learner_id: str, request: Request,
                     actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    form = await request.form()
    scores, bad = _rubric_scores(form)
    comment = str(form.get("comment", ""))[:5000]
    if bad:
        return await run_in_threadpool(_score_page, uow, request, actor, assessment_id, learner_id, problem=bad,
                                       status_code=422)

    def work() -> None:
        system = system_of(request)
        asm.score_project(uow, system.tracker(uow), actor, assessment_id, learner_id, scores, comment)

    try:
        await run_in_threadpool(work)
    except Invalid as exc:
        return await run_in_threadpool(_score_page, uow, request, actor, assessment_id, learner_id, problem=str(exc),
                                       status_code=422)
    return _see_other(f"/teacher/projects/{assessment_id}/learners/{learner_id}?saved=1")


@router.post("/teacher/submissions/{submission_id}")
def review(uow: Tx, submission_id: str, request: Request, decision: Annotated[str, Form(pattern="^(approve|reject)$")],
           note: Annotated[str, Form(max_length=5000)] = "",
           actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    system = system_of(request)
    ow.review_submission(uow, system.tracker(uow), actor, submission_id, decision == "approve", note=note)
    return _see_other("/teacher/projects#submissions")


@router.get("/teacher/assessments")
def assessments_page(uow: Tx, request: Request, done: str | None = None,
                     actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    return _assessments_page(uow, request, actor, notice="Saved." if done else None)


def _assessments_page(uow: UnitOfWork, request: Request, actor: Actor, notice: str | None = None, problem: str | None = None,
                      status_code: int = 200) -> HTMLResponse:
    rows = asm.teacher_assessments(uow, actor)
    classes = asm.teaching_options(uow, actor)
    skills = asm.skill_options(uow, actor)
    misconceptions = asm.class_misconceptions(uow, actor)
    names = {c.id: c.name for c in classes}
    return render(request, "practice/assessments.html", status_code=status_code, rows=rows, classes=classes,
                  class_names=names, skills=skills, notice=notice, problem=problem, title="Assessments",
                  misconceptions=misconceptions,
                  observation_id=uuid.uuid4().hex)



@router.post("/teacher/assessments/{assessment_id}/assign")
def assign_post(uow: Tx, assessment_id: str, request: Request,
                class_id: Annotated[str, Form(max_length=64)],
                opens_at: Annotated[str, Form(max_length=40)] = "",
                closes_at: Annotated[str, Form(max_length=40)] = "",
                student_ids: Annotated[list[str] | None, Form(max_length=500)] = None,
                actor: Actor = policy("class:write", Role.TEACHER, Role.ADMIN)) -> Response:
    try:
        opens = form_datetime(opens_at, "opening", school_zone(request)) or datetime.now(UTC)
        closes = form_datetime(closes_at, "closing", school_zone(request))
        options = {c.id: {s.id for s in c.students} for c in asm.teaching_options(uow, actor)}
        group = [sid for sid in (student_ids or []) if sid in options.get(class_id, set())]
        asm.assign(uow, actor, assessment_id, class_id, opens, closes, group)
    except Invalid as exc:
        return _assessments_page(uow, request, actor, problem=str(exc), status_code=422)
    return _see_other("/teacher/assessments?done=1")


@router.post("/teacher/observations")
def observation_post(uow: Tx, request: Request,
                     learner_id: Annotated[str, Form(max_length=64)],
                     skill_code: Annotated[str, Form(max_length=128)],
                     level: Annotated[str, Form(pattern="^(0|0.5|1)$")],
                     note: Annotated[str, Form(max_length=5000)] = "",
                     observation_id: Annotated[str, Form(max_length=64)] = "",
                     actor: Actor = policy("learner:write", Role.TEACHER, Role.ADMIN)) -> Response:
    system = system_of(request)
    try:
        ow.record_observation(uow, system.tracker(uow), actor, learner_id, [skill_code], float(level), note,
                               observation_id or None)
    except Invalid as exc:
        return _assessments_page(uow, request, actor, problem=str(exc), status_code=422)
    return _see_other("/teacher/assessments?done=1#observe")
