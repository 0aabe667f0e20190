"""The review and project-team pages over the demo school, read as the crawler reads pages: each
answers, shows no internal code of the demo's content in its visible text, and says mastery
states only in the words defined once. (Until the home pages link to them, the site-wide crawler
does not reach these pages, so this test starts from them.)"""

from __future__ import annotations

import re

import pytest

from pathwise.domain.people import Role
from pathwise.services import override_reviews
from pathwise.services.access import Actor, visible_sections
from pathwise.services.context import App, transaction
from pathwise.services.overrides import override_mastery
from tests.integration.test_crawl import PASSWORDS, crawl, demo, internal_codes  # noqa: F401
from tests.security.web_client import WebClient


def _login(system: App, role: str) -> tuple[str, Actor]:
    from pathwise.interop import demo as demo_door

    username = [u for r, u, _ in demo_door.logins(system) if r == role][-1]
    with system.uow() as uow:
        user = uow.users.by_username(username)
        assert user is not None
        return username, Actor.of(user)


@pytest.mark.slow
def test_review_and_team_pages_speak_plainly(demo: App) -> None:  # noqa: F811
    t_name, teacher = _login(demo, "teacher")
    with transaction(demo) as uow:
        section = visible_sections(uow, teacher)[0]
        student = uow.sections.members(section.id, Role.STUDENT)[0]
        fw = uow.frameworks.get(section.framework_id or "")
        assert fw is not None
        skill = fw.skills[0].code
        override_mastery(uow, demo.tracker(), teacher, student.id, skill, False, "one more check first")
        override_reviews.ask_review(uow, Actor.of(student), skill, "I can do these now")
        uow.users.set_profile(student.id, {"interests": ["cooking"]})
        s_name = student.username
    codes = internal_codes()
    pattern = re.compile(r"(?<![\w.])(" + "|".join(re.escape(x) for x in sorted(codes | {skill}, key=len,
                                                                                  reverse=True)) + r")(?![\w])")
    problems = []
    for username, password, starts in (
            (t_name, PASSWORDS["teacher"], ["/teacher/reviews", f"/teacher/classes/{section.id}/teams"]),
            (s_name, PASSWORDS["student"], [f"/student/skills/{skill}/review"])):
        c = WebClient(demo)
        try:
            assert c.login(username, password).status_code == 303
            for start in starts:
                seen, came_from = crawl(c, start)
                assert start in seen and seen[start][0] == 200, start
                for url, (status, text) in sorted(seen.items()):
                    if status == 404 or status >= 500:
                        problems.append(f"{url}: {status} (linked from {came_from.get(url)})")
                    if pattern.findall(text):
                        problems.append(f"{url}: shows internal codes {sorted(set(pattern.findall(text)))[:5]}")
                    if re.findall(r"^STATE: (.*)$", text, re.M):
                        problems.append(f"{url}: mastery words outside the vocabulary")
        finally:
            c.close()
    assert problems == []
