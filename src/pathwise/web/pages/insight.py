"""The school leader's pages: the school's progress in aggregate, as a page and as CSV.

The view calls ``services.leader`` (which decides who may see it and holds back every small
number) and draws or writes what it returns; it counts and suppresses nothing itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from pathwise.domain.people import Role
from pathwise.services import leader
from pathwise.services.access import Actor
from pathwise.web.auth import system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)


@router.get("/admin/insight")
def insight_page(uow: Tx, request: Request, actor: Actor = policy("school:insight", Role.ADMIN)) -> HTMLResponse:
    ov = leader.school_overview(uow, actor, k=system_of(request).settings.insight_min_students)
    return render(request, "admin/insight.html", ov=ov, t=ov.tables, states=leader.STATES,
                  weeks=leader.WEEKS)


@router.get("/admin/insight.csv")
def insight_csv(uow: Tx, request: Request, actor: Actor = policy("school:insight", Role.ADMIN)) -> Response:
    ov = leader.school_overview(uow, actor, k=system_of(request).settings.insight_min_students)
    return Response(leader.overview_csv(ov), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="school-progress.csv"'})
