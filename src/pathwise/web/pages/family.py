"""The family pages: a child's week, progress per unit, goals and ways to help at home, and the
printable progress report (for the guardian, and the same report for staff).

Views translate only: every access decision and every rule is in ``services.family`` (a child who
is not yours answers the uniform 404 from inside the use case).
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pathwise.domain.people import Role
from pathwise.services import family
from pathwise.services.access import Actor
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages import timefmt
from pathwise.web.pages.render import page_language, render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)


@router.get("/guardian/children/{learner_id}/progress")
def child_progress(uow: Tx, learner_id: str, request: Request,
                   actor: Actor = policy("learner:read", Role.GUARDIAN)) -> HTMLResponse:
    """This week, progress per unit, goals and ways to help at home, for a linked child."""
    view = family.family_view(uow, actor, learner_id)
    base = f"/guardian/children/{view.learner.id}"
    return render(request, "family/child.html", view=view, back=("/guardian", "My children"),
                  report_url=f"{base}/report", skills_url=base, profile_url=f"{base}/profile")


def _report(request: Request, view: family.FamilyView, back: tuple[str, str]) -> HTMLResponse:
    """The report is read on paper, later: its days are written in full, never "yesterday"."""
    tz = timefmt.zone(view.time_zone)
    lang = page_language(request)

    def on(day: date | datetime) -> str:
        return timefmt.full_day_text(day, tz, lang)

    return render(request, "family/report.html", view=view, back=back, on=on, made_on=on(view.now),
                  week_from_text=on(view.week_from))


@router.get("/guardian/children/{learner_id}/report")
def child_report(uow: Tx, learner_id: str, request: Request,
                 actor: Actor = policy("learner:read", Role.GUARDIAN)) -> HTMLResponse:
    """A dated progress report to print or keep as a PDF (for a conference with the teacher)."""
    view = family.family_view(uow, actor, learner_id)
    return _report(request, view, (f"/guardian/children/{view.learner.id}/progress", "Back to this week"))


@router.get("/learners/{learner_id}/report")
def learner_report(uow: Tx, learner_id: str, request: Request,
                   actor: Actor = policy("learner:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """The same progress report for staff who may read the learner."""
    view = family.family_view(uow, actor, learner_id)
    return _report(request, view, (f"/learners/{view.learner.id}", view.learner.display_name))
