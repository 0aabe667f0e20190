"""The guardian's pages in Spanish on SQLite and PostgreSQL: a guardian whose account speaks
Spanish reads their children's home, a child's week, the printable report, the child's
skills page and the messages in Spanish (addressed with "usted"), with none of the English
headings or navigation; another family's child is the uniform 404, in Spanish; the same pages
stay English for a guardian who chose nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from pathwise.services.context import App
from tests.integration.test_family_pages import _this_week, _with_tips
from tests.security.web_client import WebClient, school, web  # noqa: F401
from tests.security.web_school import WebSchool

ENGLISH = ("My children", "Messages", "Log out", "This week", "Progress in each unit", "Ways to help at home",
           "Goals", "Working on", "Coming next", "Printable progress report", "has mastered", "Recently learned",
           "Skills:", "practised on", "Start a new conversation", "Your reply", "Progress report:", "in a row",
           "estimate now", "answered a question")


def _choose_spanish(c: WebClient) -> None:
    assert c.page("/account/language").status_code == 200
    r = c.post("/account/language", data={"csrf_token": c.csrf, "language": "es"})
    assert r.status_code == 303, r.text


def _visible(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _no_english(html: str) -> None:
    text = _visible(html)
    found = [w for w in ENGLISH if w in text]
    assert not found, found
    assert re.search(r'<html lang="es"', html)


def test_a_guardian_in_spanish_reads_the_week_report_and_messages(school: tuple[App, WebSchool],  # noqa: F811
                                                                  web: Callable[..., WebClient]) -> None:  # noqa: F811
    system, w = school
    _with_tips(system)
    _this_week(system, w)
    c = web()
    c.login("lopez")
    _choose_spanish(c)

    home = c.page("/guardian")
    assert home.status_code == 200
    assert "Mis hijos" in home.text and "La semana de Ana y cómo ayudar en casa" in home.text
    assert "Hasta ahora, Ana domina" in home.text and "Habilidades: dominada: " in home.text
    _no_english(home.text)

    week = c.page(f"/guardian/children/{w.ana}/progress")
    assert week.status_code == 200, week.text
    for phrase in ("Ana Lopez: esta semana y cómo ayudar", ">Esta semana</h2>", "Progreso en cada unidad",
                   "Cómo ayudar en casa", "Aprendido esta semana", "Pida a Ana que le explique", "Ana practicó",
                   "Mis hijos"):
        assert phrase in week.text, phrase
    assert "casi lo tienes" in week.text or "en camino" in week.text  # the mastery words, in Spanish
    _no_english(week.text)

    report = c.page(f"/guardian/children/{w.ana}/report")
    assert report.status_code == 200
    assert "Informe de progreso: Ana Lopez" in report.text and "Habilidades dominadas" in report.text
    assert "Materia" in report.text and "Volver a esta semana" in report.text
    made = re.search(r'id="report-date">([^<]+)<', report.text)
    assert made and re.search(r"\bde\b", made.group(1)), made  # "jueves, 3 de diciembre de 2026"
    _no_english(report.text)

    skills = c.page(f"/guardian/children/{w.ana}")
    assert skills.status_code == 200
    assert "En pocas palabras" in skills.text and "Trabajo reciente" in skills.text
    _no_english(skills.text)

    sent = c.post(f"/guardian/children/{w.ana}/messages",
                  data={"csrf_token": c.csrf, "subject": "Deberes", "body": "¿Qué puede practicar en casa?"})
    assert sent.status_code == 303, sent.text
    msgs = c.page(sent.headers["location"])
    assert msgs.status_code == 200
    assert "Mensajes sobre Ana Lopez" in msgs.text and "Mensaje enviado." in msgs.text
    assert "Empezar una conversación nueva" in msgs.text and "1 mensaje" in msgs.text
    _no_english(msgs.text)
    inbox = c.page("/guardian/messages")
    assert inbox.status_code == 200 and "Escribir a los docentes de Ana Lopez" in inbox.text
    _no_english(inbox.text)

    # another family's child: the uniform 404, in Spanish, nothing of the child shown
    for url in (f"/guardian/children/{w.dan}/progress", f"/guardian/children/{w.dan}/report",
                f"/guardian/children/{w.dan}/messages", f"/guardian/children/{w.dan}"):
        other = c.page(url)
        assert other.status_code == 404, url
        assert "Dan Kim" not in other.text and "No encontrado" in other.text
        assert "Not found" not in _visible(other.text)


def test_a_guardian_who_chose_nothing_reads_english(school: tuple[App, WebSchool],  # noqa: F811
                                                    web: Callable[..., WebClient]) -> None:  # noqa: F811
    system, w = school
    _this_week(system, w)
    c = web()
    c.login("lopez")
    week = c.page(f"/guardian/children/{w.ana}/progress")
    assert week.status_code == 200 and re.search(r'<html lang="en"', week.text)
    assert ">This week</h2>" in week.text and "Esta semana" not in week.text
    home = c.page("/guardian").text
    assert "Ana has mastered" in home and "Skills: " in home and "Hasta ahora" not in home
