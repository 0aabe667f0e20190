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
