"""End to end in headless Chromium on the demo school: the mastery a student sees is believable.

A demo student practises a skill they are working on, answering right and wrong in
turn. After every answer the meter on the practice page never rises after a wrong
answer nor falls after a right one; no other skill's number moves and no skill locks;
and at the end the home page, the practice page and the skill map show the same number
for every skill. The seeded history reads sensibly too: a student whose latest answers
on a skill were all right reads as mastered on it, one with mostly misses does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pathwise.domain.answers import instantiate
from pathwise.domain.content import ItemType
from pathwise.domain.people import Role
from pathwise.interop import demo as demo_door
from pathwise.services import demo
from pathwise.services.context import App
from pathwise.store import tables_practice as tp
from tests.e2e.live import launch, serve, sign_in, sqlite_system

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PATTERN = [0, 1, 0, 0, 1, 1, 0, 1, 1, 1]  # wrong and right in turn, then a run of right answers


def _practise(page, url: str) -> None:  # type: ignore[no-untyped-def]
    """Open a skill's start page (a link starts nothing) and press its button."""
    page.goto(url)
    page.get_by_role("button", name="Start practising").click()
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, App, str]]:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.db"
    with sqlite_system(path) as system:
        demo_door.seed(system)
        students = [u for role, u, _pw in demo_door.logins(system) if role == "student"]
        with serve(system) as base:
            yield base, system, students[-1]  # the student in between: some skills mastered, some not


def _tagged(html: str, attr: str = "data-percent") -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in re.findall(r"<[^>]*data-skill=[^>]*>", html):
        m = re.search(r'data-skill="([^"]+)"', tag)
        v = re.search(rf'{attr}="([^"]*)"', tag)
        if m and v:
            out[m.group(1)] = v.group(1)
    return out


def _answer(system: App, presentation_id: str, right: bool) -> tuple[str, Any]:
    """The item's type and a response that is right (or surely wrong) for this presentation."""
    with system.uow() as uow:
        pres = uow.session.get(tp.PracticePresentationRow, presentation_id)
        assert pres is not None
        item = uow.items.get(pres.item_id)
        assert item is not None
        inst, _ = instantiate(item, pres.id)
        choices = list(pres.choices or inst.choices)
    key = inst.answer
    if inst.type == ItemType.SHORT_TEXT:
        return inst.type.value, (key[0] if isinstance(key, (list, tuple)) else key) if right else "zzz not this"
    if inst.type == ItemType.NUMERIC:
        return inst.type.value, str(key) if right else "987654321"
    if inst.type == ItemType.SINGLE_CHOICE:
        return inst.type.value, key if right else next(c for c in choices if c != key)
    if inst.type == ItemType.MULTIPLE_CHOICE:
        keys = list(key)
        return inst.type.value, keys if right else [next(c for c in choices if c not in keys)]
    order = list(key)
    return inst.type.value, order if right else list(reversed(order))


def _submit(page: Any, kind: str, response: Any) -> None:
    if kind in ("numeric", "short_text"):
        page.locator("#response").fill(response)
    elif kind == "single_choice":
        page.locator(f'input[name="response"][value="{response}"]').check()
    elif kind == "multiple_choice":
        for r in response:
            page.locator(f'input[name="response"][value="{r}"]').check()
    else:
        selects = page.locator('select[name="response"]')
        for i, r in enumerate(response):
            selects.nth(i).select_option(r)
    page.locator("#check").click()
    page.wait_for_load_state()


def test_a_demo_student_sees_mastery_move_with_the_evidence_and_one_number_everywhere(
        demo_site: tuple[str, App, str], chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, username = demo_site
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_context().new_page()
        sign_in(page, base, username, demo.DEMO_PASSWORDS[Role.STUDENT])
        expect(page).to_have_url(f"{base}/student")

        def snapshot() -> tuple[dict[str, str], dict[str, str]]:
            page.goto(f"{base}/student/path")
            html = page.content()
            return _tagged(html), _tagged(html, "data-status")

        percents, statuses = snapshot()
        page.goto(f"{base}/practice")
        practisable = set(_tagged(page.content()))
        skill = next(k for k, st in statuses.items() if st == "in_progress" and k in practisable)

        _practise(page, f"{base}/practice/skill/{skill}")
        answered = 0
        for right in PATTERN * 2:
            if answered == len(PATTERN):
                break
            if page.locator("#answer-form").count() == 0:  # a finished item: go on, or start again when done
                if page.locator("#next").count():
                    page.locator("#next").click()
                    page.wait_for_load_state()
                if page.locator("#answer-form").count() == 0:
                    _practise(page, f"{base}/practice/skill/{skill}")
            before = int(page.locator("#mastery-meter").get_attribute("data-percent") or "0")
            pid = page.locator('#answer-form input[name="presentation_id"]').get_attribute("value")
            kind, response = _answer(system, pid or "", bool(right))
            _submit(page, kind, response)
            after = int(page.locator("#mastery-meter").get_attribute("data-percent") or "0")
            if right:
                expect(page.get_by_role("heading", name="Correct", exact=True)).to_be_visible()
                assert after >= before, f"a right answer lowered {skill}: {before}% -> {after}%"
            else:
                expect(page.get_by_role("heading", name="Not yet", exact=True)).to_be_visible()
                assert after <= before, f"a wrong answer raised {skill}: {before}% -> {after}%"
                page.locator("#skip").click()  # move on rather than retry
                page.wait_for_load_state()
            answered += 1
            now_percents, now_statuses = snapshot()
            for other in percents:
                if other == skill:
                    continue
                assert now_percents[other] == percents[other], f"{other} moved after an answer on {skill}"
                assert not (now_statuses[other] == "locked" and statuses[other] != "locked"), f"{other} locked"
            percents[skill], statuses[skill] = now_percents[skill], now_statuses[skill]
            _practise(page, f"{base}/practice/skill/{skill}")
        assert answered == len(PATTERN)

        # one number on every page the student sees
        page.goto(f"{base}/student")
        home = _tagged(page.content())
        page.goto(f"{base}/practice")
        practice = _tagged(page.content())
        page.goto(f"{base}/student/path")
        skill_map = _tagged(page.content())
        for k, v in skill_map.items():
            assert home.get(k, "") == v, (k, home.get(k), v)
            if k in practice:
                assert practice[k] == v, (k, practice[k], v)
        browser.close()


def test_the_seeded_history_reads_sensibly(demo_site: tuple[str, App, str]) -> None:
    _base, system, _u = demo_site
    from pathwise.domain.evidence import EvidenceKind

    with system.uow() as uow:
        learners = uow.evidence.learner_ids()
        rows = {(r.learner_id, r.skill_code): r for r in uow.mastery.for_learners(learners)}
        right_runs = mixed = right_mastered = mixed_mastered = 0
        for lid in learners:
            answers: dict[str, list[float]] = {}
            for ev in uow.evidence.for_learner(lid):
                if ev.kind == EvidenceKind.ANSWER:
                    for k in ev.skill_codes:
                        answers.setdefault(k, []).append(ev.score)
            for k, scores in answers.items():
                r = rows[(lid, k)]
                if len(scores) >= 4 and all(s >= 0.999 for s in scores[-4:]) and scores[-5:-4] != [0.0]:
                    right_runs += 1
                    right_mastered += r.p_mastery >= 0.95
                if len(scores) >= 5 and sum(s >= 0.999 for s in scores[-5:]) <= 2:
                    mixed += 1
                    mixed_mastered += r.p_mastery >= 0.95
    assert right_runs > 50 and mixed > 50
    assert right_mastered / right_runs >= 0.95  # right again and again: mastered
    assert mixed_mastered / mixed <= 0.01  # mostly misses lately: not mastered
