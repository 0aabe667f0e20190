"""How a page is drawn: the templates, the navigation of each role, and the error page.

Every page module renders through ``render``, which fills in the signed-in user, the CSRF
token and the navigation, so no page can forget them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from pathwise import __version__
from pathwise.domain.people import Role

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
HOME = {Role.STUDENT: "/student", Role.TEACHER: "/teacher", Role.GUARDIAN: "/guardian", Role.ADMIN: "/admin"}
NAV: dict[Role, list[tuple[str, str]]] = {
    Role.STUDENT: [("/student", "My progress"), ("/practice", "Practice"), ("/student/profile", "My profile")],
    Role.TEACHER: [("/teacher", "My classes"), ("/teacher/teaching", "Projects and checks")],
    Role.GUARDIAN: [("/guardian", "My children")],
    Role.ADMIN: [("/admin", "School"), ("/admin/accounts", "Accounts"), ("/admin/roster", "Roster import"),
                 ("/admin/frameworks", "Frameworks and items"), ("/admin/privacy", "Privacy")],
}


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page with the signed-in user, the CSRF token and the navigation filled in."""
    who = getattr(request.state, "principal", None)
    base = {
        "user": who.user if who else None,
        "csrf_token": who.csrf_token if who else None,
        "nav": NAV.get(who.user.role, []) if who else [],
        "path": request.url.path,
        "version": __version__,
    }
    return TEMPLATES.TemplateResponse(request, name, {**base, **context}, status_code=status_code)


def error_page(request: Request, status: int, detail: str) -> HTMLResponse:
    titles = {401: "Please sign in", 403: "Not allowed", 404: "Not found", 409: "Conflict",
              422: "Please check what you sent"}
    message = "There is nothing here, or it is not yours to see." if status == 404 else detail
    return render(request, "error.html", status_code=status, title=titles.get(status, "Something went wrong"),
                  message=message, status=status)
