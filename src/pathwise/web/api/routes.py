"""The /api/v1 routes: authenticate, then call the same services the pages and CLI use.

Each route declares its policy (``web.policy``); the service call then asks the
access policy about the particular learner or class, so a learner you may not see
answers 404 exactly like a missing one. Writes happen in one unit of work that is
committed only when everything in the request succeeded.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from pathwise import __version__
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import Evidence, check_new, client_keyed
from pathwise.services import auth as auth_service
from pathwise.services import school
from pathwise.services.access import Actor, visible_sections
from pathwise.services.errors import Invalid
from pathwise.services.evidence import record_evidence
from pathwise.services.mastery import learner_mastery
from pathwise.web.api import schemas as s
from pathwise.web.auth import client_address, system_of
from pathwise.web.policy import policy
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute)

# What a route can answer besides its success; every route may also answer 401 when it needs a
# signed-in caller, 422 for a malformed body or parameter and 413 for a body too large (the
# application adds those to the OpenAPI document, web.app).
ERRORS = {
    404: {"model": s.ErrorOut, "description": "Missing, or not yours to see (the two look the same)."},
}


@router.get("/health", tags=["system"], dependencies=[policy("public")])
def health(uow: Tx, request: Request) -> s.Health:
    """Is the service up and its database reachable?"""
    ok = school.database_ok(uow)
    return s.Health(status="ok" if ok else "degraded", version=__version__, database="ok" if ok else "unreachable")


# -- authentication -----------------------------------------------------------------------------


@router.post("/auth/token", tags=["auth"], status_code=status.HTTP_201_CREATED, dependencies=[policy("public")],
             responses={401: {"model": s.ErrorOut, "description": "Wrong username or password."},
                        429: {"model": s.ErrorOut, "description": (
                            "Too many failed sign-ins from this client: wait the seconds in the Retry-After header.")}})
def token_for_credentials(uow: Tx, body: s.TokenRequest, request: Request) -> s.TokenOut:
    """Exchange a username and password for a named bearer token (for integrations).

    The token expires after the server's token lifetime (`expires_at`). Wrong passwords
    count against this client, as on the login page: past a few, it must wait (429).
    """
    return s.TokenOut.of(auth_service.token_for_credentials(uow, system_of(request).settings, body.username, body.password,
                                                            body.name, client=client_address(request)))


@router.post("/auth/tokens", tags=["auth"], status_code=status.HTTP_201_CREATED)
def create_token(uow: Tx, body: s.NamedTokenRequest, request: Request, actor: Actor = policy("self")) -> s.TokenOut:
    """Make another named bearer token for the signed-in user (it expires like every token)."""
    return s.TokenOut.of(auth_service.issue_token(uow, system_of(request).settings, actor, body.name))


@router.get("/auth/tokens", tags=["auth"])
def list_tokens(uow: Tx, request: Request, actor: Actor = policy("self")) -> list[s.TokenInfoOut]:
    """The signed-in user's tokens (names, dates and when each expires; never the secrets)."""
    return [s.TokenInfoOut.of(t) for t in auth_service.list_tokens(uow, actor)]


@router.delete("/auth/tokens/{token_id}", tags=["auth"], status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
def revoke_token(uow: Tx, token_id: str, request: Request, actor: Actor = policy("self")) -> Response:
    """Revoke one of the signed-in user's tokens; it stops working at once."""
    auth_service.revoke_token(uow, actor, token_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", tags=["auth"])
def me(uow: Tx, request: Request, actor: Actor = policy("self")) -> s.UserOut:
    """Who the credentials belong to."""
    return s.UserOut.of(school.me(uow, actor))


# -- learners -----------------------------------------------------------------------------------


@router.get("/learners", tags=["learners"])
def list_learners(uow: Tx, request: Request, actor: Actor = policy("learner:list")) -> list[s.LearnerOut]:
    """Learners the caller may see: themself, their children, their classes' students or their school's."""
    return [s.LearnerOut.of(u) for u in school.learners(uow, actor)]


@router.get("/learners/{learner_id}", tags=["learners"], responses=ERRORS)
def get_learner(uow: Tx, learner_id: str, request: Request, actor: Actor = policy("learner:read")) -> s.LearnerOut:
    """One learner's account details (the read is audited)."""
    out = s.LearnerOut.of(school.learner(uow, actor, learner_id))
    return out


@router.get("/learners/{learner_id}/mastery", tags=["learners"], responses=ERRORS)
def get_mastery(uow: Tx, learner_id: str, request: Request, actor: Actor = policy("learner:read")) -> list[s.SkillMasteryOut]:
    """The learner's current mastery estimate for every skill with evidence."""
    out = [s.SkillMasteryOut.of(m) for m in learner_mastery(uow, actor, learner_id)]
    return out


@router.get("/learners/{learner_id}/evidence", tags=["learners"], responses=ERRORS)
def get_evidence(uow: Tx, learner_id: str, request: Request,
                 limit: Annotated[int, Query(ge=1, le=500, description="Newest first, at most this many.")] = 50,
                 actor: Actor = policy("learner:read")) -> list[s.EvidenceOut]:
    """The learner's most recent evidence, newest first."""
    out = [s.EvidenceOut.of(e) for e in school.recent_evidence(uow, actor, learner_id, limit)]
    return out


@router.post("/evidence", tags=["evidence"], responses={**ERRORS, 200: {"model": s.RecordOut,
             "description": "Every id was already stored; nothing changed."},
             403: {"model": s.ErrorOut, "description": "Your role may not record this kind of evidence here."},
             409: {"model": s.ErrorOut, "description": "You already used one of these ids for other evidence."}},
             status_code=status.HTTP_201_CREATED)
def post_evidence(uow: Tx, body: s.EvidenceBatchIn, request: Request, response: Response,
                  actor: Actor = policy("learner:write")) -> s.RecordOut:
    """Record answers, observations or scores; all or nothing, idempotent by your evidence id.

    An id is yours: the same id sent again with the same content stores nothing new (200);
    with other content it is refused (409); another caller's id never clashes with yours.
    A student records only self-assessments here (their answers count when they answer the
    items Pathwise serves them in a practice session). Timestamps from 2000 to a day ahead;
    skills that exist. Mastery is updated in the same transaction. A learner the caller may
    not reach answers 404 and nothing of the batch is stored.
    """
    now = datetime.now(UTC)
    evidence: list[Evidence] = []
    for i, e in enumerate(body.evidence):
        try:
            ev = Evidence(
                id=e.id, learner_id=e.learner_id, kind=e.kind, skill_codes=tuple(e.skill_ids), score=e.score,
                timestamp=e.timestamp or now, item_id=e.item_id, recorded_by=actor.user_id, source="api",
                data=e.data,
            )
            check_new(ev, now)
        except ValidationError as exc:
            field = f"evidence.{i}.{exc.field}"
            raise Invalid(f"{field}: {exc.message}", field=field) from None
        evidence.append(client_keyed(ev, actor.user_id or "system", with_timestamp=e.timestamp is not None))
    system = system_of(request)
    result = record_evidence(uow, system.tracker(uow), actor, evidence)
    if result.stored == 0:
        response.status_code = status.HTTP_200_OK
    new = set(result.ids)
    yours = dict.fromkeys(ev.client.id for ev in evidence if ev.client and ev.id in new)
    return s.RecordOut(stored=result.stored, duplicates=result.duplicates, ids=list(yours))


# -- classes ------------------------------------------------------------------------------------


@router.get("/classes", tags=["classes"])
def list_classes(uow: Tx, request: Request, actor: Actor = policy("class:list")) -> list[s.ClassOut]:
    """Classes the caller teaches, attends, or (admins) all classes of their school."""
    return [s.ClassOut.of(c) for c in visible_sections(uow, actor)]


@router.get("/classes/{class_id}", tags=["classes"], responses=ERRORS)
def get_class(uow: Tx, class_id: str, request: Request, actor: Actor = policy("class:read")) -> s.ClassRosterOut:
    """A class with its teachers and roster (a student sees only themself in it)."""
    return s.ClassRosterOut.of_roster(school.class_roster(uow, actor, class_id))

