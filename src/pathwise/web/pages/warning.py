"""The teacher's "Who needs attention" page for a class: one row per student, most urgent
first, each with its reasons and links to the evidence.

The view translates only: the rules are in ``engine.insight.early_warning`` and the access
decision and audit in ``services.early_warning``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from pathwise.domain.people import Role
from pathwise.services import early_warning
from pathwise.services.access import Actor
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.pages.render import render
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, include_in_schema=False)


@router.get("/teacher/classes/{class_id}/attention")
def attention_page(uow: Tx, class_id: str, request: Request,
                   actor: Actor = policy("class:read", Role.TEACHER, Role.ADMIN)) -> HTMLResponse:
    """Who needs attention in a class, most urgent first."""
    view = early_warning.class_warnings(uow, actor, class_id)
    back = ("/teacher", "My classes") if actor.role == Role.TEACHER else ("/admin", "School")
    class_home = ("/teacher/classes/" if actor.role == Role.TEACHER else "/admin/classes/") + view.section_id
    return render(request, "warning/class.html", view=view, back=back, class_home=class_home,
                  title=f"{view.section_name}: who needs attention")
