"""The account's language on SQLite and PostgreSQL: a student who chooses Spanish gets the
skill map and practice in Spanish (and no English navigation), a student who chose nothing
gets English, the choice is per account, a school's default reaches accounts that chose
none, an unknown code is refused with a message naming the field (nothing changed), and a
visitor's sign-in page follows the browser's Accept-Language."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from pathwise.domain.people import Role
from pathwise.services import account
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.errors import Invalid, NotFound
from tests.integration.test_paths_service import add_content
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

ENGLISH_NAV = ("My progress", "My profile", "Log out", "Skill map", "What's next")


@pytest.fixture
def sch(school: tuple[App, WebSchool]) -> tuple[App, WebSchool]:  # noqa: F811
    add_content(school[0])
    return school


def _choose(c: WebClient, code: str) -> None:
    page = c.page("/account/language")
    assert page.status_code == 200
    r = c.post("/account/language", data={"csrf_token": c.csrf, "language": code})
    assert r.status_code == 303, r.text


def _lang(html: str) -> str:
    found = re.search(r'<html lang="([^"]+)"', html)
    assert found
    return found.group(1)


def test_a_student_in_spanish_sees_the_skill_map_in_spanish(sch: tuple[App, WebSchool],
                                                           web: Callable[..., WebClient]) -> None:  # noqa: F811
    _, w = sch
    ana = web(w.username(w.ana))
    _choose(ana, "es")
    page = ana.page("/student/path")
    assert page.status_code == 200
    html = page.text
    assert "Mapa de habilidades" in html and "Mi camino de aprendizaje" in html and "Mi progreso" in html
    assert "Cerrar sesión" in html
    visible = re.sub(r"<[^>]+>", " ", html)
    for words in ENGLISH_NAV:
        assert words not in visible, words
    assert _lang(html) == "es"
    practice = ana.page("/practice")
    assert practice.status_code == 200
    assert "Habilidades para practicar" in practice.text and "Skills to practise" not in practice.text


def test_a_student_with_no_language_sees_english(sch: tuple[App, WebSchool],
                                                 web: Callable[..., WebClient]) -> None:  # noqa: F811
    _, w = sch
    ben = web(w.username(w.ben))
    page = ben.page("/student/path", headers={"accept-language": "es-MX,es;q=0.9"})
    assert page.status_code == 200
    assert "Skill map" in page.text and "Mapa de habilidades" not in page.text
    assert _lang(page.text) == "en"  # a signed-in account follows its school, not the browser


def test_the_language_is_per_account(sch: tuple[App, WebSchool], web: Callable[..., WebClient]) -> None:  # noqa: F811
    _, w = sch
    ana, ben = web(w.username(w.ana)), web(w.username(w.ben))
    _choose(ana, "es")
    assert "Mapa de habilidades" in ana.page("/student/path").text
    assert "Skill map" in ben.page("/student/path").text
    _choose(ana, "default")  # back to the school's default
    assert "Skill map" in ana.page("/student/path").text


def test_a_bad_language_code_is_refused_and_changes_nothing(sch: tuple[App, WebSchool],
                                                            web: Callable[..., WebClient]) -> None:  # noqa: F811
    system, w = sch
    ana = web(w.username(w.ana))
    _choose(ana, "es")
    r = ana.post("/account/language", data={"csrf_token": ana.csrf, "language": "xx"})
    assert r.status_code == 422
    assert "Idioma" in r.text and 'id="language-problem"' in r.text
    with system.uow() as uow:
        assert account.language_of(uow, Actor(w.ana, Role.STUDENT, w.school)).chosen == "es"


def test_a_school_default_reaches_accounts_that_chose_none(sch: tuple[App, WebSchool],
                                                           web: Callable[..., WebClient]) -> None:  # noqa: F811
    system, w = sch
    admin = web(w.username(w.admin))
    admin.page("/account/language")
    r = admin.post("/account/language", data={"csrf_token": admin.csrf, "school_language": "es"})
    assert r.status_code == 303
    ben = web(w.username(w.ben))
    assert "Mapa de habilidades" in ben.page("/student/path").text
    ana = web(w.username(w.ana))
    _choose(ana, "en")  # an account's own choice wins over the school's
    assert "Skill map" in ana.page("/student/path").text
    with system.uow() as uow:
        assert any(a.action == "school-language" for a in uow.audit.recent())


def test_nobody_sets_another_persons_language(sch: tuple[App, WebSchool]) -> None:
    system, w = sch
    with system.uow() as uow:
        for actor in (Actor(w.admin, Role.ADMIN, w.school), Actor(w.guardian, Role.GUARDIAN, w.school),
                      Actor(w.teacher, Role.TEACHER, w.school)):
            with pytest.raises(NotFound):
                account.set_language(uow, actor, w.ana, "es")
        with pytest.raises(Invalid) as bad:
            account.set_language(uow, Actor(w.ana, Role.STUDENT, w.school), w.ana, "klingon")
        assert bad.value.field == "language"
        with pytest.raises(NotFound):  # another school's admin cannot set this school's default
            account.set_school_language(uow, Actor(w.other_admin, Role.ADMIN, w.other_school), w.school, "es")


def test_the_sign_in_page_follows_the_browser(sch: tuple[App, WebSchool],
                                              web: Callable[..., WebClient]) -> None:  # noqa: F811
    c = web()
    page = c.page("/", headers={"accept-language": "es-ES,es;q=0.9,en;q=0.5"})
    assert page.status_code == 200 and _lang(page.text) == "es"
    page = c.page("/", headers={"accept-language": "fr-FR,de;q=0.8"})
    assert _lang(page.text) == "en"


def test_every_student_page_draws_in_spanish(sch: tuple[App, WebSchool],
                                             web: Callable[..., WebClient]) -> None:  # noqa: F811
    _, w = sch
    ana = web(w.username(w.ana))
    _choose(ana, "es")
    for url in ("/student", "/student/path", "/practice", "/student/profile", "/account/language"):
        page = ana.page(url)
        assert page.status_code == 200, url
        assert _lang(page.text) == "es", url
    practice = ana.page("/practice").text
    skill = re.search(r'action="/practice/skill/([^"]+)"', practice)
    assert skill
    opened = ana.post(f"/practice/skill/{skill.group(1)}", data={"csrf_token": ana.csrf})
    assert opened.status_code == 303
    session = ana.page(opened.headers["location"])
    assert session.status_code == 200
    assert "Comprobar mi respuesta" in session.text and "Check my answer" not in session.text
    missing = ana.page("/practice/session/nope")
    assert missing.status_code == 404
    assert "No encontrado" in missing.text and "Ir a mi página de inicio" in missing.text


def test_only_an_admin_sets_the_schools_language(sch: tuple[App, WebSchool],
                                                 web: Callable[..., WebClient]) -> None:  # noqa: F811
    system, w = sch
    for who in (w.ana, w.teacher, w.guardian):
        c = web(w.username(who))
        c.page("/account/language")
        r = c.post("/account/language", data={"csrf_token": c.csrf, "school_language": "es"})
        assert r.status_code in (403, 404), who
        missing = c.post("/account/language", data={"csrf_token": c.csrf})
        assert missing.status_code == 422
    with system.uow() as uow:
        assert account.language_of(uow, Actor(w.ben, Role.STUDENT, w.school)).school_default == "en"
