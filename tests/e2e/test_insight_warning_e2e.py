"""Early warning in headless Chromium: the teacher opens "Who needs attention" from the
class page and sees the most urgent student first, with the reason and a link to the evidence."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'warning.db') as system:
        w = build_school(system, evidence=False)
        now = datetime.now(UTC)
        evs = []
        # Ben: sixteen tries at Compare fractions over four days, none right (spinning and stalled)
        for i in range(16):
            at = now - timedelta(days=6) + timedelta(days=i // 4, minutes=5 * (i % 4))
            evs.append(Evidence(f"e2e-ben-{i}", w.ben, EvidenceKind.ANSWER, ("frac.compare",), 0.0, at))
        # Ana: steady work today, all right
        for i in range(6):
            evs.append(Evidence(f"e2e-ana-{i}", w.ana, EvidenceKind.ANSWER, ("frac.equiv",), 1.0,
                                now - timedelta(hours=2, minutes=-5 * i)))
        with system.uow() as uow:
            record_evidence(uow, system.tracker(), Actor.system("test"), evs)
            uow.commit()
        with serve(system) as base:
            yield base, system, w


def test_teacher_sees_the_most_urgent_student_first(server, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, _system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(page, base, w.username(w.teacher))
        page.goto(f"{base}/teacher/classes/{w.class_a}")
        page.locator("#class-attention-link").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("who needs attention")
        rows = page.locator(".attention-row")
        expect(rows.first.locator(".attention-name")).to_have_text("Ben Carter")
        expect(rows.first).to_contain_text("Many tries without progress on Compare fractions")
        # Cara has done nothing yet: listed after Ben; Ana, working steadily, is not listed
        expect(rows).to_have_count(2)
        expect(rows.nth(1).locator(".attention-name")).to_have_text("Cara Singh")
        rows.first.get_by_role("link", name="Compare fractions").first.click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/learners/{w.ben}/skills/frac.compare")
        browser.close()
