"""One number per learner and skill, everywhere (SQLite and PostgreSQL).

After a varied history (answers right and wrong, an answer helped by hints, a teacher's
observation and an override), the student's home page, the practice page, the skill
map, the teacher's class grid and learner page, the guardian's page, the API and the
learner's data export all show the same percent for every skill of the learner and the
same skills as not started, and the pages and the API the same count of mastered skills,
read from the one stored projection.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.mastery_states import WORDS
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from pathwise.services.items import import_items, parse_items_document
from tests.security.web_client import WebClient, bearer, school, web  # noqa: F401
from tests.security.web_school import SKILLS, WebSchool

ITEMS = "items:\n" + "".join(
    f"""  - id: one.{k}
    skills: [{k}]
    type: short_text
    prompt: "A question on {k}"
    answer: "yes"
""" for k in SKILLS)

T1 = datetime(2026, 9, 3, 9, 0, tzinfo=UTC)


def _history(w: WebSchool) -> list[Evidence]:
    evs = [Evidence(f"one-{i}", w.ana, EvidenceKind.ANSWER, ("frac.compare",), float(s), T1 + timedelta(minutes=i),
                    item_id=f"q{i}") for i, s in enumerate([1, 0, 1, 1, 1, 0, 1, 1])]
    evs.append(Evidence("one-h", w.ana, EvidenceKind.ANSWER, ("frac.add",), 0.5, T1 + timedelta(minutes=20),
                        item_id="qh", data={"checked_score": 1.0, "hints_used": 1, "hints_total": 2}))
    evs.append(Evidence("one-o", w.ana, EvidenceKind.OBSERVATION, ("dec.place",), 1.0, T1 + timedelta(minutes=30),
                        recorded_by=w.teacher))
    evs.append(Evidence("one-v", w.ana, EvidenceKind.OVERRIDE, ("frac.equiv",), 0.97, T1 + timedelta(minutes=40),
                        recorded_by=w.teacher))
    return evs


def _tagged(html: str, attr: str, learner: str | None = None) -> dict[str, str]:
    """skill -> the ``attr`` value of every element tagged with that skill (of one learner's
    row when ``learner`` is given); one page never gives a skill two values."""
    out: dict[str, str] = {}
    for tag in re.findall(r"<[^>]*data-skill=[^>]*>", html):
        if learner is not None and f'data-learner="{learner}"' not in tag:
            continue
        m = re.search(r'data-skill="([^"]+)"', tag)
        v = re.search(rf'{attr}="([^"]*)"', tag)
        if m and v:
            assert out.get(m.group(1), v.group(1)) == v.group(1), f"two {attr} values for {m.group(1)} on one page"
            out[m.group(1)] = v.group(1)
    return out


def _states(html: str, learner: str | None = None) -> dict[str, str]:
    """skill -> the mastery words (``domain.mastery_states``) of every tagged element."""
    return {skill: WORDS[key] for skill, key in _tagged(html, "data-state", learner).items()}


def _percents(html: str, learner: str | None = None) -> dict[str, str]:
    """skill -> data-percent ("" when not started) of every tagged element (of one learner's row)."""
    return _tagged(html, "data-percent", learner)


def test_every_page_and_the_api_show_the_same_number(school: tuple[App, WebSchool],  # noqa: F811
                                                     web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    parsed = parse_items_document(ITEMS, "one.yaml")
    with system.uow() as uow:
        import_items(uow, Actor.system(), parsed.items, parsed.problems)
        record_evidence(uow, system.tracker(), Actor.system("test"), _history(w))
        uow.commit()

    student = web()
    student.login("ana")
    teacher = web()
    teacher.login("rivera")
    guardian = web()
    guardian.login("lopez")
    pages = {
        "home": _percents(student.page("/student").text),
        "practice": _percents(student.page("/practice").text),
        "skill map": _percents(student.page("/student/path").text),
        "teacher's grid": _percents(teacher.page(f"/teacher/classes/{w.class_a}").text, learner=w.ana),
        "teacher's learner page": _percents(teacher.page(f"/learners/{w.ana}").text),
        "guardian's page": _percents(guardian.page(f"/guardian/children/{w.ana}").text),
    }
    h = bearer(teacher.token("rivera"))
    api = teacher.get(f"/api/v1/learners/{w.ana}/mastery", headers=h).json()
    pages["API"] = {m["skill_id"]: str(round(100 * m["p_mastery"])) for m in api}
    api_map = teacher.get(f"/api/v1/learners/{w.ana}/skill-map", headers=h).json()
    admin = web()
    export = admin.get(f"/api/v1/learners/{w.ana}/export", headers=bearer(admin.token("admin"))).json()
    pages["export"] = {m["skill_code"]: str(round(100 * m["p_mastery"])) for m in export["mastery"]}
    pages["API skill map"] = {s["skill_id"]: str(round(100 * s["p_mastery"])) if s["n_evidence"] else ""
                              for s in api_map["skills"]}

    started = {k: v for k, v in pages["home"].items() if v}
    assert set(started) == set(SKILLS)  # every skill has evidence of some kind
    for name, shown in pages.items():
        assert shown, f"{name} shows no mastery"
        for skill, percent in shown.items():
            assert percent == pages["home"].get(skill, ""), (name, skill, percent, pages["home"].get(skill))
    assert pages["home"]["frac.equiv"] == "97"  # the teacher's override, everywhere

    # the same count of mastered skills on the home page, the skill map and the API
    home = student.page("/student").text
    n_home = int(re.search(r'<span class="stat-value">(\d+) of \d+</span><span class="stat-label">skills mastered',
                           home).group(1))  # type: ignore[union-attr]
    n_api = sum(1 for m in api if m["mastered"])
    assert n_home == n_api == api_map["counts"]["mastered"]
    path_page = student.page("/student/path").text
    assert path_page.count('data-status="mastered"') == n_home
    # the same words for where Ana stands on each skill, on every page and in the API
    states = {
        "home": _states(home),
        "practice": _states(student.page("/practice").text),
        "skill map": _states(path_page),
        "teacher's grid": _states(teacher.page(f"/teacher/classes/{w.class_a}").text, learner=w.ana),
        "teacher's learner page": _states(teacher.page(f"/learners/{w.ana}").text),
        "guardian's page": _states(guardian.page(f"/guardian/children/{w.ana}").text),
        "API": {m["skill_id"]: m["level"] for m in api},
        "API skill map": {s["skill_id"]: s["state"] for s in api_map["skills"]},
    }
    words = {k: v.replace("due for review", "mastered") for k, v in states["home"].items()}
    assert set(words) >= set(SKILLS) and len(set(words.values())) >= 2, words
    for name, shown in states.items():
        for skill, word in shown.items():
            assert word.replace("due for review", "mastered") == words[skill], (name, skill, word, words[skill])
    # and the same counts: nearly there and getting there on the home page and the skill map
    for key in ("nearly-there", "getting-there"):
        n_on_home = int(re.search(rf'id="stat-{key}">(\d+)<', home).group(1))  # type: ignore[union-attr]
        n_on_map = int(re.search(rf'id="count-{key}"><span class="stat-value">(\d+)<', path_page).group(1))  # type: ignore[union-attr]
        assert n_on_home == n_on_map == sum(1 for v in words.values() if v == WORDS[key])


def test_the_practice_page_and_the_home_page_use_the_same_words(school: tuple[App, WebSchool],  # noqa: F811
                                                                 web: Callable[[], WebClient]) -> None:  # noqa: F811
    system, w = school
    parsed = parse_items_document(ITEMS, "one.yaml")
    with system.uow() as uow:
        import_items(uow, Actor.system(), parsed.items, parsed.problems)
        record_evidence(uow, system.tracker(), Actor.system("test"), _history(w))
        uow.commit()
    student = web()
    student.login("ana")
    home = student.page("/student").text
    practice = student.page("/practice").text
    on_home, on_practice = _states(home), _states(practice)
    assert on_home and on_home == {k: v for k, v in on_practice.items() if k in on_home}
    for skill, word in on_practice.items():  # the word is said, not only tagged
        shown = re.search(rf'data-skill="{re.escape(skill)}"[^>]*>.*?<span class="state-word">([a-zA-Z ]+)<', practice,
                          re.S)
        assert shown and shown.group(1).lower() == word, (skill, word, shown)
