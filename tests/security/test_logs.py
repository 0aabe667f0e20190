"""The logs: every request leaves one access line, and nothing logged anywhere while a
battery of ordinary and hostile requests runs names a password, a token, a session
cookie or a student."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from pathwise.services.context import App
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import PASSWORD, WebSchool

STUDENT_NAMES = ("Ana Lopez", "Ben Carter", "Cara Singh", "Dan Kim", "Eva Novak", "Zed Young")


def test_every_request_is_logged_and_no_log_names_a_secret_or_a_student(
        school: tuple[App, WebSchool], web: Callable[[], WebClient],  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    system, w = school
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [PASSWORD, "not-the-password-99"]
    requests = 0

    def count(n: int = 1) -> None:
        nonlocal requests
        requests += n

    # sign-ins, right and wrong, through the form and the API
    c = web()
    c.login("ana"); count(3)  # the form, the post, the home page
    bad = web()
    bad.login("ben", "not-the-password-99"); count(2)
    bad.login("nobody-here", "not-the-password-99"); count(2)
    r = c.post("/api/v1/auth/token", json={"username": "rivera", "password": "not-the-password-99", "name": "x"})
    count()
    assert r.status_code == 401
    teacher = web()
    token = teacher.token("rivera"); count()
    secrets.append(token)
    secrets += [v for v in c.http.cookies.values()]
    # ordinary work and refusals, as each role
    for url in ("/student", "/student/path", "/practice", "/student/profile", "/learners/u-ben"):
        c.page(url); count()
    for url in (f"/api/v1/learners/{w.ana}", f"/api/v1/learners/{w.eva}/mastery", "/api/v1/classes",
                f"/api/v1/learners/{w.zed}/evidence", "/api/v1/learners?search=Ana%20Lopez"):
        teacher.get(url, headers=bearer(token)); count()
    teacher.get("/api/v1/me", headers=bearer("pw_" + "x" * 43)); count()
    teacher.post("/api/v1/evidence", headers=bearer(token), json={"evidence": [{"bogus": True}]}); count()
    g = web()
    g.login("lopez"); count(3)
    for url in (f"/guardian/children/{w.ana}", f"/guardian/children/{w.dan}"):
        g.page(url); count()

    # everything the server side logged (the test's own HTTP client logs its requests: not ours)
    ours = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in ours)
    access = [r for r in caplog.records if r.name == "pathwise.access"]
    assert len(access) == requests, f"{len(access)} access lines for {requests} requests"
    assert any(" 404 " in r.getMessage() for r in access) and any(" 401 " in r.getMessage() for r in access)
    assert f"user={w.teacher}" in text  # who asked is in the line, by id
    # the access line names the route's template, never the concrete path with its ids
    lines = [r.getMessage() for r in access]
    assert any(m.startswith("GET /api/v1/learners/{learner_id}/evidence 404 ") for m in lines), lines
    assert any(m.startswith("GET /learners/{learner_id} ") for m in lines), lines
    assert any(m.startswith("GET /guardian/children/{") for m in lines), lines
    for learner in (w.ana, w.ben, w.eva, w.zed, w.dan, "u-ben"):
        assert not any(learner in m.split(" user=")[0] for m in lines), (learner, lines)
    denied = [r.getMessage() for r in caplog.records if r.name == "pathwise.denied"]
    assert f"GET /api/v1/learners/{w.zed}/evidence 404 user={w.teacher} policy=learner:read" in denied
    assert f"GET /guardian/children/{w.dan} 404 user={w.guardian} policy=learner:read" in denied
    # a path no route knows is logged by a placeholder: it could carry a guessed id or a token
    unknown = f"/no-such-place/{token}/{w.ana}"
    c.page(unknown); count()
    last = [r.getMessage() for r in caplog.records if r.name == "pathwise.access"][-1]
    assert last.startswith("GET <unmatched> 404 "), last
    assert token not in last and w.ana not in last.split(" user=")[0]
    for secret in secrets:
        assert secret and secret not in text
    for name in STUDENT_NAMES:
        assert name not in text and name.replace(" ", "%20") not in text
