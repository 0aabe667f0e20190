"""The LTI 1.3 endpoints: /lti/login, /lti/launch, /lti/jwks and /lti/deep-link.

They only translate HTTP to ``interop/lti`` and ``services/lti`` calls. The login sets
a short cookie holding the OIDC state, so a launch is accepted only in the browser
that started it; a launch that passes every check opens a Pathwise web session and
sends the user to their class or activity (a Deep Linking launch shows the activity
picker to a teacher instead). Failed checks answer 401 with the reason and change
nothing. Platforms frame the tool and receive the Deep Linking form post, so a
deployment must allow the registered platforms in ``frame-ancestors`` and
``form-action`` (see docs/standards.md).
"""

from __future__ import annotations

import html
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from pathwise.domain.people import Role
from pathwise.interop.lti import tool
from pathwise.services import lti as lti_service
from pathwise.services.access import Actor
from pathwise.web.auth import set_session_cookie, system_of
from pathwise.web.deps import Tx, WorkRoute
from pathwise.web.policy import policy

router = APIRouter(route_class=WorkRoute, tags=["lti"])
STATE_COOKIE = "pathwise_lti_state"


def _http(request: Request) -> Any:
    return getattr(request.app.state, "lti_http", None)


def _launch_url(request: Request) -> str:
    return str(request.url_for("lti_launch"))


def _login(request: Request, uow: Tx, params: dict[str, str]) -> Response:
    system = system_of(request)
    redirect = tool.login_redirect(uow, params, _launch_url(request))
    response = RedirectResponse(redirect.url, status_code=302)
    secure = system.settings.secure_cookies
    response.set_cookie(STATE_COOKIE, redirect.state, max_age=600, path="/lti", httponly=True,
                        samesite="none" if secure else "lax", secure=secure)
    return response


@router.get("/login", dependencies=[policy("public")])
def login_get(request: Request, uow: Tx) -> Response:
    """OIDC login initiation (third-party initiated login), by query string."""
    return _login(request, uow, {k: v for k, v in request.query_params.items()})


@router.post("/login", dependencies=[policy("public")])
def login_post(request: Request, uow: Tx, iss: Annotated[str, Form()] = "", login_hint: Annotated[str, Form()] = "",
               target_link_uri: Annotated[str, Form()] = "", client_id: Annotated[str, Form()] = "",
               lti_message_hint: Annotated[str, Form()] = "",
               lti_deployment_id: Annotated[str, Form()] = "") -> Response:
    """OIDC login initiation, by form post."""
    return _login(request, uow, {"iss": iss, "login_hint": login_hint, "target_link_uri": target_link_uri,
                            "client_id": client_id, "lti_message_hint": lti_message_hint})


def _landing(result: lti_service.LaunchResult) -> str:
    if result.role == Role.TEACHER and result.section_id:
        return f"/teacher/classes/{result.section_id}"
    if result.role == Role.STUDENT and result.skill_codes:
        return f"/practice/skill/{result.skill_codes[0]}"
    return {Role.STUDENT: "/student", Role.TEACHER: "/teacher", Role.GUARDIAN: "/guardian",
            Role.ADMIN: "/admin"}[result.role]


@router.post("/launch", name="lti_launch", dependencies=[policy("public")])
def launch(request: Request, uow: Tx, id_token: Annotated[str, Form()] = "",
           state: Annotated[str, Form()] = "") -> Response:
    """The platform posts the signed id_token here; every check must pass."""
    system = system_of(request)
    checked = tool.validate_launch(uow, id_token, state, request.cookies.get(STATE_COOKIE), _http(request))
    if checked.is_deep_linking:
        context = tool.sign_picker_context(uow, checked)  # the request must say where to return
        # who may choose activities (instructors of the platform's school) is the use case's rule
        result, choices = lti_service.deep_link_launch(uow, checked.claims)
        response: Response = HTMLResponse(_picker(context, choices, result.csrf_token))
    else:
        result = lti_service.complete_launch(uow, checked.claims)
        response = RedirectResponse(_landing(result), status_code=303)
    set_session_cookie(response, system, result.cookie)
    response.delete_cookie(STATE_COOKIE, path="/lti")
    return response


def _picker(context: str, choices: list[lti_service.ActivityChoice], csrf: str) -> str:
    rows = "".join(
        f'<li><label><input type="checkbox" name="activity_ids" value="{html.escape(c.id)}"> '
        f"{html.escape(c.title)} <small>({html.escape(c.kind)}, {c.minutes} min)</small></label></li>"
        for c in choices
    ) or "<li>No activities yet: add some to Pathwise first.</li>"
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Choose activities</title>"
        '<link rel="stylesheet" href="/static/app.css"></head><body><main>'
        "<h1>Choose Pathwise activities for this course</h1>"
        '<form method="post" action="/lti/deep-link">'
        f'<input type="hidden" name="context" value="{html.escape(context)}">'
        f'<input type="hidden" name="csrf_token" value="{html.escape(csrf)}">'
        f"<ul>{rows}</ul><button type=submit>Add to the course</button></form></main></body></html>"
    )


@router.post("/deep-link")
def deep_link(request: Request, uow: Tx, context: Annotated[str, Form()], activity_ids: Annotated[list[str], Form()],
              actor: Actor = policy("lti:deep-link", Role.TEACHER, Role.ADMIN)) -> Response:
    """Answer the platform's Deep Linking request with the chosen activities (signed JWT)."""
    platform, deployment, settings = tool.read_picker_context(uow, context)
    chosen = lti_service.deep_link_choices(uow, actor, platform.id, activity_ids)
    url, token = tool.deep_linking_response(uow, platform, deployment, settings, chosen, _launch_url(request))
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"return_url": url, "jwt": token})
    return HTMLResponse(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Back to the course</title></head><body>"
        f'<form method="post" action="{html.escape(url)}">'
        f'<input type="hidden" name="JWT" value="{html.escape(token)}">'
        "<p>Your choice is ready.</p><button type=submit>Return to the course</button></form></body></html>"
    )


@router.get("/jwks", dependencies=[policy("public")])
def jwks(uow: Tx) -> JSONResponse:
    """The tool's public keys (platforms check Deep Linking responses and token requests with them)."""
    return JSONResponse(tool.tool_jwks(uow))
