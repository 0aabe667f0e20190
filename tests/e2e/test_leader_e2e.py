"""End to end in headless Chromium, the school leader's view on a small demo school: the
admin reaches "School progress" from her home page, reads tables that name no student,
downloads the same figures as CSV, and a teacher who types the address gets the uniform
"not found" page."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.domain.people import Role
from pathwise.interop import demo as demo_door
from pathwise.services.context import App
from pathwise.store import tables as t
from tests.e2e.live import launch, serve, sign_in, sqlite_system

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def demo(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App]]:
    with sqlite_system(tmp_path / "leader.db") as system:
        demo_door.seed(system, students_per_class=6, weeks=4)
        with serve(system) as base:
            yield base, system


def _login(system: App, role: str) -> tuple[str, str]:
    for r, username, password in demo_door.logins(system):
        if r == role:
            return username, password
    raise AssertionError(f"the demo has no {role} login")


def test_the_leader_reads_school_progress_and_downloads_it(demo, chromium_path: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    base, system = demo
    with system.uow() as uow:
        students = [name for (name,) in uow.session.query(t.UserRow.display_name)
                    .filter(t.UserRow.role == Role.STUDENT.value)]
    assert len(students) >= 10
    admin, admin_pw = _login(system, "admin")
    teacher, teacher_pw = _login(system, "teacher")
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_page()
        sign_in(page, base, admin, admin_pw)
        page.locator("#admin-tasks").get_by_role("link", name="School progress").click()
        expect(page.get_by_role("heading", level=1, name="School progress")).to_be_visible()
        school = page.locator("#school-caption-table tbody tr").first
        expect(school).to_be_visible()
        cells = [c.strip() for c in school.locator("td").all_inner_texts()]
        assert re.fullmatch(r"\d+", cells[0]) and int(cells[0]) == len(students), cells
        text = page.inner_text("main")
        for name in students:
            assert name not in text, f"a student's name on the leader's page: {name}"
        assert page.locator("table caption", has_text="Classes following").count() >= 1
        assert page.locator("#activity-table tbody tr").count() >= 1
        with page.expect_download() as got:
            page.get_by_role("link", name="Download these tables (CSV)").click()
        body = Path(got.value.path()).read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(body)))
        assert len(rows) > 3
        for name in students:
            assert name not in body
        assert any(str(len(students)) in r for r in rows), "the CSV does not carry the school's student count"
        page.context.close()

        teacher_page = browser.new_page()
        sign_in(teacher_page, base, teacher, teacher_pw)
        answer = teacher_page.goto(f"{base}/admin/insight")
        assert answer is not None and answer.status == 404
        expect(teacher_page.get_by_role("navigation").first).to_be_visible()  # the menu is kept
        browser.close()
