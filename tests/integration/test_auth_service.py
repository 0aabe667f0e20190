"""services.auth on SQLite and PostgreSQL: argon2id, the per-client throttle, session expiry, logout, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pathwise.services import auth
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import AuthFailed, Invalid, NotFound, Throttled
from pathwise.domain.clock import utcnow
from tests.security.web_client import school  # noqa: F401
from tests.security.web_school import PASSWORD, WebSchool


def run(system: App, use_case, *args, **kw):  # type: ignore[no-untyped-def]
    """Call a use case the way a door does: in one transaction of its own."""
    with transaction(system) as uow:
        return use_case(uow, *args, **kw)


def test_passwords_are_argon2id_and_checked() -> None:
    h = auth.hash_password("a long secret phrase")
    assert h.startswith("$argon2id$")
    assert auth.verify_password(h, "a long secret phrase")
    assert not auth.verify_password(h, "a long secret phrasE")
    assert not auth.verify_password(None, "anything")
    assert not auth.verify_password("not-a-hash", "anything")
    with pytest.raises(Invalid, match="password"):
        auth.hash_password("short")


def test_wrong_passwords_slow_the_client_then_the_wait_runs_out(school: tuple[App, WebSchool]) -> None:
    system, w = school
    s = system.settings
    now = utcnow()
    for _ in range(s.login_max_failures):
        with pytest.raises(AuthFailed, match="^wrong username or password$"):
            run(system, auth.authenticate, s, "rivera", "nope", now, client="10.0.0.1")
    with pytest.raises(Throttled) as first:  # even the right password waits: nothing is checked
        run(system, auth.authenticate, s, "rivera", PASSWORD, now, client="10.0.0.1")
    assert first.value.retry_after == 1
    later = now + timedelta(seconds=2)
    with pytest.raises(AuthFailed, match="^wrong username or password$"):
        run(system, auth.authenticate, s, "rivera", "nope", later, client="10.0.0.1")
    with pytest.raises(Throttled) as second:  # each further failure doubles the wait
        run(system, auth.authenticate, s, "rivera", PASSWORD, later, client="10.0.0.1")
    assert second.value.retry_after == 2
    # the same account from another address, and other accounts, were never affected
    assert run(system, auth.authenticate, s, "rivera", PASSWORD, later, client="10.0.0.2").id == w.teacher
    assert run(system, auth.authenticate, s, "okafor", PASSWORD, later, client="10.0.0.1").id == w.teacher_b
    # once the wait is over the right password signs in, and the count for this client starts afresh
    assert run(system, auth.authenticate, s, "rivera", PASSWORD, later + timedelta(seconds=3),
               client="10.0.0.1").id == w.teacher
    for _ in range(s.login_max_failures - 1):
        with pytest.raises(AuthFailed, match="^wrong"):
            run(system, auth.authenticate, s, "rivera", "nope", later + timedelta(seconds=4), client="10.0.0.1")


def test_a_success_resets_the_failure_count(school: tuple[App, WebSchool]) -> None:
    system, _ = school
    limit = system.settings.login_max_failures
    for _ in range(limit - 1):
        with pytest.raises(AuthFailed):
            run(system, auth.authenticate, system.settings, "ana", "nope")
    run(system, auth.authenticate, system.settings, "ana", PASSWORD)
    for _ in range(limit - 1):
        with pytest.raises(AuthFailed, match="wrong"):
            run(system, auth.authenticate, system.settings, "ana", "nope")


def test_unknown_users_fail_like_wrong_passwords(school: tuple[App, WebSchool]) -> None:
    system, _ = school
    with pytest.raises(AuthFailed, match="^wrong username or password$"):
        run(system, auth.authenticate, system.settings, "nobody", PASSWORD)
    with pytest.raises(AuthFailed, match="^wrong username or password$"):
        run(system, auth.authenticate, system.settings, "", PASSWORD)


def test_sessions_expire_when_idle_and_absolutely_and_logout_revokes(school: tuple[App, WebSchool]) -> None:
    system, w = school
    s = system.settings
    t0 = utcnow()
    new = run(system, auth.login, system.settings, "lopez", PASSWORD, t0)
    live = run(system, auth.resolve_session, system.settings, new.cookie, t0 + timedelta(minutes=1))
    assert live is not None and live.user.id == w.guardian and live.csrf_token == new.csrf_token
    # idle: no use for longer than the idle limit ends it for good
    assert run(system, auth.resolve_session, system.settings, new.cookie, t0 + timedelta(minutes=1 + s.session_idle_minutes + 1)) is None
    assert run(system, auth.resolve_session, system.settings, new.cookie, t0 + timedelta(minutes=2)) is None

    # absolute: kept busy, it still ends after the absolute limit
    t1 = utcnow()
    busy = run(system, auth.login, system.settings, "lopez", PASSWORD, t1)
    at = t1
    while at < t1 + timedelta(hours=s.session_absolute_hours) - timedelta(minutes=20):
        at += timedelta(minutes=20)
        assert run(system, auth.resolve_session, system.settings, busy.cookie, at) is not None
    assert run(system, auth.resolve_session, system.settings, busy.cookie, t1 + timedelta(hours=s.session_absolute_hours)) is None

    # logout
    other = run(system, auth.login, system.settings, "lopez", PASSWORD)
    assert run(system, auth.resolve_session, system.settings, other.cookie) is not None
    run(system, auth.logout, other.cookie)
    assert run(system, auth.resolve_session, system.settings, other.cookie) is None
    assert run(system, auth.resolve_session, system.settings, "made-up") is None


def test_only_hashes_of_cookies_and_tokens_are_stored(school: tuple[App, WebSchool]) -> None:
    system, w = school
    new = run(system, auth.login, system.settings, "ana", PASSWORD)
    token = run(system, auth.issue_token, system.settings, Actor.of(new.user), "sync")
    with system.uow() as uow:
        assert uow.web_sessions.get(new.cookie) is None
        rows = [(r.name, r.token_hash) for r in uow.tokens.for_user(w.ana)]
    assert [name for name, _ in rows] == ["sync"]
    assert token.token != rows[0][1] and token.token.startswith("pw_") and len(rows[0][1]) == 64


def test_tokens_work_until_revoked_and_only_their_owner_may_revoke(school: tuple[App, WebSchool]) -> None:
    system, w = school
    made = run(system, auth.token_for_credentials, system.settings, "rivera", PASSWORD, "gradebook")
    user = run(system, auth.resolve_token, made.token)
    assert user is not None and user.id == w.teacher
    assert [t.name for t in run(system, auth.list_tokens, Actor.of(user))] == ["gradebook"]
    ana = run(system, auth.authenticate, system.settings, "ana", PASSWORD)
    with pytest.raises(NotFound):
        run(system, auth.revoke_token, Actor.of(ana), made.id)
    assert run(system, auth.resolve_token, made.token) is not None
    run(system, auth.revoke_token, Actor.of(user), made.id)
    assert run(system, auth.resolve_token, made.token) is None
    assert run(system, auth.resolve_token, "pw_unknown") is None
    with pytest.raises(Invalid, match="name"):
        run(system, auth.issue_token, system.settings, Actor.of(user), "  ")
    with pytest.raises(AuthFailed):
        run(system, auth.token_for_credentials, system.settings, "rivera", "wrong", "x")


def test_set_password_revokes_sessions_and_tokens_and_is_limited_to_self_and_school_admins(
        school: tuple[App, WebSchool]) -> None:
    system, w = school
    session = run(system, auth.login, system.settings, "ben", PASSWORD)
    token = run(system, auth.token_for_credentials, system.settings, "ben", PASSWORD, "sync")
    other_admin = run(system, auth.authenticate, system.settings, "hilladmin", PASSWORD)
    with pytest.raises(NotFound):
        run(system, auth.set_password, Actor.of(other_admin), w.ben, "another-long-one")
    admin = run(system, auth.authenticate, system.settings, "admin", PASSWORD)
    run(system, auth.set_password, Actor.of(admin), w.ben, "another-long-one")
    assert run(system, auth.resolve_session, system.settings, session.cookie) is None
    assert run(system, auth.resolve_token, token.token) is None
    assert [t.revoked for t in run(system, auth.list_tokens, Actor.of(run(system, auth.authenticate, system.settings,
                                                                            "ben", "another-long-one")))] == [True]
    assert run(system, auth.authenticate, system.settings, "ben", "another-long-one").id == w.ben


def test_a_wait_reads_as_words() -> None:
    from pathwise.services.auth import how_long

    assert [how_long(s) for s in (1, 2, 59, 60, 61, 900)] == [
        "1 second", "2 seconds", "59 seconds", "1 minute", "2 minutes", "15 minutes"]
