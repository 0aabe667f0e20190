"""The LTI 1.3 tool protocol: login initiation, launch validation, Deep Linking, JWKS.

Every check a launch must pass is here, and a failure raises ``AuthFailed`` with a
message that says which check failed (never the token itself):
signature (RS256 only, key chosen by ``kid`` from the platform's JWKS), ``iss`` and
``aud`` (``azp`` when there are several audiences), ``exp``/``iat`` (60 s leeway), the
single-use ``state`` from our login redirect (also bound to the browser by a cookie),
the ``nonce`` we issued (and never seen before), the LTI version, message type and a
registered ``deployment_id``. It must not store anything itself (services/lti.py does)
and must not accept unsigned or HS256 tokens.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

from pathwise.services import lti as lti_service
from pathwise.services.context import UnitOfWork
from pathwise.services.errors import AuthFailed, Invalid

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
LEEWAY = 60
JWKS_CACHE_SECONDS = 300

_jwks_cache: dict[str, tuple[float, dict[str, Any]]] = {}


@dataclass(frozen=True, slots=True)
class LoginRedirect:
    url: str
    state: str


@dataclass(frozen=True, slots=True)
class Launch:
    """A checked launch: the claims the service needs and the raw claims for the doors."""

    claims: lti_service.LaunchClaims
    raw: dict[str, Any]
    platform: lti_service.Platform

    @property
    def is_deep_linking(self) -> bool:
        return self.claims.message_type == DEEP_LINKING


def login_redirect(uow: UnitOfWork, params: dict[str, str], launch_url: str) -> LoginRedirect:
    """Answer a platform's OIDC login initiation with the authentication request URL."""
    iss = params.get("iss", "")
    login_hint = params.get("login_hint", "")
    target = params.get("target_link_uri", "")
    if not iss or not login_hint or not target:
        raise Invalid("LTI login: iss, login_hint and target_link_uri are required", field="iss")
    platform = lti_service.find_platform(uow, iss, params.get("client_id") or None)
    if platform is None:
        raise AuthFailed("LTI login: this platform is not registered (issuer and client id)")
    state, nonce = lti_service.begin_login(uow, platform.id)
    query = {
        "scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
        "client_id": platform.client_id, "redirect_uri": launch_url, "login_hint": login_hint,
        "state": state, "nonce": nonce,
    }
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    sep = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(platform.auth_login_url + sep + urllib.parse.urlencode(query), state)


def _platform_keys(platform: lti_service.Platform, http: httpx.Client | None, refresh: bool = False) -> dict[str, Any]:
    if platform.jwks.get("keys"):
        return platform.jwks
    url = platform.jwks_url or ""
    cached = _jwks_cache.get(url)
    if cached and not refresh and time.monotonic() - cached[0] < JWKS_CACHE_SECONDS:
        return cached[1]
    client = http or httpx.Client(timeout=10)
    try:
        resp = client.get(url, headers={"Accept": "application/json"})
        resp.raise_for_status()
        keys = resp.json()
    except (httpx.HTTPError, json.JSONDecodeError, ValueError):
        raise AuthFailed("LTI launch: the platform's keys could not be fetched") from None
    finally:
        if http is None:
            client.close()
    if not isinstance(keys, dict) or not isinstance(keys.get("keys"), list):
        raise AuthFailed("LTI launch: the platform's JWKS is malformed")
    _jwks_cache[url] = (time.monotonic(), keys)
    return keys


def _key_for(platform: lti_service.Platform, kid: str | None, http: httpx.Client | None,
             refresh_first: bool = False) -> Any:
    for refresh in ((True,) if refresh_first else (False, True)):
        keys = _platform_keys(platform, http, refresh)
        matches = [k for k in keys["keys"] if isinstance(k, dict) and k.get("kty") == "RSA"
                   and (kid is None or k.get("kid") == kid)]
        if matches:
            try:
                return RSAAlgorithm.from_jwk(json.dumps(matches[0]))
            except (jwt.InvalidKeyError, ValueError, KeyError):
                raise AuthFailed("LTI launch: the platform's key is malformed") from None
        if platform.jwks.get("keys"):
            break
    raise AuthFailed("LTI launch: no platform key matches the token's kid")


def _decode(id_token: str, key: Any, platform: lti_service.Platform) -> dict[str, Any]:
    return jwt.decode(id_token, key=key, algorithms=["RS256"], audience=platform.client_id,  # type: ignore[no-any-return]
                      issuer=platform.issuer, leeway=LEEWAY,
                      options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]})


def _str(claims: dict[str, Any], key: str) -> str:
    v = claims.get(key)
    return v if isinstance(v, str) else ""


def validate_launch(uow: UnitOfWork, id_token: str, state: str, state_cookie: str | None,
                    http: httpx.Client | None = None) -> Launch:
    """Check a launch's id_token completely; see the module docstring for the checks."""
    if not id_token or len(id_token) > 64_000:
        raise AuthFailed("LTI launch: missing id_token")
    if not state_cookie or not secrets.compare_digest(state_cookie.encode(), (state or "").encode()):
        raise AuthFailed("LTI launch: the state does not match this browser's login")
    try:
        header = jwt.get_unverified_header(id_token)
        unverified = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise AuthFailed("LTI launch: the id_token is not a JWT") from None
    platform_id, expected_nonce = lti_service.consume_state(uow, state)
    platform = lti_service.get_platform(uow, platform_id)
    if platform is None:
        raise AuthFailed("LTI launch: unknown platform")
    if header.get("alg") != "RS256":
        raise AuthFailed("LTI launch: the id_token must be signed with RS256")
    if unverified.get("iss") != platform.issuer:
        raise AuthFailed("LTI launch: the token's issuer is not the platform that started the login")
    try:
        try:
            claims = _decode(id_token, _key_for(platform, header.get("kid"), http), platform)
        except jwt.InvalidSignatureError:
            if platform.jwks.get("keys"):
                raise
            # the platform may have rotated its keys under the same kid: fetch them afresh once
            claims = _decode(id_token, _key_for(platform, header.get("kid"), http, refresh_first=True), platform)
    except jwt.ExpiredSignatureError:
        raise AuthFailed("LTI launch: the id_token has expired") from None
    except jwt.InvalidAudienceError:
        raise AuthFailed("LTI launch: the id_token is not meant for this tool (aud)") from None
    except jwt.InvalidIssuerError:
        raise AuthFailed("LTI launch: wrong issuer") from None
    except jwt.InvalidSignatureError:
        raise AuthFailed("LTI launch: the id_token's signature is not the platform's") from None
    except jwt.PyJWTError as exc:
        raise AuthFailed(f"LTI launch: the id_token is not valid ({exc.__class__.__name__})") from None
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != platform.client_id:
        raise AuthFailed("LTI launch: several audiences and azp is not this tool")
    if not secrets.compare_digest(str(claims.get("nonce", "")).encode(), expected_nonce.encode()):
        raise AuthFailed("LTI launch: the nonce is not the one this login issued")
    if claims.get(LTI + "version") != "1.3.0":
        raise AuthFailed("LTI launch: only LTI 1.3.0 launches are accepted")
    message_type = _str(claims, LTI + "message_type")
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise AuthFailed(f"LTI launch: message type {message_type!r} is not supported")
    deployment = _str(claims, LTI + "deployment_id")
    if deployment not in platform.deployments:
        raise AuthFailed("LTI launch: this deployment is not registered")
    sub = _str(claims, "sub")
    if not sub:
        raise AuthFailed("LTI launch: anonymous launches are not supported (no sub)")
    exp = datetime.fromtimestamp(int(claims["exp"]), UTC)
    lti_service.remember_nonce(uow, platform.id, str(claims["nonce"]), exp)
    return Launch(_launch_claims(platform.id, claims, message_type, deployment, sub), claims, platform)


def _launch_claims(platform_id: str, c: dict[str, Any], message_type: str, deployment: str,
                   sub: str) -> lti_service.LaunchClaims:
    ctx = c.get(LTI + "context") if isinstance(c.get(LTI + "context"), dict) else {}
    rl = c.get(LTI + "resource_link") if isinstance(c.get(LTI + "resource_link"), dict) else {}
    custom = c.get(LTI + "custom") if isinstance(c.get(LTI + "custom"), dict) else {}
    lis = c.get(LTI + "lis") if isinstance(c.get(LTI + "lis"), dict) else {}
    ags = c.get(AGS + "endpoint") if isinstance(c.get(AGS + "endpoint"), dict) else {}
    roles = c.get(LTI + "roles") if isinstance(c.get(LTI + "roles"), list) else []
    activity = custom.get("activity_id") if isinstance(custom.get("activity_id"), str) else ""
    if not activity:
        target = _str(c, LTI + "target_link_uri")
        activity = urllib.parse.parse_qs(urllib.parse.urlparse(target).query).get("activity", [""])[0]
    scopes = ags.get("scope") if isinstance(ags.get("scope"), list) else []
    return lti_service.LaunchClaims(
        platform_id=platform_id, deployment_id=deployment, message_type=message_type, subject=sub,
        roles=tuple(r for r in roles if isinstance(r, str)), name=_str(c, "name"), given_name=_str(c, "given_name"),
        family_name=_str(c, "family_name"), email=_str(c, "email"),
        person_sourcedid=_str(lis, "person_sourcedid"), context_id=_str(ctx, "id"),
        context_title=_str(ctx, "title") or _str(ctx, "label"),
        course_section_sourcedid=_str(lis, "course_section_sourcedid"),
        resource_link_id=_str(rl, "id"), activity_id=activity,
        lineitem_url=_str(ags, "lineitem"), lineitems_url=_str(ags, "lineitems"),
        ags_scopes=tuple(s for s in scopes if isinstance(s, str)),
    )


# -- the tool's keys and Deep Linking ---------------------------------------------------------------


def _public_jwk(kid: str, pem: str) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    private = serialization.load_pem_private_key(pem.encode(), password=None)
    jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))  # type: ignore[arg-type]
    jwk.update(kid=kid, alg="RS256", use="sig")
    return jwk  # type: ignore[no-any-return]


def tool_jwks(uow: UnitOfWork) -> dict[str, Any]:
    """The tool's public keys, for /lti/jwks."""
    return {"keys": [_public_jwk(kid, pem) for kid, pem in lti_service.tool_public_keys(uow)]}


def sign_as_tool(key: tuple[str, str], claims: dict[str, Any]) -> str:
    """A JWT signed with the tool's key ``(kid, private PEM)`` (``services.lti.tool_key``)."""
    kid, pem = key
    return jwt.encode(claims, pem, algorithm="RS256", headers={"kid": kid})


def deep_linking_settings(launch: Launch) -> dict[str, Any]:
    settings = launch.raw.get(DL + "deep_linking_settings")
    if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
        raise AuthFailed("LTI deep linking: the launch has no deep_link_return_url")
    return settings


def deep_linking_response(uow: UnitOfWork, platform: lti_service.Platform, deployment_id: str,
                          settings: dict[str, Any], activities: list[lti_service.ActivityChoice],
                          launch_url: str) -> tuple[str, str]:
    """(return URL, signed JWT) answering a Deep Linking request with the chosen activities."""
    now = int(time.time())
    items = []
    for a in activities:
        items.append({
            "type": "ltiResourceLink", "title": a.title,
            "url": launch_url, "custom": {"activity_id": a.id},
            "lineItem": {"scoreMaximum": 1, "label": a.title, "resourceId": a.id, "tag": "mastery"},
        })
    accept = settings.get("accept_types")
    if isinstance(accept, list) and "ltiResourceLink" not in accept:
        raise Invalid("the platform does not accept LTI resource links here", field="accept_types")
    if settings.get("accept_multiple") is False and len(items) > 1:
        raise Invalid("the platform accepts only one activity here", field="activity_ids")
    claims: dict[str, Any] = {
        "iss": platform.client_id, "aud": platform.issuer, "iat": now, "exp": now + 300,
        "nonce": secrets.token_urlsafe(16),
        LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": "1.3.0",
        LTI + "deployment_id": deployment_id, DL + "content_items": items,
    }
    if isinstance(settings.get("data"), str):
        claims[DL + "data"] = settings["data"]
    return str(settings["deep_link_return_url"]), sign_as_tool(lti_service.tool_key(uow), claims)


def sign_picker_context(uow: UnitOfWork, launch: Launch) -> str:
    """A short-lived token carrying the Deep Linking request to the picker's form post."""
    settings = deep_linking_settings(launch)
    now = int(time.time())
    body = {"pid": launch.platform.id, "dep": launch.claims.deployment_id, "settings": settings,
            "iat": now, "exp": now + 3600, "aud": "pathwise-deep-link"}
    return sign_as_tool(lti_service.tool_key(uow), body)


def read_picker_context(uow: UnitOfWork, token: str) -> tuple[lti_service.Platform, str, dict[str, Any]]:
    keys = {kid: pem for kid, pem in lti_service.tool_public_keys(uow)}
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in keys:
            raise AuthFailed("deep linking: unknown key")
        from cryptography.hazmat.primitives import serialization

        public = serialization.load_pem_private_key(keys[kid].encode(), password=None).public_key()
        body = jwt.decode(token, public, algorithms=["RS256"], audience="pathwise-deep-link")  # type: ignore[arg-type]
    except jwt.PyJWTError:
        raise AuthFailed("deep linking: the selection form has expired; launch again from the course") from None
    platform = lti_service.get_platform(uow, str(body.get("pid", "")))
    if platform is None:
        raise AuthFailed("deep linking: unknown platform")
    return platform, str(body.get("dep", "")), dict(body.get("settings") or {})
