"""End to end in headless Chromium, a roster import as a background job, seen the way a
school administrator sees it: she checks a OneRoster bundle, imports it, and lands on the
job's page, which follows the job by itself (htmx) until it is done and shows what
changed; the Jobs page lists it once, in words. A bundle checked clean but rejected when
it runs (an account took one of its usernames in between) ends as failed, says why, and
stores nothing. A worker runs beside the server, in its threads, on the SQLite queue file
next to the database (the server here starts without its lifespan, so nothing else would
start one)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pathwise.services import jobs
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.queue import queue_of
from tests.e2e.live import launch, serve, sign_in, sqlite_system
from tests.security.test_tenancy import roster_zip
from tests.security.web_school import WebSchool, build_school

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FINISHED_WITHIN_MS = 30_000  # a generous ceiling for the page to show the end, not a speed target
NEW_TEACHER_PASSWORD = "violet harbour lantern 58"
TITLE = re.compile(r"^Roster import: [\w.-]+\.zip$")  # the kind in words, then the bundle's file name


@pytest.fixture
def site(tmp_path: Path, chromium_path: str) -> Iterator[tuple[str, App, WebSchool]]:
    with sqlite_system(tmp_path / "jobs-e2e.db") as system:
        w = build_school(system, evidence=False)
        queue = queue_of(system)
        assert queue.start_embedded(1, scheduled=False), "the job worker did not start"
        try:
            with serve(system) as base:
                yield base, system, w
        finally:
            queue.stop_embedded()
    assert (tmp_path / "jobs-e2e.queue.db").exists()  # the queue lived beside the database


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p, chromium_path)
        yield b
        b.close()


def _page(browser: Any) -> Any:
    """A page in a context of its own, keeping every console error and uncaught exception."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.errors = errors
    return page


def _bundle(tmp_path: Path, name: str = "riverside-roster.zip") -> Path:
    path = tmp_path / name
    path.write_bytes(roster_zip("e2e", "Riverside Primary"))
    return path


def _check(page: Any, base: str, bundle: Path) -> None:
    """Roster import from the main navigation, the bundle chosen and checked (a dry run)."""
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster import").click()
    expect(page.get_by_role("heading", name="Roster import", level=1)).to_be_visible()
    page.get_by_label("OneRoster bundle").set_input_files(str(bundle))
    page.get_by_role("button", name="Check (nothing is stored)").click()
    expect(page.locator("#roster-check")).to_contain_text("Nothing is stored yet. This is what the import would do.")
    assert page.url == f"{base}/admin/roster/check"


def _users(system: App) -> int:
    with system.uow() as uow:
        return uow.users.count()


def _jobs(system: App) -> list[jobs.JobView]:
    with system.uow() as uow:
        return jobs.recent(uow, Actor.system("e2e"))


def _row(page: Any, kind: str) -> list[str]:
    """A row of the report's counts table: New, Updated, Removed, Unchanged."""
    return [t.strip() for t in page.locator(f"#roster-counts tr[data-kind='{kind}'] td").all_inner_texts()]


def test_a_checked_roster_imports_as_a_job_the_page_follows_to_the_end(  # type: ignore[no-untyped-def]
        site, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, system, w = site
    users_before = _users(system)
    page = _page(browser)
    sign_in(page, base, w.username(w.admin))
    assert page.url == f"{base}/admin"

    _check(page, base, _bundle(tmp_path))
    assert _row(page, "user") == ["2", "0", "0", "0"]  # what the import would do: a teacher and a student
    assert _users(system) == users_before and _jobs(system) == []  # the check stored nothing, asked no job

    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(f"{base}/jobs/job_*")
    job_id = page.url.rsplit("/", 1)[1]
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("link", name="← Jobs")).to_have_attribute("href", "/jobs")

    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-status", "succeeded", timeout=FINISHED_WITHIN_MS)
    expect(progress.get_by_role("heading", level=2)).to_have_text("Done")
    changed = _jobs(system)[0].result["changed"]
    assert changed >= 5  # at least the class, two people and their two places in it
    expect(page.locator("#job-done")).to_have_text(f"The roster is imported: {changed} changes stored.")
    bar = page.locator("#job-bar")
    expect(bar).to_have_attribute("value", "100")
    assert bar.evaluate("b => b.position") == 1.0  # the bar the reader sees is full
    # the report of what changed: the table and its words, as the page shows them
    expect(page.locator("#counts-title")).to_have_text("What changed")
    assert _row(page, "user") == ["2", "0", "0", "0"]
    assert _row(page, "class") == ["1", "0", "0", "0"]
    assert _row(page, "enrollment") == ["2", "0", "0", "0"]
    shown = page.locator("#job-progress").inner_text()
    for words in ("People", "Classes", "Places in classes", "No problems found."):
        assert words in shown, words
    expect(progress).not_to_have_attribute("hx-get", "/jobs/" + job_id + "/progress")  # it stopped asking
    page.screenshot(path="/tmp/jobs_e2e_done.png", full_page=True)

    with system.uow() as uow:
        teacher, student = uow.users.by_username("e2e.teacher"), uow.users.by_username("e2e.student")
    assert teacher is not None and teacher.school_id == w.school and teacher.display_name == "Tess E2E"
    assert student is not None and student.school_id == w.school
    assert _users(system) == users_before + 2
    with system.uow() as uow:  # the bundle's one org is the admin's own school, not a new one
        assert [s.name for s in uow.schools.list()] == ["Hillview School", "Riverside Primary"]

    # the way on from the result: the accounts now hold the new people
    page.get_by_role("link", name="See the accounts").click()
    expect(page.locator("#accounts")).to_contain_text("Tess E2E")
    expect(page.locator("#accounts")).to_contain_text("Sam E2E")

    # the Jobs page lists the job once, its title a link, its state in words
    page.goto(f"{base}/jobs")
    expect(page.get_by_role("heading", name="Jobs", level=1)).to_be_visible()
    rows = page.locator("#jobs tbody tr")
    expect(rows).to_have_count(1)
    row = rows.first
    assert row.get_attribute("data-job") == job_id
    expect(row.get_by_role("link")).to_have_text(TITLE)
    expect(row.get_by_role("link")).to_have_attribute("href", f"/jobs/{job_id}")
    expect(row.locator("td").first).to_have_text("done")
    expect(row.locator("progress")).to_have_attribute("value", "100")
    page.screenshot(path="/tmp/jobs_e2e_list.png", full_page=True)
    row.get_by_role("link").click()
    expect(page.locator("#job-progress")).to_have_attribute("data-status", "succeeded")
    assert len(_jobs(system)) == 1
    assert page.errors == []
    page.context.close()


def test_a_bundle_rejected_when_its_job_runs_ends_failed_and_stores_nothing(  # type: ignore[no-untyped-def]
        site, browser, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, system, w = site
    page = _page(browser)
    sign_in(page, base, w.username(w.admin))

    # bytes that are not a zip never become a job: the check says so in words
    junk = tmp_path / "roster.zip"
    junk.write_bytes(b"name,role\nTess,teacher\n")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Roster import").click()
    page.get_by_label("OneRoster bundle").set_input_files(str(junk))
    page.get_by_role("button", name="Check (nothing is stored)").click()
    expect(page.locator("#roster-problem")).to_contain_text("This is not a OneRoster bundle Pathwise can read")
    expect(page.get_by_role("button", name="Import", exact=True)).to_have_count(0)
    assert _jobs(system) == []
    # the refusal comes back as 422, which the browser logs; it is the only thing it logs
    assert len(page.errors) == 1 and "/admin/roster/check" in page.errors[0] and "422" in page.errors[0]
    page.errors.clear()

    # a clean bundle is checked; before it is imported, someone at another desk makes an
    # account by hand with the username the bundle gives its teacher
    _check(page, base, _bundle(tmp_path))
    other = _page(browser)
    sign_in(other, base, w.username(w.admin))
    other.get_by_role("navigation", name="Main").get_by_role("link", name="Accounts").click()
    form = other.locator("#new-account")
    form.get_by_label("Role").select_option(label="Teacher")
    form.get_by_label("Name", exact=True).fill("Tess Handmade")
    form.get_by_label("Username").fill("e2e.teacher")
    form.get_by_label("First password").fill(NEW_TEACHER_PASSWORD)
    form.get_by_role("button", name="Create the account").click()
    expect(other.locator("#account-notice")).to_have_text("The account was created.")
    users_before = _users(system)

    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(f"{base}/jobs/job_*")
    job_id = page.url.rsplit("/", 1)[1]
    progress = page.locator("#job-progress")
    expect(progress).to_have_attribute("data-status", "failed", timeout=FINISHED_WITHIN_MS)
    expect(progress.get_by_role("heading", level=2)).to_have_text("Failed")
    error = page.locator("#job-error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_have_text(re.compile(r"^Nothing was imported: the bundle has \d+ errors?\. Fix them, or check it "
                                          r"again with “Leave bad rows out”\.$"))
    taken = page.locator("#roster-problems tbody tr", has_text="'e2e.teacher' belongs to another account already")
    expect(taken).to_have_count(1)
    cells = [t.strip() for t in taken.locator("td").all_inner_texts()]
    assert cells[0] == "users.csv" and cells[2] == "username" and cells[4] == "error", cells
    expect(page.locator("#counts-title")).to_have_text("What the import would change")
    expect(progress.get_by_role("link", name="Check the bundle again")).to_have_attribute("href", "/admin/roster")
    expect(page.locator("#job-done")).to_have_count(0)
    page.screenshot(path="/tmp/jobs_e2e_failed.png", full_page=True)

    # nothing of the bundle was kept: no new account, the hand-made one untouched
    assert _users(system) == users_before
    with system.uow() as uow:
        assert uow.users.by_username("e2e.student") is None
        hand = uow.users.by_username("e2e.teacher")
        assert hand is not None and hand.display_name == "Tess Handmade"
    (failed,) = _jobs(system)
    assert failed.id == job_id and failed.status == "failed"

    page.goto(f"{base}/jobs")
    rows = page.locator("#jobs tbody tr")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-job") == job_id
    expect(rows.first.locator("td").first).to_have_text("failed")
    # how far it got before failing means nothing here (the import keeps all or nothing)
    expect(rows.first.locator("progress")).to_have_count(0)
    expect(rows.first.locator("td").nth(1)).to_have_text("—")
    page.screenshot(path="/tmp/jobs_e2e_failed_list.png", full_page=True)
    expect(rows.first.get_by_role("link")).to_have_text(TITLE)
    assert page.errors == [] and other.errors == []
    other.context.close()
    page.context.close()
