"""Authentication: passwords, login with a per-client throttle, web sessions, API tokens.

- Passwords are hashed with argon2id (argon2-cffi); hashes are upgraded on login when
  the parameters change. An unknown username costs the same hash check as a known one.
- One password rule (``password_problem``): at least 12 characters, not one of the
  30,000 most common passwords shipped in ``password_data`` (nor one of them with digits
  or symbols around it), not a repeat or a keyboard or alphabet run, and not the username
  or containing it (docs/decisions/0008).
- Sign-ins are throttled per client, never per account: failures are counted per
  (username, client address) and per address under keyed hashes in ``login_throttle``, so
  every web worker sees them. Past ``login_max_failures`` (per name and address) or
  ``login_address_max_failures`` (per address) failures, each further failure makes that
  client wait twice as long as the last (up to ``login_max_delay_seconds``), and a waiting
  client is answered ``Throttled`` (429 with Retry-After) without a check. An unknown name is
  counted, answered and timed exactly like a real one, and failures from one address never
  stop the account's owner signing in from another.
- A web session is a random cookie value; the database keeps only its SHA-256, the
  user, a CSRF token and two times. It expires after ``session_idle_minutes`` without
  use and ``session_absolute_hours`` after login, and logout revokes it.
- An API token is shown once when made; only its SHA-256 is stored. It expires
  ``api_token_days`` after it was made. A new password or a deactivation revokes all of
  the user's sessions and tokens (``revoke_all_access``).

This module decides who someone is, never what they may see: that is ``access.py``.
It never logs or returns a password, a hash, a cookie value or a token after creation;
its log names an account only by a keyed hash of the username (``account_tag``).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import re
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pathwise.domain.people import User
from pathwise.services.access import Actor, require_account
from pathwise.config import Settings
from pathwise.domain.clock import utcnow
from pathwise.services.errors import AuthFailed, Invalid, NotFound, Throttled
from pathwise.store.uow import UnitOfWork

log = logging.getLogger(__name__)

TOKEN_PREFIX = "pw_"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
_TOUCH_EVERY = timedelta(seconds=60)  # write last-seen times at most this often

WRONG_CREDENTIALS = "wrong username or password"
THROTTLED = "too many failed sign-ins from here: wait {wait}, then try again"

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_dummy_hash: str | None = None


# -- passwords --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-case (password_data/LICENSE.txt says whence)."""
    text = resources.files("pathwise.services").joinpath("password_data/common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


_RUNS = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm",
         "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn")
_AROUND = string.digits + string.punctuation + string.whitespace
_SEPARATORS = re.compile(r"[\s._@+-]+")


def _is_run(text: str) -> bool:
    """Made of runs on the keyboard or the alphabet (either way, wrapping round)."""
    if len(text) < 4:
        return False
    for run in _RUNS:
        for r in (run * 4, run[::-1] * 4):
            if text in r:
                return True
    return False


def _repeats(text: str) -> bool:
    """One short piece said again and again ("aaaaaaaaaaaa", "abcabcabcabc", "passwordpassword")."""
    n = len(text)
    return any(n % size == 0 and text == text[:size] * (n // size) for size in range(1, n // 2 + 1))


def password_problem(password: str, username: str | None = None) -> str | None:
    """What is wrong with ``password`` as a new password for ``username``, or None.

    The one password rule: every door that sets a password (the CLI, account creation, an
    admin or the user) goes through it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"password: use at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"password: use at most {MAX_PASSWORD_LENGTH} characters"
    lower = password.casefold()
    name = (username or "").strip().casefold()
    if name and (lower == name or (len(name) >= 3 and name in lower)):
        return "password: must not be or contain the username"
    common = common_passwords()
    core = lower.strip(_AROUND)
    bare = _SEPARATORS.sub("", lower)
    if lower in common or core in common or bare in common:
        return "password: this is one of the most common passwords (or one with digits or symbols added); " \
               "choose another, e.g. a few unrelated words"
    patterned = [lower, bare] + ([core] if len(core) * 2 >= len(lower) else [])
    if any(_repeats(p) or _is_run(p) for p in patterned):
        return "password: repeats a pattern or follows the keyboard or the alphabet; choose another"
    return None


def check_password_rules(password: str, username: str | None = None) -> None:
    """``Invalid`` (field ``password``) when the rule refuses ``password``."""
    problem = password_problem(password, username)
    if problem:
        raise Invalid(problem, field="password")


def how_long(seconds: int) -> str:
    """A wait in words: "1 second", "40 seconds", "2 minutes"."""
    if seconds < 60:
        return f"{seconds} second" + ("" if seconds == 1 else "s")
    minutes = -(-seconds // 60)
    return f"{minutes} minute" + ("" if minutes == 1 else "s")


def hash_password(password: str, username: str | None = None) -> str:
    """An argon2id hash of ``password`` (``Invalid`` if the password rule refuses it)."""
    check_password_rules(password, username)
    return _hasher.hash(password)


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


def revoke_all_access(uow: UnitOfWork, user_id: str, now: datetime | None = None) -> None:
    """End every web session and revoke every API token of a user (a new password, a
    deactivation): what was handed out under the old state stops working at once."""
    now = now or utcnow()
    uow.web_sessions.revoke_all(user_id, now)
    uow.tokens.revoke_all(user_id, now)


def set_password(uow: UnitOfWork, actor: Actor, user_id: str, password: str) -> None:
    """Set a user's password (themself, an admin of their school, or the system); every
    session and token of the user ends."""
    user = require_account(uow, actor, user_id)
    new_hash = hash_password(password, user.username)
    uow.users.set_password_hash(user_id, new_hash)
    revoke_all_access(uow, user_id)


# -- login with throttle ------------------------------------------------------------------------


def _keyed(settings: Settings, *parts: str) -> str:
    return hmac.new(settings.secret_key.encode(), "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def account_tag(settings: Settings, username: str) -> str:
    """How the log names an account: a keyed hash of the login name (never the name)."""
    return _keyed(settings, "log", (username or "").strip().lower())[:12]


def _throttle_keys(settings: Settings, username: str, client: str) -> tuple[str, str]:
    return _keyed(settings, "name+address", username, client), _keyed(settings, "address", client)


def _count_failure(uow: UnitOfWork, settings: Settings, keys: tuple[str, str], now: datetime) -> None:
    fresh_before = now - timedelta(minutes=settings.login_failure_window_minutes)
    for key, free in zip(keys, (settings.login_max_failures, settings.login_address_max_failures)):
        failures = uow.login_throttle.add_failure(key, now, fresh_before)
        if failures >= free:
            delay = min(2 ** min(failures - free, 30), settings.login_max_delay_seconds)
            uow.login_throttle.block(key, now + timedelta(seconds=delay))
    uow.login_throttle.prune(now, fresh_before)


def authenticate(uow: UnitOfWork, settings: Settings, username: str, password: str,
                 now: datetime | None = None, client: str = "unknown") -> User:
    """The user whose credentials these are, or ``AuthFailed``.

    ``client`` is the caller's address. A client that has failed too often waits
    (``Throttled``, before any check); a failure counts against the client (``AuthFailed``
    keeps the work before it, so the door's transaction stores the count though the call
    fails). A real and an unknown name are answered alike, in the same time class.
    """
    now = now or utcnow()
    username = (username or "").strip().lower()
    client = (client or "unknown")[:100]
    keys = _throttle_keys(settings, username, client)
    until = uow.login_throttle.blocked_until(keys)
    if until is not None and until > now:
        wait = max(1, math.ceil((until - now).total_seconds()))
        log.warning("sign-in refused: client must wait %ss (account %s, client %s)", wait,
                    account_tag(settings, username), client)
        raise Throttled(THROTTLED.format(wait=how_long(wait)), wait)
    creds = uow.users.credentials(username) if username else None
    user, password_hash = creds if creds is not None else (None, None)
    matches = verify_password(password_hash, password or "")  # one hash check, known name or not
    if user is None or not user.active or not matches:
        _count_failure(uow, settings, keys, now)
        log.warning("sign-in refused: wrong username or password (account %s, client %s)",
                    account_tag(settings, username), client)
        raise AuthFailed(WRONG_CREDENTIALS)
    uow.login_throttle.clear(keys[0])
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
          now: datetime | None = None, client: str = "unknown") -> NewSession:
    """Check the credentials and open a web session (``AuthFailed`` otherwise)."""
    now = now or utcnow()
    user = authenticate(uow, settings, username, password, now, client)
    cookie, csrf = open_session(uow, user.id, now)
    return NewSession(cookie, csrf, user)


def resolve_session(uow: UnitOfWork, settings: Settings, cookie: str | None,
                    now: datetime | None = None) -> ActiveSession | None:
    """The live session for a cookie value, or None if unknown, revoked or expired."""
    if not cookie or len(cookie) > 200:
        return None
    now = now or utcnow()
    key = secret_digest(cookie)
    found = uow.web_sessions.with_user(key)
    if found is None or found[0].revoked_at is not None:
        return None
    row, user = found
    idle_end = row.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    absolute_end = row.created_at + timedelta(hours=settings.session_absolute_hours)
    if now >= idle_end or now >= absolute_end:
        uow.web_sessions.revoke(key, now)
        return None
    if user is None or not user.active:
        uow.web_sessions.revoke(key, now)
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
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    expires_at: datetime


def _check_token_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise Invalid("name: give the token a name (what it is for)", field="name")
    if len(name) > 200:
        raise Invalid("name: use at most 200 characters", field="name")
    return name


def issue_token(uow: UnitOfWork, settings: Settings, actor: Actor, name: str,
                now: datetime | None = None) -> NewToken:
    """A new bearer token that acts as ``actor``'s user until ``settings.api_token_days`` from now."""
    if actor.user_id is None:
        raise Invalid("tokens belong to a user; the system actor has none")
    name = _check_token_name(name)
    now = now or utcnow()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = uuid.uuid4().hex
    if uow.users.get(actor.user_id) is None:
        raise NotFound(f"no user {actor.user_id}")
    expires_at = now + timedelta(days=settings.api_token_days)
    uow.tokens.add(token_id, actor.user_id, name, secret_digest(token), [], now, expires_at)
    return NewToken(token_id, name, token, now, expires_at)


def token_for_credentials(uow: UnitOfWork, settings: Settings, username: str, password: str,
                          name: str, client: str = "unknown") -> NewToken:
    """Log in with a username and password (throttled per client) and get a named bearer token."""
    name = _check_token_name(name)
    user = authenticate(uow, settings, username, password, client=client)
    return issue_token(uow, settings, Actor.of(user, via="api"), name)


def resolve_token(uow: UnitOfWork, token: str | None, now: datetime | None = None) -> User | None:
    """The user behind a bearer token, or None if unknown, revoked or expired (or its user
    is no longer active: then every session and token of the user is revoked)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    now = now or utcnow()
    found = uow.tokens.with_user(secret_digest(token))
    if found is None or found[0].revoked_at is not None or now >= found[0].expires_at:
        return None
    row, user = found
    if user is None or not user.active:
        if user is not None:
            revoke_all_access(uow, user.id, now)
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
        (TokenInfo(r.id, r.name, r.created_at, r.last_used_at, r.revoked_at is not None, r.expires_at)
         for r in rows),
        key=lambda t: t.created_at,
    )


def revoke_token(uow: UnitOfWork, actor: Actor, token_id: str) -> None:
    """Revoke one of the actor's own tokens; someone else's answers ``NotFound``."""
    mine = {r.id for r in uow.tokens.for_user(actor.user_id or "")}
    if token_id not in mine:
        raise NotFound(f"no token {token_id}")
    uow.tokens.revoke(token_id, utcnow())
