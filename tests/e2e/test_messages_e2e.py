"""Messages in headless Chromium: a guardian writes to the teachers of her child, the teacher sees
one unread conversation in the navigation, opens it (the count goes), replies, and the guardian
sees the reply in her navigation's count and in the conversation, its line breaks kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "messages.db") as system:
        w = build_school(system)
        with serve(system) as base:
            yield base, system, w


def test_a_guardian_writes_the_teacher_replies_and_both_see_unread_counts(  # type: ignore[no-untyped-def]
        server, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _system, w = server
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        parent = browser.new_page(viewport={"width": 1280, "height": 900})
        sign_in(parent, base, "lopez")
        nav = parent.get_by_role("navigation", name="Main")
        expect(nav.get_by_role("link", name="Messages", exact=True)).to_be_visible()  # nothing unread yet
        nav.get_by_role("link", name="Messages").click()
        parent.get_by_role("link", name="Write to Ana Lopez's teachers").click()
        expect(parent.get_by_role("heading", level=1)).to_have_text("Messages about Ana Lopez")
        parent.get_by_label("Subject").fill("Fractions at home")
        parent.get_by_label("Message").fill("Hello Ms Rivera,\nAna finds halves hard. Any tips?")
        parent.get_by_role("button", name="Send to Ana's teachers").click()
        expect(parent.get_by_role("status")).to_have_text("Message sent. The teachers see it in their messages.")
        expect(parent.locator("#thread .message-body")).to_have_count(1)

        teacher = browser.new_context().new_page()
        sign_in(teacher, base, "rivera")
        tnav = teacher.get_by_role("navigation", name="Main")
        expect(tnav.get_by_role("link", name="Messages (1 unread)")).to_be_visible()
        tnav.get_by_role("link", name="Messages (1 unread)").click()
        expect(teacher.locator("#unread-summary")).to_have_text("1 conversation has a new message.")
        row = teacher.locator("#threads tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Ana Lopez")
        expect(row).to_contain_text("Rosa Lopez")
        row.get_by_role("link", name="Fractions at home").click()
        expect(teacher.get_by_role("heading", level=1)).to_have_text("Fractions at home")
        body = teacher.locator(".message-body").first
        expect(body).to_contain_text("Ana finds halves hard.")
        assert body.inner_html().count("<br>") == 1  # the line break is kept
        expect(tnav.get_by_role("link", name="Messages", exact=True)).to_be_visible()  # read now
        teacher.get_by_label("Your reply").fill("Try halving a recipe together.")
        teacher.get_by_role("button", name="Send reply").click()
        expect(teacher.get_by_role("status")).to_contain_text("Reply sent.")
        expect(teacher.locator(".message-body")).to_have_count(2)

        parent.goto(f"{base}/guardian")
        pnav = parent.get_by_role("navigation", name="Main")
        expect(pnav.get_by_role("link", name="Messages (1 unread)")).to_be_visible()
        pnav.get_by_role("link", name="Messages (1 unread)").click()
        expect(parent.locator("#unread-summary")).to_have_text("1 conversation has a new message.")
        parent.get_by_role("link", name="Fractions at home").click()
        expect(parent.locator("#thread")).to_contain_text("Try halving a recipe together.")
        expect(parent.locator("#thread")).to_contain_text("Maria Rivera")
        expect(pnav.get_by_role("link", name="Messages", exact=True)).to_be_visible()
        # another family's child: the uniform "not found"
        other = parent.goto(f"{base}/guardian/children/{w.dan}/messages")
        assert other is not None and other.status == 404
        browser.close()
