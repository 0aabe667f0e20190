"""Authentication: passwords, login with a per-account throttle, web sessions, API tokens.

- Passwords are hashed with argon2id (argon2-cffi); hashes are upgraded on login when
  the parameters change. An unknown username costs the same hash check as a known one.
- Login is throttled per account: ``settings.login_max_failures`` wrong passwords in a
  row lock the account for ``settings.login_lockout_minutes``. The counter lives in the
  users table, so every web worker sees the same state.
- A web session is a random cookie value; the database keeps only its SHA-256, the
  user, a CSRF token and two times. It expires after ``session_idle_minutes`` without
  use and ``session_absolute_hours`` after login, and logout revokes it.
- An API token is shown once when made; only its SHA-256 is stored.

This module decides who someone is, never what they may see: that is ``access.py``.
It never logs or returns a password, a hash, a cookie value or a token after creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pathwise.domain.people import User
from pathwise.services.access import Actor, require_account
from pathwise.config import Settings
from pathwise.domain.clock import utcnow
from pathwise.services.errors import AuthFailed, Invalid, NotFound
from pathwise.store.uow import UnitOfWork

TOKEN_PREFIX = "pw_"
MIN_PASSWORD_LENGTH = 10
_TOUCH_EVERY = timedelta(seconds=60)  # write last-seen times at most this often

WRONG_CREDENTIALS = "wrong username or password"
LOCKED = "too many failed attempts: this account is locked for a while, try again later"

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_dummy_hash: str | None = None


# -- passwords --------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (raises ``Invalid`` if it is too short)."""
    check_password_rules(password)
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise Invalid(f"password: use at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > 1024:
        raise Invalid("password: use at most 1024 characters", field="password")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; a missing or broken hash never matches."""
    global _dummy_hash
    if not password_hash:
        if _dummy_hash is None:
            _dummy_hash = _hasher.hash(secrets.token_urlsafe(16))
        try:  # spend the same time as a real check, then refuse
            _hasher.verify(_dummy_hash, password)
        except (VerificationError, InvalidHashError):
            pass
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def set_password(uow: UnitOfWork, actor: Actor, user_id: str, password: str) -> None:
    """Set a user's password (themself, an admin of their school, or the system)."""
    new_hash = hash_password(password)
    require_account(uow, actor, user_id)
    uow.users.set_password_hash(user_id, new_hash)
    uow.users.reset_login_failures(user_id)
    uow.web_sessions.revoke_all(user_id, utcnow())


# -- login with throttle ------------------------------------------------------------------------


def authenticate(uow: UnitOfWork, settings: Settings, username: str, password: str,
                 now: datetime | None = None) -> User:
    """The user whose credentials these are, or ``AuthFailed``.

    A wrong password counts against the account: ``AuthFailed`` keeps the work before it,
    so the door's transaction stores the count though the call fails. A locked account
    is refused even with the right password until the lock ends.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()
    creds = uow.users.credentials(username) if username else None
    if creds is None:
        verify_password(None, password or "")
        raise AuthFailed(WRONG_CREDENTIALS)
    user, password_hash, failures, locked_until = creds
    if locked_until is not None and locked_until > now:
        raise AuthFailed(LOCKED)
    if locked_until is not None:  # the lock has run out: start counting afresh
        failures = 0
    if not user.active or not verify_password(password_hash, password or ""):
        failures += 1
        lock = now + timedelta(minutes=settings.login_lockout_minutes) if failures >= settings.login_max_failures \
            else None
        uow.users.record_login_failure(user.id, failures, lock)
        raise AuthFailed(LOCKED if lock else WRONG_CREDENTIALS)
    if failures or locked_until is not None:
        uow.users.reset_login_failures(user.id)
    if password_hash and _hasher.check_needs_rehash(password_hash):
        uow.users.set_password_hash(user.id, _hasher.hash(password))
    return user


# -- web sessions -------------------------------------------------------------------------------


def secret_digest(value: str) -> str:
    """The stored form of a secret Pathwise hands out (a session cookie, an API token, an xAPI
    credential's secret): SHA-256 in hex. The secrets are long and random, so a fast hash is
    enough; only the holder has the value. One function for all of them."""
    return hashlib.sha256(value.encode()).hexdigest()


def open_session(uow: UnitOfWork, user_id: str, now: datetime) -> tuple[str, str]:
    """A new web session for ``user_id`` in the caller's unit of work: (cookie, CSRF token).
    Signing in with a password and an LTI launch both open sessions here."""
    cookie = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    uow.web_sessions.add(secret_digest(cookie), user_id, csrf, now)
    return cookie, csrf


@dataclass(frozen=True, slots=True)
class NewSession:
    """What the browser gets after login; ``cookie`` is never stored."""

    cookie: str
    csrf_token: str
    user: User


@dataclass(frozen=True, slots=True)
class ActiveSession:
    user: User
    csrf_token: str
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor.of(self.user, via="web")


def login(uow: UnitOfWork, settings: Settings, username: str, password: str,
          now: datetime | None = None) -> NewSession:
    """Check the credentials and open a web session (``AuthFailed`` otherwise)."""
    now = now or utcnow()
    user = authenticate(uow, settings, username, password, now)
    cookie, csrf = open_session(uow, user.id, now)
    return NewSession(cookie, csrf, user)


def resolve_session(uow: UnitOfWork, settings: Settings, cookie: str | None,
                    now: datetime | None = None) -> ActiveSession | None:
    """The live session for a cookie value, or None if unknown, revoked or expired."""
    if not cookie or len(cookie) > 200:
        return None
    now = now or utcnow()
    key = secret_digest(cookie)
    row = uow.web_sessions.get(key)
    if row is None or row.revoked_at is not None:
        return None
    idle_end = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    absolute_end = row.created_at + timedelta(hours=settings.session_absolute_hours)
    if now >= idle_end or now >= absolute_end:
        uow.web_sessions.revoke(key, now)
        return None
    user = uow.users.get(row.user_id)
    if user is None or not user.active:
        return None
    csrf = row.csrf_token
    if now - row.last_seen_at >= _TOUCH_EVERY:
        uow.web_sessions.touch(key, now)
        idle_end = now + timedelta(minutes=settings.session_idle_minutes)
    return ActiveSession(user, csrf, min(idle_end, absolute_end))


def logout(uow: UnitOfWork, cookie: str | None, now: datetime | None = None) -> None:
    """Revoke the session behind a cookie value (nothing happens for an unknown one)."""
    if not cookie:
        return
    key = secret_digest(cookie)
    if uow.web_sessions.get(key) is not None:
        uow.web_sessions.revoke(key, now or utcnow())


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


# -- API tokens ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token as made: ``token`` is shown this once and never again."""

    id: str
    name: str
    token: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def _check_token_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("name: give the token a name (what it is for)", field="name")
    if len(name) > 200:
        raise Invalid("name: use at most 200 characters", field="name")
    return name


def issue_token(uow: UnitOfWork, actor: Actor, name: str) -> NewToken:
    """A new bearer token that acts as ``actor``'s user."""
    if actor.user_id is None:
        raise Invalid("tokens belong to a user; the system actor has none")
    name = _check_token_name(name)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uuid.uuid4().hex
    if uow.users.get(actor.user_id) is None:
        raise NotFound(f"no user {actor.user_id}")
    uow.tokens.add(token_id, actor.user_id, name, secret_digest(token), [])
    return NewToken(token_id, name, token, utcnow())


def token_for_credentials(uow: UnitOfWork, settings: Settings, username: str, password: str,
                          name: str) -> NewToken:
    """Log in with a username and password (throttled) and get a named bearer token."""
    name = _check_token_name(name)
    user = authenticate(uow, settings, username, password)
    return issue_token(uow, Actor.of(user, via="api"), name)


def resolve_token(uow: UnitOfWork, token: str | None, now: datetime | None = None) -> User | None:
    """The user behind a bearer token, or None if unknown or revoked."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = now or utcnow()
    row = uow.tokens.by_hash(secret_digest(token))
    if row is None or row.revoked_at is not None:
        return None
    user = uow.users.get(row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= _TOUCH_EVERY:
        uow.tokens.mark_used(row.id, now)
    return user


def list_tokens(uow: UnitOfWork, actor: Actor) -> list[TokenInfo]:
    """The actor's own tokens (never the secrets)."""
    if actor.user_id is None:
        return []
    rows = uow.tokens.for_user(actor.user_id)
    return sorted(
        (TokenInfo(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at is not None) for r in rows),
        key=lambda t: t.created_at,
    )


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: str) -> None:
    """Revoke one of the actor's own tokens; someone else's answers ``NotFound``."""
    mine = {r.id for r in uow.tokens.for_user(actor.user_id or "")}
    if token_id not in mine:
        raise NotFound(f"no token {token_id}")
    uow.tokens.revoke(token_id, utcnow())
