"""Framework and items imports as background jobs (SQLite and PostgreSQL): a CASE package
and then an items file imported by a school's admin through jobs; run again, each stores
nothing twice; a bad file fails its job with every problem and keeps nothing; the API takes
them as jobs too."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from pathwise.domain.people import Role, School, User
from pathwise.interop.jobs import register_kinds
from pathwise.services import auth, jobs
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.errors import NotFound
from pathwise.store import tables as t
from tests.security.web_client import WebClient

register_kinds()
STAMP = "2026-09-01T00:00:00Z"
CASE = json.dumps({
    "CFDocument": {"identifier": "doc-tally", "uri": "urn:doc-tally", "title": "Tallies", "creator": "Alder",
                   "lastChangeDateTime": STAMP},
    "CFItems": [{"identifier": f"doc-tally-{i}", "uri": f"urn:doc-tally:{i}", "fullStatement": f"Tally to {5 * i}",
                 "humanCodingScheme": f"tally.{i}", "lastChangeDateTime": STAMP} for i in (1, 2, 3)],
    "CFAssociations": [],
}).encode()
ITEMS = b"""items:
  - id: job.tally.1
    skills: [tally.1]
    type: numeric
    prompt: "Four strokes and a bar make how many?"
    answer: "5"
  - id: job.tally.2
    skills: [tally.2]
    type: numeric
    prompt: "Two bundles of five make how many?"
    answer: "10"
"""


def _admin(app: App) -> Actor:
    with transaction(app) as uow:
        uow.schools.add(School("sch-a", "Alder School"))
        uow.users.add(User("u-adm-a", "sch-a", "adm.a", "Admin A", Role.ADMIN))
    return Actor("u-adm-a", Role.ADMIN, "sch-a", "api")


def _run(app: App, actor: Actor, kind: str, name: str, data: bytes, **params: object) -> jobs.JobView:
    with transaction(app) as uow:
        view = jobs.submit(uow, actor, kind, params=dict(params), file=(name, data))
    assert view.school_id == "sch-a"
    jobs.run(app, view.id, worker="w1")
    with transaction(app) as uow:
        return jobs.get(uow, actor, view.id)


def _count(app: App, table: type) -> int:
    with app.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_framework_then_its_items_import_as_jobs_and_again_store_nothing_twice(app: App) -> None:
    admin = _admin(app)
    fw = _run(app, admin, "framework-import", "tally.json", CASE)
    assert fw.status == "succeeded", fw.error
    assert fw.result["skills"] == 3 and fw.result["framework"]["created"] is True
    framework_id = fw.result["framework_id"]
    again = _run(app, admin, "framework-import", "tally.json", CASE)
    assert again.status == "succeeded" and again.result["framework"]["created"] is False
    with app.uow() as uow:
        assert uow.frameworks.get(framework_id) is not None
    items = _run(app, admin, "items-import", "tally.yaml", ITEMS, framework_id=framework_id)
    assert items.status == "succeeded", (items.error, items.result)
    assert (items.result["created"], items.result["updated"], items.result["unchanged"]) == (2, 0, 0)
    n = _count(app, t.ItemRow)
    again = _run(app, admin, "items-import", "tally.yaml", ITEMS, framework_id=framework_id)
    assert (again.result["created"], again.result["unchanged"]) == (0, 2) and _count(app, t.ItemRow) == n


def test_a_bad_items_file_fails_its_job_with_every_problem_and_keeps_nothing(app: App) -> None:
    admin = _admin(app)
    fw = _run(app, admin, "framework-import", "tally.json", CASE)
    bad = ITEMS.replace(b"[tally.2]", b"[no.such.skill]").replace(b'answer: "5"', b"answer:")
    before = _count(app, t.ItemRow)
    view = _run(app, admin, "items-import", "tally.yaml", bad, framework_id=fw.result["framework_id"])
    assert view.status == "failed" and "Nothing was stored" in (view.error or "")
    said = " ".join(view.result["problems"])
    assert "no.such.skill" in said and len(view.result["problems"]) >= 2, said
    assert _count(app, t.ItemRow) == before  # the good item was not kept either
    broken = _run(app, admin, "framework-import", "broken.json", b"{not json")
    assert broken.status == "failed" and "not a usable CASE package" in (broken.error or "")


def test_the_api_takes_a_framework_and_items_as_jobs(app: App) -> None:
    _admin(app)
    with transaction(app) as uow:
        auth.set_password(uow, Actor.system(), "u-adm-a", "a-long-enough-passphrase-7")
    c = WebClient(app)
    try:
        tok = {"Authorization": f"Bearer {c.token('adm.a', 'a-long-enough-passphrase-7')}"}
        r = c.post("/api/v1/jobs", data={"kind": "framework-import"}, files={"file": ("t.json", CASE)}, headers=tok)
        assert r.status_code == 202, r.text
        fw = c.get(r.headers["location"], headers=tok).json()
        assert fw["status"] == "succeeded", fw
        r = c.post("/api/v1/jobs", data={"kind": "items-import", "framework_id": fw["result"]["framework_id"]},
                   files={"file": ("t.yaml", ITEMS)}, headers=tok)
        assert r.status_code == 202, r.text
        done = c.get(r.headers["location"], headers=tok).json()
        assert done["status"] == "succeeded" and done["result"]["created"] == 2, done
    finally:
        c.close()


def test_an_export_of_the_schools_answers_is_a_job_whose_file_only_its_school_downloads(app: App) -> None:
    from pathwise.services.responses import export_to_string
    from tests.security.web_school import build_school

    w = build_school(app)  # two schools, with answers
    with transaction(app) as uow:
        expected = export_to_string(uow, Actor(w.admin, Role.ADMIN, w.school, "api"))
    assert expected.count("\n") > 1  # a header and answers
    c, hill = WebClient(app), WebClient(app)
    try:
        assert c.login(w.username(w.admin)).status_code == 303
        assert hill.login(w.username(w.other_admin)).status_code == 303
        home = c.page("/admin")
        assert 'action="/admin/responses/export"' in home.text
        r = c.post("/admin/responses/export", data={"csrf_token": c.csrf})
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/job_")
        job_url = r.headers["location"]
        page = c.page(job_url)
        assert 'data-status="succeeded"' in page.text and f'href="{job_url}/file"' in page.text, page.text
        rows = expected.count("\n") - 1  # the page says what was written, in words, with the file's count
        assert f"<dt>Rows in the file</dt><dd>{rows:,}</dd>" in page.text, page.text
        assert "<dt>File size</dt>" in page.text and "<dt>bytes</dt>" not in page.text
        got = c.page(f"{job_url}/file")
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        assert "attachment" in got.headers["content-disposition"]
        assert got.text == expected  # the same rows as the command line's export
        assert hill.page(f"{job_url}/file").status_code == 404  # another school's admin
        job_id = job_url.rsplit("/", 1)[1]
        tok = {"Authorization": f"Bearer {c.token(w.username(w.admin))}"}
        api = c.get(f"/api/v1/jobs/{job_id}/file", headers=tok)
        assert api.status_code == 200 and api.text == expected
        r = c.post("/api/v1/jobs", data={"kind": "responses-export"}, headers=tok)
        assert r.status_code == 202, r.text
        assert c.get(r.headers["location"], headers=tok).json()["result"]["rows"] == expected.count("\n") - 1
        r = c.post("/api/v1/jobs", data={"kind": "roster-import"}, headers=tok)
        assert r.status_code == 422 and "needs the file" in r.text  # an import without its file
    finally:
        c.close()
        hill.close()
    with transaction(app) as uow:  # a job that made no file says so
        roster_job = jobs.submit(uow, Actor(w.admin, Role.ADMIN, w.school, "api"), "framework-import",
                                 file=("t.json", CASE))
    try:
        with transaction(app) as uow:
            jobs.output(uow, Actor(w.admin, Role.ADMIN, w.school, "api"), roster_job.id)
        raise AssertionError("a job without a file gave one")
    except NotFound as exc:
        assert "no file to download yet" in str(exc)


def test_the_command_line_submits_an_export_and_writes_its_file(app: App, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathwise.services.responses import export_to_string
    from tests.cli_runner import run_cli
    from tests.security.web_school import build_school

    w = build_school(app)
    monkeypatch.setenv("PATHWISE_QUEUE_URL", "memory://")
    r = run_cli(app, monkeypatch, ["jobs", "submit", "responses-export", "--school", w.school, "--here"])
    assert r.exit_code == 0, r.output
    job_id = r.output.split("submitted ", 1)[1].split(":", 1)[0]
    out_file = tmp_path / "answers.csv"
    r = run_cli(app, monkeypatch, ["jobs", "file", job_id, "--out", str(out_file)])
    assert r.exit_code == 0, r.output
    with transaction(app) as uow:
        expected = export_to_string(uow, Actor(w.admin, Role.ADMIN, w.school, "api"))
    assert out_file.read_text() == expected
    r = run_cli(app, monkeypatch, ["jobs", "file", "job_nosuch000000000000", "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and not (tmp_path / "x").exists()


def test_a_job_run_here_that_ends_while_its_state_is_read_is_shown_with_its_outcome(app: App, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The command read the job as still running, then saw its run had ended, and reported
    a failure for a job that had succeeded."""
    import threading
    import time

    from tests.cli_runner import run_cli
    from tests.security.web_school import build_school

    w = build_school(app)
    monkeypatch.setenv("PATHWISE_QUEUE_URL", "memory://")
    real_run, real_get = jobs.run, jobs.get
    go, done = threading.Event(), threading.Event()

    def run(system, job_id):  # type: ignore[no-untyped-def]
        go.wait(10)
        try:
            real_run(system, job_id)
        finally:
            done.set()

    def get(uow, actor, job_id):  # type: ignore[no-untyped-def]
        view = real_get(uow, actor, job_id)
        if not go.is_set():  # the first read: the job has not run yet; it runs and ends now
            go.set()
            assert done.wait(20)
            time.sleep(0.3)
        return view

    monkeypatch.setattr(jobs, "run", run)
    monkeypatch.setattr(jobs, "get", get)
    r = run_cli(app, monkeypatch, ["jobs", "submit", "responses-export", "--school", w.school, "--here"])
    assert r.exit_code == 0, r.output
    assert "succeeded" in r.output and "failed" not in r.output, r.output
