"""services.auth on SQLite and PostgreSQL: argon2id, throttle, session expiry, logout, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pathwise.services import auth
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import AuthFailed, Invalid, NotFound
from pathwise.store.tables import utcnow
from tests.security.web_client import school  # noqa: F401
from tests.security.web_school import PASSWORD, WebSchool


def test_passwords_are_argon2id_and_checked() -> None:
    h = auth.hash_password("a long secret")
    assert h.startswith("$argon2id$")
    assert auth.verify_password(h, "a long secret")
    assert not auth.verify_password(h, "a long secreT")
    assert not auth.verify_password(None, "anything")
    assert not auth.verify_password("not-a-hash", "anything")
    with pytest.raises(Invalid, match="password"):
        auth.hash_password("short")


def test_wrong_passwords_lock_the_account_then_the_lock_runs_out(school: tuple[App, WebSchool]) -> None:
    system, w = school
    limit = system.settings.login_max_failures
    now = utcnow()
    for i in range(limit - 1):
        with pytest.raises(AuthFailed, match="wrong username or password"):
            auth.authenticate(system, "rivera", "nope", now)
    with pytest.raises(AuthFailed, match="locked"):
        auth.authenticate(system, "rivera", "nope", now)
    with pytest.raises(AuthFailed, match="locked"):  # even the right password, while locked
        auth.authenticate(system, "rivera", PASSWORD, now + timedelta(minutes=1))
    later = now + timedelta(minutes=system.settings.login_lockout_minutes, seconds=1)
    assert auth.authenticate(system, "rivera", PASSWORD, later).id == w.teacher
    with system.uow() as uow:
        _, _, failures, locked = uow.users.credentials("rivera")  # type: ignore[misc]
    assert failures == 0 and locked is None
    # other accounts were never affected
    assert auth.authenticate(system, "okafor", PASSWORD, now).id == w.teacher_b


def test_a_success_resets_the_failure_count(school: tuple[App, WebSchool]) -> None:
    system, _ = school
    limit = system.settings.login_max_failures
    for _ in range(limit - 1):
        with pytest.raises(AuthFailed):
            auth.authenticate(system, "ana", "nope")
    auth.authenticate(system, "ana", PASSWORD)
    for _ in range(limit - 1):
        with pytest.raises(AuthFailed, match="wrong"):
            auth.authenticate(system, "ana", "nope")


def test_unknown_users_fail_like_wrong_passwords(school: tuple[App, WebSchool]) -> None:
    system, _ = school
    with pytest.raises(AuthFailed, match="^wrong username or password$"):
        auth.authenticate(system, "nobody", PASSWORD)
    with pytest.raises(AuthFailed, match="^wrong username or password$"):
        auth.authenticate(system, "", PASSWORD)


def test_sessions_expire_when_idle_and_absolutely_and_logout_revokes(school: tuple[App, WebSchool]) -> None:
    system, w = school
    s = system.settings
    t0 = utcnow()
    new = auth.login(system, "lopez", PASSWORD, t0)
    live = auth.resolve_session(system, new.cookie, t0 + timedelta(minutes=1))
    assert live is not None and live.user.id == w.guardian and live.csrf_token == new.csrf_token
    # idle: no use for longer than the idle limit ends it for good
    assert auth.resolve_session(system, new.cookie, t0 + timedelta(minutes=1 + s.session_idle_minutes + 1)) is None
    assert auth.resolve_session(system, new.cookie, t0 + timedelta(minutes=2)) is None

    # absolute: kept busy, it still ends after the absolute limit
    t1 = utcnow()
    busy = auth.login(system, "lopez", PASSWORD, t1)
    at = t1
    while at < t1 + timedelta(hours=s.session_absolute_hours) - timedelta(minutes=20):
        at += timedelta(minutes=20)
        assert auth.resolve_session(system, busy.cookie, at) is not None
    assert auth.resolve_session(system, busy.cookie, t1 + timedelta(hours=s.session_absolute_hours)) is None

    # logout
    other = auth.login(system, "lopez", PASSWORD)
    assert auth.resolve_session(system, other.cookie) is not None
    auth.logout(system, other.cookie)
    assert auth.resolve_session(system, other.cookie) is None
    assert auth.resolve_session(system, "made-up") is None


def test_only_hashes_of_cookies_and_tokens_are_stored(school: tuple[App, WebSchool]) -> None:
    system, w = school
    new = auth.login(system, "ana", PASSWORD)
    token = auth.issue_token(system, Actor.of(new.user), "sync")
    with system.uow() as uow:
        assert uow.web_sessions.get(new.cookie) is None
        rows = [(r.name, r.token_hash) for r in uow.tokens.for_user(w.ana)]
    assert [name for name, _ in rows] == ["sync"]
    assert token.token != rows[0][1] and token.token.startswith("pw_") and len(rows[0][1]) == 64


def test_tokens_work_until_revoked_and_only_their_owner_may_revoke(school: tuple[App, WebSchool]) -> None:
    system, w = school
    made = auth.token_for_credentials(system, "rivera", PASSWORD, "gradebook")
    user = auth.resolve_token(system, made.token)
    assert user is not None and user.id == w.teacher
    assert [t.name for t in auth.list_tokens(system, Actor.of(user))] == ["gradebook"]
    ana = auth.authenticate(system, "ana", PASSWORD)
    with pytest.raises(NotFound):
        auth.revoke_token(system, Actor.of(ana), made.id)
    assert auth.resolve_token(system, made.token) is not None
    auth.revoke_token(system, Actor.of(user), made.id)
    assert auth.resolve_token(system, made.token) is None
    assert auth.resolve_token(system, "pw_unknown") is None
    with pytest.raises(Invalid, match="name"):
        auth.issue_token(system, Actor.of(user), "  ")
    with pytest.raises(AuthFailed):
        auth.token_for_credentials(system, "rivera", "wrong", "x")


def test_set_password_revokes_sessions_and_is_limited_to_self_and_school_admins(
        school: tuple[App, WebSchool]) -> None:
    system, w = school
    session = auth.login(system, "ben", PASSWORD)
    other_admin = auth.authenticate(system, "hilladmin", PASSWORD)
    with pytest.raises(NotFound):
        auth.set_password(system, Actor.of(other_admin), w.ben, "another-long-one")
    admin = auth.authenticate(system, "admin", PASSWORD)
    auth.set_password(system, Actor.of(admin), w.ben, "another-long-one")
    assert auth.resolve_session(system, session.cookie) is None
    assert auth.authenticate(system, "ben", "another-long-one").id == w.ben
