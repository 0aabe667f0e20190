"""Route policies: every route says, in one line, who may call it.

Declare a policy on each route (or once on a router) and take the caller from it::

    from pathwise.web.policy import policy

    @router.get("/learners/{learner_id}")
    def read(learner_id: str, actor: Actor = policy("learner:read")) -> ...:
        ...  # the service call still asks services/access.py about this learner

    @router.get("/health", dependencies=[policy("public")])
    def health() -> ...: ...

    router = APIRouter(dependencies=[policy("xapi:write", Role.TEACHER, Role.ADMIN)])

A policy is a name (shown in the OpenAPI document as ``x-policy``) and optionally the
roles that may call the route at all. ``"public"`` lets anyone in (the caller, if
any, is still identified); every other policy needs a signed-in user, whose
``Actor`` it returns. The role gate answers 404 for other roles, like a missing page.
Cookie-authenticated changes (POST, PUT, PATCH, DELETE) must carry the session's
CSRF token. Which learner or class the actor may reach is decided by the service
call through ``services/access.py``, never here.

``tests/security/test_route_policies.py`` walks the application's routes and fails
on any route that declares no policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from starlette.routing import BaseRoute

from pathwise.domain.people import Role
from pathwise.services.access import Actor
from pathwise.services.errors import NotFound
from pathwise.web.auth import NotSignedIn, check_csrf, principal

PUBLIC = "public"


class Policy:
    """The dependency behind ``policy()``; its instances mark a route as declared."""

    def __init__(self, name: str, roles: frozenset[Role] | None = None) -> None:
        if not name or not name.strip():
            raise ValueError("a policy needs a name")
        self.name = name
        self.roles = roles

    @property
    def public(self) -> bool:
        return self.name == PUBLIC

    def __repr__(self) -> str:
        roles = ",".join(sorted(r.value for r in self.roles)) if self.roles else "any"
        return f"Policy({self.name!r}, roles={roles})"

    async def __call__(self, request: Request) -> Actor | None:
        who = await principal(request)
        request.state.policy = self.name
        if self.public:
            return who.actor if who else None
        if who is None:
            raise NotSignedIn(expired=bool(getattr(request.state, "session_expired", False)))
        if self.roles is not None and who.user.role not in self.roles:
            raise NotFound("not found")
        await check_csrf(request, who)
        return who.actor


def policy(name: str, *roles: Role) -> Any:
    """Declare a route's policy; use as a parameter default or in ``dependencies=[...]``."""
    return Depends(Policy(name, frozenset(roles) if roles else None))


def _walk(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _walk(sub)


def route_policies(route: BaseRoute) -> list[Policy]:
    """The policies a route itself declares (in its parameters, dependencies or its router's)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    return [d.call for d in _walk(dependant) if isinstance(d.call, Policy)]


@dataclass(frozen=True, slots=True)
class RouteEntry:
    """One reachable route with its full path and every policy that applies to it."""

    path: str
    route: BaseRoute
    policies: list[Policy]


def walk_routes(routes: Iterable[BaseRoute], prefix: str = "",
                inherited: Sequence[Any] = ()) -> Iterator[RouteEntry]:
    """Every route of an application, looking inside included routers.

    Dependencies given to ``include_router(..., dependencies=[policy(...)])`` count
    for every route of that router.
    """
    for route in routes:
        inner = getattr(route, "original_router", None)
        context = getattr(route, "include_context", None)
        if inner is not None and context is not None:
            deps = [*inherited, *context.dependencies]
            yield from walk_routes(inner.routes, prefix + context.prefix, deps)
            continue
        from_include = [d.dependency for d in inherited if isinstance(getattr(d, "dependency", None), Policy)]
        yield RouteEntry(prefix + getattr(route, "path", ""), route, [*from_include, *route_policies(route)])
