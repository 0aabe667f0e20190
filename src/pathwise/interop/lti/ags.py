"""Assignment and Grade Services: post a learner's mastery to a platform's line item.

The tool asks the platform's token endpoint for an access token with the OAuth 2
client-credentials grant, authenticating with a JWT signed by the tool's key
(RFC 7523), then posts a Score to ``<lineitem>/scores``. The score is the learner's
mastery of the activity's skills (0..1, scoreMaximum 1). It must not decide what the
score is (services/lti.py does) nor retry forever: one attempt, a clear error. What is
read from the database (the targets, the tool's key) is read in one transaction that
is closed before the platform is called, so no transaction waits on the network.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from pathwise.interop.lti.tool import sign_as_tool
from pathwise.services import lti as lti_service
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import Conflict

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


class PassbackFailed(Conflict):
    """The platform refused or could not be reached; nothing was recorded there."""


@dataclass(frozen=True, slots=True)
class PassbackResult:
    lineitem_url: str
    user_id: str
    score: float
    status_code: int


def scores_url(lineitem_url: str) -> str:
    parts = urllib.parse.urlsplit(lineitem_url)
    return urllib.parse.urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))


def access_token(key: tuple[str, str], platform: lti_service.Platform, scopes: list[str], http: httpx.Client) -> str:
    """An AGS access token, asked for with a client assertion signed by the tool's ``key``."""
    now = int(time.time())
    assertion = sign_as_tool(key, {"iss": platform.client_id, "sub": platform.client_id,
                                   "aud": platform.auth_token_url, "iat": now, "exp": now + 300,
                                   "jti": secrets.token_urlsafe(16)})
    try:
        resp = http.post(platform.auth_token_url, data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion, "scope": " ".join(scopes),
        })
    except httpx.HTTPError as exc:
        raise PassbackFailed(f"the platform's token endpoint could not be reached ({exc.__class__.__name__})") from None
    if resp.status_code != 200:
        raise PassbackFailed(f"the platform refused a token (HTTP {resp.status_code})")
    try:
        token = resp.json().get("access_token")
    except ValueError:
        token = None
    if not isinstance(token, str) or not token:
        raise PassbackFailed("the platform's token answer has no access_token")
    return token


def post_mastery(system: App, actor: Actor, platform_id: str, resource_link_id: str, learner_id: str,
                 http: httpx.Client | None = None, comment: str | None = None) -> PassbackResult:
    """Send the learner's mastery for the resource link's activity to its line item."""
    with transaction(system) as uow:
        target = lti_service.score_target(uow, actor, platform_id, resource_link_id, learner_id)
        key = lti_service.tool_key(uow)
    client = http or httpx.Client(timeout=15)
    try:
        return _send(key, target, client, comment)
    finally:
        if http is None:
            client.close()


def _send(key: tuple[str, str], target: lti_service.ScoreTarget, client: httpx.Client,
          comment: str | None = None) -> PassbackResult:
    token = access_token(key, target.platform, [SCORE_SCOPE], client)
    body: dict[str, Any] = {
        "userId": target.subject, "scoreGiven": round(target.score, 4), "scoreMaximum": 1,
        "activityProgress": "Completed" if target.score > 0 else "InProgress",
        "gradingProgress": "FullyGraded",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    if comment:
        body["comment"] = comment[:1000]
    try:
        resp = client.post(scores_url(target.lineitem_url), json=body,
                           headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE})
    except httpx.HTTPError as exc:
        raise PassbackFailed(f"the platform could not be reached ({exc.__class__.__name__})") from None
    if resp.status_code not in (200, 201, 202, 204):
        raise PassbackFailed(f"the platform refused the score (HTTP {resp.status_code})")
    return PassbackResult(target.lineitem_url, target.subject, body["scoreGiven"], resp.status_code)


def post_mastery_for_class(system: App, actor: Actor, platform_id: str, resource_link_id: str,
                           http: httpx.Client | None = None) -> tuple[list[PassbackResult], list[str]]:
    """Send every launched learner's mastery for a resource link; (sent, problems)."""
    with transaction(system) as uow:
        learners = lti_service.learners_for_resource_link(uow, actor, platform_id, resource_link_id)
        targets = [(learner_id, lti_service.score_target(uow, actor, platform_id, resource_link_id, learner_id))
                   for learner_id in learners]
        key = lti_service.tool_key(uow)
    client = http or httpx.Client(timeout=15)
    sent: list[PassbackResult] = []
    problems: list[str] = []
    try:
        for learner_id, target in targets:
            try:
                sent.append(_send(key, target, client))
            except PassbackFailed as exc:
                problems.append(f"{learner_id}: {exc}")
    finally:
        if http is None:
            client.close()
    return sent, problems
