"""Pages obey the same policy: other people's learners and classes answer 404; roles keep to their homes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pathwise.services.context import App
from tests.security.web_client import WebClient
from tests.security.web_school import WebSchool


@pytest.mark.parametrize("username,allowed,refused", [
    ("lopez", "/guardian/children/u-ana", "/guardian/children/u-dan"),
    ("rivera", "/teacher/classes/sec-5a", "/teacher/classes/sec-5b"),
    ("rivera", "/learners/u-ben", "/learners/u-eva"),
    ("admin", "/admin/classes/sec-5b", "/admin/classes/sec-hill"),
    ("admin", "/learners/u-eva", "/learners/u-zed"),
])
def test_not_yours_looks_like_missing(school: tuple[App, WebSchool], web: Callable[[], WebClient],
                                      username: str, allowed: str, refused: str) -> None:
    c = web()
    c.login(username)
    assert c.page(allowed).status_code == 200
    other = c.page(refused)
    missing = c.page(refused.rsplit("/", 1)[0] + "/does-not-exist")
    assert other.status_code == missing.status_code == 404
    assert "not yours to see" in other.text and "u-" not in other.text.split("<main", 1)[1]


@pytest.mark.parametrize("username,forbidden", [
    ("ana", ["/teacher", "/guardian", "/admin", "/learners/u-ben", "/teacher/classes/sec-5a"]),
    ("lopez", ["/student", "/teacher", "/admin", "/learners/u-ana"]),
    ("rivera", ["/student", "/guardian", "/admin", "/admin/classes/sec-5a"]),
])
def test_roles_keep_to_their_own_pages(school: tuple[App, WebSchool], web: Callable[[], WebClient],
                                       username: str, forbidden: list[str]) -> None:
    c = web()
    c.login(username)
    for path in forbidden:
        assert c.page(path).status_code == 404, path


def test_pages_need_a_session(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    for path in ("/student", "/teacher", "/guardian", "/admin", "/learners/u-ana"):
        r = c.page(path)
        assert r.status_code == 303 and r.headers["location"] == f"/?next={path}"


def test_a_guardian_sees_only_their_own_child(school: tuple[App, WebSchool], web: Callable[[], WebClient]) -> None:
    c = web()
    c.login("lopez")
    home = c.page("/guardian").text
    assert "Ana Lopez" in home
    for other in ("Ben Carter", "Dan Kim", "Cara Singh", "Eva Novak", "Zed Young"):
        assert other not in home
    assert "has mastered" in home
