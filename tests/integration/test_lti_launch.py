"""LTI 1.3 end to end against an in-process fake platform with its own RSA keys.

The fake platform signs id_tokens, serves its JWKS, issues AGS access tokens (after
checking the tool's signed client assertion against /lti/jwks) and records scores.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, School, User
from pathwise.interop.lti.ags import post_mastery
from pathwise.services import auth as auth_service
from pathwise.services.context import transaction
from pathwise.services import lti as lti_service
from pathwise.services.access import Actor
from pathwise.services.evidence import record_evidence
from tests.security.web_client import WebClient

ISS = "https://lms.example"
CLIENT = "pathwise-tool"
DEPLOYMENT = "dep-1"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LINEITEM = "https://lms.example/api/courses/7/lineitems/42?type=x"


class FakePlatform:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "platform-key-1"
        self.scores: list[dict[str, Any]] = []
        self.tool_jwks: dict[str, Any] | None = None  # filled by the test from /lti/jwks

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, alg="RS256", use="sig")
        return {"keys": [jwk]}

    def id_token(self, nonce: str, *, key: Any = None, aud: str = CLIENT, exp_in: int = 300,
                 message_type: str = "LtiResourceLinkRequest", roles: tuple[str, ...] = (LEARNER,),
                 sub: str = "lms-user-1", **extra: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISS, "aud": aud, "sub": sub, "iat": now, "exp": now + exp_in, "nonce": nonce,
            "name": "Lena Learner", "email": "lena@school.example",
            LTI + "version": "1.3.0", LTI + "message_type": message_type, LTI + "deployment_id": DEPLOYMENT,
            LTI + "roles": list(roles),
            LTI + "context": {"id": "course-7", "title": "Maths 7B"},
            LTI + "target_link_uri": "http://testserver/lti/launch",
        }
        if message_type == "LtiResourceLinkRequest":
            claims[LTI + "resource_link"] = {"id": "rl-1"}
            claims[LTI + "custom"] = {"activity_id": "act-frac"}
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitem": LINEITEM}
        else:
            claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
                "deep_link_return_url": "https://lms.example/deep-link-return",
                "accept_types": ["ltiResourceLink"], "accept_multiple": True, "data": "opaque-123"}
        claims.update(extra)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    def handle(self, request: httpx.Request) -> httpx.Response:
        """The platform's HTTP side: JWKS, token endpoint, line item scores."""
        if request.url.path == "/jwks":
            return httpx.Response(200, json=self.jwks())
        if request.url.path == "/token":
            form = dict(urllib.parse.parse_qsl(request.content.decode()))
            assertion = form.get("client_assertion", "")
            assert self.tool_jwks is not None
            kid = jwt.get_unverified_header(assertion)["kid"]
            jwk = next(k for k in self.tool_jwks["keys"] if k["kid"] == kid)
            claims = jwt.decode(assertion, RSAAlgorithm.from_jwk(json.dumps(jwk)), algorithms=["RS256"],
                                audience="https://lms.example/token")
            if claims["iss"] != CLIENT or form.get("grant_type") != "client_credentials":
                return httpx.Response(401)
            return httpx.Response(200, json={"access_token": "granted-token", "token_type": "Bearer",
                                             "expires_in": 3600, "scope": form.get("scope", "")})
        if request.url.path.endswith("/lineitems/42/scores") and request.method == "POST":
            if request.headers.get("authorization") != "Bearer granted-token":
                return httpx.Response(401)
            assert request.headers["content-type"] == "application/vnd.ims.lis.v1.score+json"
            self.scores.append(json.loads(request.content))
            return httpx.Response(200, json={})
        return httpx.Response(404)


@pytest.fixture
def world(app):  # type: ignore[no-untyped-def]
    platform = FakePlatform()
    with app.uow() as uow:
        uow.schools.add(School("s1", "North"))
        uow.flush()
        uow.users.add(User("adm", "s1", "ada", "Ada Admin", Role.ADMIN))
        uow.activities.add(Activity("act-frac", "Adding fractions", ActivityKind.PRACTICE, ("frac.add",)))
        uow.commit()
    http = httpx.Client(transport=httpx.MockTransport(platform.handle))
    with transaction(app) as uow:
        reg = lti_service.add_platform(uow, Actor.system(), school_id="s1", name="School LMS", issuer=ISS,
                                       client_id=CLIENT, auth_login_url="https://lms.example/auth",
                                       auth_token_url="https://lms.example/token",
                                       jwks_url="https://lms.example/jwks", deployment_ids=[DEPLOYMENT])
    client = WebClient(app)
    client.asgi.state.lti_http = http
    platform.tool_jwks = client.get("/lti/jwks").json()
    yield {"app": app, "platform": platform, "client": client, "reg": reg, "http": http}
    client.close()
    http.close()


def _session(app, cookie):  # type: ignore[no-untyped-def]
    with transaction(app) as uow:
        return auth_service.resolve_session(uow, app.settings, cookie)


def _login(client: WebClient) -> tuple[str, str]:
    r = client.get("/lti/login", params={"iss": ISS, "login_hint": "u-1", "client_id": CLIENT,
                                         "target_link_uri": "http://testserver/lti/launch",
                                         "lti_message_hint": "hint-9"})
    assert r.status_code == 302
    url = urllib.parse.urlparse(r.headers["location"])
    assert url.netloc == "lms.example" and url.path == "/auth"
    q = dict(urllib.parse.parse_qsl(url.query))
    assert q["redirect_uri"] == "http://testserver/lti/launch" and q["client_id"] == CLIENT
    assert q["response_mode"] == "form_post" and q["lti_message_hint"] == "hint-9"
    return q["state"], q["nonce"]


def test_login_launch_signs_the_learner_into_the_class_and_activity(world) -> None:  # type: ignore[no-untyped-def]
    client, platform, app = world["client"], world["platform"], world["app"]
    state, nonce = _login(client)
    r = client.post("/lti/launch", data={"id_token": platform.id_token(nonce), "state": state})
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/practice/skill/frac.add"
    cookie = r.cookies.get("pathwise_session")
    session = _session(app, cookie)
    assert session is not None
    user = session.user
    assert user.role == Role.STUDENT and user.display_name == "Lena Learner" and user.school_id == "s1"
    with app.uow() as uow:
        classes = uow.sections.sections_of(user.id, Role.STUDENT)
        assert [c.name for c in classes] == ["Maths 7B"]
    with transaction(app) as uow:
        links = lti_service.resource_links(uow, Actor.system(), world["reg"].id)
    assert links == [{"resource_link_id": "rl-1", "activity_id": "act-frac", "section_id": classes[0].id,
                      "lineitem_url": LINEITEM}]
    # a second launch by the same platform user reuses the account and the class
    state, nonce = _login(client)
    r = client.post("/lti/launch", data={"id_token": platform.id_token(nonce), "state": state})
    assert r.status_code == 303
    again = _session(app, r.cookies.get("pathwise_session"))
    assert again is not None and again.user.id == user.id
    with app.uow() as uow:
        assert len(uow.sections.sections_of(user.id)) == 1


def test_instructor_launch_lands_on_the_class(world) -> None:  # type: ignore[no-untyped-def]
    client, platform = world["client"], world["platform"]
    state, nonce = _login(client)
    r = client.post("/lti/launch", data={"id_token": platform.id_token(nonce, roles=(INSTRUCTOR,), sub="t-1"),
                                         "state": state})
    assert r.status_code == 303, r.text
    assert r.headers["location"].startswith("/teacher/classes/")


@pytest.mark.parametrize("case", ["forged", "audience", "expired", "nonce", "deployment", "version"])
def test_bad_launches_are_rejected(world, case: str) -> None:  # type: ignore[no-untyped-def]
    client, platform, app = world["client"], world["platform"], world["app"]
    state, nonce = _login(client)
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = {
        "forged": lambda: platform.id_token(nonce, key=other_key),
        "audience": lambda: platform.id_token(nonce, aud="someone-else"),
        "expired": lambda: platform.id_token(nonce, exp_in=-3600, iat=int(time.time()) - 7200),
        "nonce": lambda: platform.id_token("a-nonce-we-never-issued"),
        "deployment": lambda: platform.id_token(nonce, **{LTI + "deployment_id": "dep-unknown"}),
        "version": lambda: platform.id_token(nonce, **{LTI + "version": "1.1"}),
    }[case]()
    r = client.post("/lti/launch", data={"id_token": token, "state": state})
    assert r.status_code == 401, r.text
    assert "pathwise_session" not in r.cookies
    with app.uow() as uow:
        assert uow.users.count(Role.STUDENT) == 0


def test_replayed_launch_is_rejected(world) -> None:  # type: ignore[no-untyped-def]
    client, platform = world["client"], world["platform"]
    state, nonce = _login(client)
    token = platform.id_token(nonce)
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 303
    # the same post again (state used), and the same token with a fresh login (nonce not issued to it)
    client.http.cookies.set("pathwise_lti_state", state, domain="testserver.local", path="/lti")
    assert client.post("/lti/launch", data={"id_token": token, "state": state}).status_code == 401
    state2, _ = _login(client)
    assert client.post("/lti/launch", data={"id_token": token, "state": state2}).status_code == 401


def test_replayed_nonce_is_refused_by_the_service(world) -> None:  # type: ignore[no-untyped-def]
    from pathwise.services.errors import AuthFailed

    app, reg = world["app"], world["reg"]
    with transaction(app) as uow:
        lti_service.remember_nonce(uow, reg.id, "n-1", datetime.now(UTC))
    with pytest.raises(AuthFailed, match="already used"), transaction(app) as uow:
        lti_service.remember_nonce(uow, reg.id, "n-1", datetime.now(UTC))


def test_launch_from_another_browser_is_rejected(world) -> None:  # type: ignore[no-untyped-def]
    client, platform = world["client"], world["platform"]
    state, nonce = _login(client)
    client.http.cookies.clear()
    r = client.post("/lti/launch", data={"id_token": platform.id_token(nonce), "state": state})
    assert r.status_code == 401


def test_deep_linking_returns_a_signed_response(world) -> None:  # type: ignore[no-untyped-def]
    client, platform = world["client"], world["platform"]
    state, nonce = _login(client)
    r = client.post("/lti/launch", data={"id_token": platform.id_token(
        nonce, message_type="LtiDeepLinkingRequest", roles=(INSTRUCTOR,), sub="t-1"), "state": state})
    assert r.status_code == 200 and "Adding fractions" in r.text
    context = r.text.split('name="context" value="')[1].split('"')[0]
    csrf = r.text.split('name="csrf_token" value="')[1].split('"')[0]
    r = client.post("/lti/deep-link", data={"context": context, "activity_ids": ["act-frac"], "csrf_token": csrf},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["return_url"] == "https://lms.example/deep-link-return"
    jwk = platform.tool_jwks["keys"][0]
    claims = jwt.decode(body["jwt"], RSAAlgorithm.from_jwk(json.dumps(jwk)), algorithms=["RS256"], audience=ISS)
    assert claims["iss"] == CLIENT
    assert claims[LTI + "message_type"] == "LtiDeepLinkingResponse"
    assert claims[LTI + "deployment_id"] == DEPLOYMENT
    assert claims["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-123"
    items = claims["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert items[0]["custom"] == {"activity_id": "act-frac"} and items[0]["lineItem"]["scoreMaximum"] == 1
    # without the CSRF token the selection is refused
    r = client.post("/lti/deep-link", data={"context": context, "activity_ids": ["act-frac"]})
    assert r.status_code == 403


def test_learners_cannot_deep_link(world) -> None:  # type: ignore[no-untyped-def]
    client, platform = world["client"], world["platform"]
    state, nonce = _login(client)
    r = client.post("/lti/launch", data={"id_token": platform.id_token(
        nonce, message_type="LtiDeepLinkingRequest"), "state": state})
    assert r.status_code == 401


def test_ags_passback_posts_mastery_to_the_line_item(world) -> None:  # type: ignore[no-untyped-def]
    client, platform, app, http = world["client"], world["platform"], world["app"], world["http"]
    state, nonce = _login(client)
    r = client.post("/lti/launch", data={"id_token": platform.id_token(nonce), "state": state})
    learner = _session(app, r.cookies.get("pathwise_session")).user  # type: ignore[union-attr]
    t0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system(), [
            Evidence(str(uuid.uuid4()), learner.id, EvidenceKind.ANSWER, ("frac.add",), 1.0,
                     t0.replace(minute=i), item_id=f"i{i}") for i in range(5)])
        uow.commit()
    with app.uow() as uow:
        mastery = uow.mastery.for_learner(learner.id)["frac.add"].p_mastery
    result = post_mastery(app, Actor.system(), world["reg"].id, "rl-1", learner.id, http=http)
    assert result.status_code == 200
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["userId"] == "lms-user-1" and score["scoreMaximum"] == 1
    assert score["scoreGiven"] == pytest.approx(mastery, abs=1e-4) and score["scoreGiven"] > 0
    assert score["gradingProgress"] == "FullyGraded"


def test_teacher_sends_the_class_scores_through_the_api(world) -> None:  # type: ignore[no-untyped-def]
    client, platform, app = world["client"], world["platform"], world["app"]
    for sub, roles in (("lms-user-1", (LEARNER,)), ("lms-user-2", (LEARNER,)), ("t-1", (INSTRUCTOR,))):
        state, nonce = _login(client)
        r = client.post("/lti/launch", data={"id_token": platform.id_token(nonce, sub=sub, roles=roles),
                                             "state": state})
        assert r.status_code == 303
    # the teacher's session (last launch) sends the scores; CSRF token from the session row
    cookie = r.cookies.get("pathwise_session")
    session = _session(app, cookie)
    assert session is not None and session.user.role == Role.TEACHER
    url = f"/api/v1/lti/platforms/{world['reg'].id}/resource-links/rl-1/scores"
    assert client.post(url).status_code == 403  # no CSRF token
    r = client.post(url, headers={"X-CSRF-Token": session.csrf_token})
    assert r.status_code == 200, r.text
    assert len(r.json()["sent"]) == 2 and r.json()["problems"] == []
    assert sorted(s["userId"] for s in platform.scores) == ["lms-user-1", "lms-user-2"]


def test_only_teachers_of_the_platforms_school_deep_link_by_the_use_case(world) -> None:  # type: ignore[no-untyped-def]
    # the rule lives in the use case (services.lti with access.require_same_school), not in the page
    from pathwise.services.errors import AuthFailed

    app, reg = world["app"], world["reg"]
    with transaction(app) as uow:
        uow.schools.add(School("s2", "South"))
    here = Actor("t-here", Role.TEACHER, "s1", via="lti")
    elsewhere = Actor("t-there", Role.TEACHER, "s2", via="lti")
    with transaction(app) as uow:
        chosen = lti_service.deep_link_choices(uow, here, reg.id, ["act-frac"])
    assert [c.id for c in chosen] == ["act-frac"]
    with pytest.raises(AuthFailed, match="another school"), transaction(app) as uow:
        lti_service.deep_link_choices(uow, elsewhere, reg.id, ["act-frac"])
    # a learner's Deep Linking launch is refused before anything is stored
    claims = lti_service.LaunchClaims(platform_id=reg.id, deployment_id=DEPLOYMENT,
                                      message_type="LtiDeepLinkingRequest", subject="lms-user-9", roles=(LEARNER,))
    with pytest.raises(AuthFailed, match="only instructors"), transaction(app) as uow:
        lti_service.deep_link_launch(uow, claims)
    with app.uow() as uow:
        assert uow.users.count(Role.STUDENT) == 0
    # an instructor of the platform's school gets the activities to choose from
    claims = lti_service.LaunchClaims(platform_id=reg.id, deployment_id=DEPLOYMENT,
                                      message_type="LtiDeepLinkingRequest", subject="t-9", roles=(INSTRUCTOR,))
    with transaction(app) as uow:
        result, choices = lti_service.deep_link_launch(uow, claims)
    assert result.role == Role.TEACHER and [c.id for c in choices] == ["act-frac"]


def test_a_learner_who_first_arrives_by_launch_joins_a_running_experiment_at_once(world) -> None:  # type: ignore[no-untyped-def]
    """The class a launch created is in a running experiment: a second learner launching into it
    gets an arm in the launch itself (audited), not only when someone next opens the experiment."""
    from datetime import UTC, datetime, timedelta

    from pathwise.services import experiments

    client, platform, app = world["client"], world["platform"], world["app"]
    state, nonce = _login(client)
    first = client.post("/lti/launch", data={"id_token": platform.id_token(nonce), "state": state})
    assert first.status_code == 303
    today = datetime.now(UTC).date()
    with transaction(app) as uow:
        exp = experiments.create_experiment(uow, Actor.system(), name="Launch joiners", question="", arm_a={},
                                            arm_b={"checks": "off"}, starts_on=today,
                                            ends_on=today + timedelta(days=10), school_id="s1")
    with app.uow() as uow:
        had = {a.learner_id for a in uow.experiments.assignments(exp.id)}
    assert len(had) == 1
    state, nonce = _login(client)
    second = client.post("/lti/launch", data={"id_token": platform.id_token(nonce, sub="lms-user-2"), "state": state})
    assert second.status_code == 303
    newcomer = _session(app, second.cookies.get("pathwise_session")).user
    with app.uow() as uow:
        joined = {a.learner_id for a in uow.experiments.assignments(exp.id)} - had
        audited = [a for a in uow.audit.recent(None, 200) if a.action == "experiments:assign"]
    assert joined == {newcomer.id}
    assert newcomer.id in {a.learner_id for a in audited}
