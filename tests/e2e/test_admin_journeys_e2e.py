"""End to end in headless Chromium, the school administrator's journey in the pages alone:
she checks the OneRoster sample (a dry run that stores nothing), imports it, creates a family
account, links it to a child from the roster (the family member then sees the child), exports
the child's record and deletes it with the confirmation step. The import runs as a
background job; she watches its page until it is done."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.services.context import App
from pathwise.services.queue import queue_of
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]
GUARDIAN_PASSWORD = "plum tiger mosaic 417"


@pytest.fixture
def server(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / 'e2e.db') as system:
        w = build_school(system, evidence=False)
        queue = queue_of(system)  # the import runs as a background job, as under `pathwise serve`
        assert queue.start_embedded(1, scheduled=False), "the job worker did not start"
        try:
            with serve(system) as base:
                yield base, system, w
        finally:
            queue.stop_embedded()


def _sample_zip(shared_data: Path, tmp_path: Path) -> Path:
    """The OneRoster 1.1 sample (../shared/data) as the zip a school's system exports."""
    folder = shared_data / "oneroster" / "Test_full_data_set"
    out = tmp_path / "oneroster-sample.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(folder.glob("*.csv")):
            zf.writestr(f.name, f.read_bytes())
    out.write_bytes(buf.getvalue())
    return out


def test_admin_imports_roster_links_a_guardian_and_runs_privacy_requests(  # type: ignore[no-untyped-def]
        server, chromium_path: str, shared_data: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, system, w = server
    bundle = _sample_zip(shared_data, tmp_path)
    with sync_playwright() as p:
        browser = launch(p, chromium_path)
        page = browser.new_context(accept_downloads=True).new_page()
        sign_in(page, base, "admin")
        nav = page.get_by_role("navigation", name="Main")

        # the roster: a dry run first, then the import
        nav.get_by_role("link", name="Roster import").click()
        expect(page.get_by_role("heading", name="Roster import", level=1)).to_be_visible()
        page.get_by_label("OneRoster bundle").set_input_files(str(bundle))
        page.get_by_role("button", name="Check (nothing is stored)").click()
        check = page.locator("#roster-check")
        expect(check).to_contain_text("Nothing is stored yet. This is what the import would do.")
        expect(page.locator("#roster-counts tr[data-kind='user'] td").first).to_have_text("6")
        expect(page.locator("#roster-problems")).to_contain_text("is marked tobedeleted: enrollment left out")
        with system.uow() as uow:
            assert uow.users.by_username("anna.brown") is None  # the dry run stored nothing
        page.get_by_role("button", name="Import", exact=True).click()
        expect(page).to_have_url(re.compile(r"/jobs/[\w-]+$"))  # the import's job, watched to its end
        expect(page.locator("[data-status='succeeded']")).to_be_visible(timeout=30_000)
        expect(page.locator("#job-done")).to_contain_text("The roster is imported")

        # a family account, linked to a child the roster brought in
        nav.get_by_role("link", name="Accounts").click()
        expect(page.locator("#accounts")).to_contain_text("Anna Brown")
        form = page.locator("#new-account")
        form.get_by_label("Role").select_option(label="Family member")
        form.get_by_label("Name", exact=True).fill("Grace Brown")
        form.get_by_label("Username").fill("grace.brown")
        form.get_by_label("First password").fill(GUARDIAN_PASSWORD)
        form.get_by_role("button", name="Create the account").click()
        expect(page.locator("#account-notice")).to_have_text("The account was created.")
        expect(page.get_by_role("heading", name="Grace Brown", level=1)).to_be_visible()
        page.get_by_label("Link a child").select_option(label="Anna Brown (anna.brown)")
        page.get_by_role("button", name="Link", exact=True).click()
        expect(page.locator("#account-notice")).to_have_text("Linked.")
        expect(page.locator("#links")).to_contain_text("Anna Brown")

        family = browser.new_context().new_page()
        sign_in(family, base, "grace.brown", GUARDIAN_PASSWORD)
        expect(family).to_have_url(f"{base}/guardian")
        expect(family.locator("main")).to_contain_text("Anna Brown")
        family.context.close()

        # the privacy requests: export the record, then delete it after typing the name
        nav.get_by_role("link", name="Privacy").click()
        page.get_by_label("Learner's name or username").fill("anna")
        page.get_by_role("button", name="Search").click()
        page.locator("#privacy-learners").get_by_role("link", name="Anna Brown", exact=True).click()
        expect(page.get_by_role("heading", name="Anna Brown: privacy requests")).to_be_visible()
        with page.expect_download() as got:
            page.get_by_role("link", name="Download the record (JSON)").click()
        exported = json.loads(Path(got.value.path()).read_text())
        assert exported["learner"]["display_name"] == "Anna Brown"
        assert [g["display_name"] for g in exported["guardians"]] == ["Grace Brown"]
        page.get_by_label("To confirm, type the learner's name").fill("Anna")
        page.get_by_role("button", name="Delete for good").click()
        expect(page.locator("#privacy-problem")).to_contain_text("type the learner's name exactly: Anna Brown")
        page.get_by_label("To confirm, type the learner's name").fill("Anna Brown")
        page.get_by_role("button", name="Delete for good").click()
        expect(page.get_by_role("heading", name="Anna Brown's record is deleted")).to_be_visible()
        expect(page.locator("#deletion-report")).to_contain_text("users")
        expect(page.locator("#deletion-reference")).to_have_text(exported_reference(system, exported))
        browser.close()
    with system.uow() as uow:
        assert uow.users.by_username("anna.brown") is None
        assert uow.privacy.mentions(exported["learner"]["id"]) == {}


def exported_reference(system: App, exported: dict[str, object]) -> str:
    """The one-way reference the deletion shows: the same value the privacy service derives."""
    from pathwise.services.privacy import _learner_ref

    learner = exported["learner"]
    assert isinstance(learner, dict)
    return _learner_ref(str(learner["id"]))
