"""The school leader's view (/admin/insight and its CSV) on the demo school.

The page and the CSV name no student, publish no number built from fewer than K students,
and a class of three cannot be recovered from the school's or the framework's totals; the
use case reads the school in a fixed number of queries, and only the school's admin may see it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pathwise.config import Mode, Settings
from pathwise.domain.clock import utcnow
from pathwise.domain.people import Role, Section, User
from pathwise.interop import demo as demo_door
from pathwise.services import leader
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.store import tables as t
from tests.integration.factories import statements
from tests.integration.test_crawl import PASSWORDS
from tests.security.web_client import WebClient

SMALL = "sec-small-group"
# the school, its time zone, classes, enrolments, frameworks, skills, units, estimates, answers
OVERVIEW_QUERIES = 9
SMALL_NAMES = ("Quinby Smallwood", "Rosalind Threefold", "Tobias Lonecell")


def _add_small_class(system: App, prefix: str, n: int, name: str) -> list[str]:
    """A class of ``n`` new students on the demo framework, each with a few estimates."""
    with system.uow() as uow:
        school_id = uow.session.query(t.SchoolRow.id).scalar()  # the demo's one school
        fw = uow.sections.in_school(school_id)[0].framework_id
        codes = [code for (code,) in uow.session.query(t.SkillRow.code).filter(t.SkillRow.framework_id == fw)
                 .order_by(t.SkillRow.position).limit(3)]
        uow.sections.add(Section(prefix, school_id, name, framework_id=fw))
        uow.flush()
        ids = []
        for i in range(n):
            lid = f"{prefix}-{i}"
            uow.users.add(User(lid, school_id, lid, SMALL_NAMES[i % len(SMALL_NAMES)] + ("" if i < 3 else f" {i}"),
                               Role.STUDENT))
            uow.flush()
            uow.sections.enrol(prefix, lid, Role.STUDENT)
            for j, code in enumerate(codes):
                uow.mastery.upsert(lid, code, p_mastery=0.2 + 0.3 * j, n_evidence=3, n_correct=1, explanation="",
                                   state={}, model_version="t", last_evidence_at=utcnow(), updated_at=utcnow())
            ids.append(lid)
        uow.commit()
    return ids


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path: Path = tmp_path_factory.mktemp("leader") / "demo.db"
    system = App.from_settings(Settings(database_url=f"sqlite:///{path}", mode=Mode.TEST))
    system.migrate()
    demo_door.seed(system, students_per_class=6, weeks=3)
    _add_small_class(system, SMALL, 3, "Small group")
    yield system
    system.close()


def _admin_actor(system: App) -> Actor:
    with system.uow() as uow:
        row = uow.session.query(t.UserRow).filter(t.UserRow.role == Role.ADMIN.value).first()
        assert row is not None
        return Actor(row.id, Role.ADMIN, row.school_id)


def _client(system: App, role: str) -> WebClient:
    username = [u for r, u, _ in demo_door.logins(system) if r == role][-1]
    c = WebClient(system)
    assert c.login(username, PASSWORDS[role]).status_code == 303
    return c


def _student_names(system: App) -> list[str]:
    with system.uow() as uow:
        sid = _admin_actor(system).school_id or ""
        return [u.display_name for u in uow.users.in_school(sid, Role.STUDENT)]


def _parse(text: str) -> tuple[list[str], list[dict[str, str]], list[dict[str, str]]]:
    comments = [line for line in text.splitlines() if line.startswith("#")]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    progress_part, activity_part = body.strip().split("\n\n")
    return (comments, list(csv.DictReader(io.StringIO(progress_part))),
            list(csv.DictReader(io.StringIO(activity_part))))


def test_every_published_cell_is_built_from_k_students_or_more(demo: App) -> None:
    with demo.uow() as uow:
        ov = leader.school_overview(uow, _admin_actor(demo))
    t_ = ov.tables
    assert t_.hidden, "the small class must hold something back"
    for key, n in t_.contributors.items():
        assert key in t_.hidden or n >= leader.K, (key, n)
    small = [r for r, _ in t_.classes if r.key == f"class:{SMALL}"]
    assert small and small[0].students is None and small[0].mean is None


def test_the_page_names_no_student_and_holds_back_the_small_class(demo: App) -> None:
    c = _client(demo, "admin")
    try:
        r = c.get("/admin/insight", headers={"accept": "text/html"})
        assert r.status_code == 200
        page = r.text
        assert "School progress" in page and 'href="/admin/insight.csv"' in page
        assert "Small group" in page and "held back" in page
        text = re.sub(r"(?s)<[^>]+>", " ", page)
        for name in _student_names(demo):
            assert name not in text, f"the page names a student: {name}"
        home = c.get("/admin", headers={"accept": "text/html"}).text
        assert 'href="/admin/insight"' in home
    finally:
        c.close()


def test_the_csv_holds_back_small_cells_and_the_small_class_cannot_be_derived(demo: App) -> None:
    c = _client(demo, "admin")
    try:
        r = c.get("/admin/insight.csv")
    finally:
        c.close()
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    for name in _student_names(demo):
        assert name not in r.text, f"the CSV names a student: {name}"
    comments, rows, weeks = _parse(r.text)
    assert any(f"fewer than {leader.K} students" in line for line in comments)
    for row in rows:
        if row["students"]:
            assert int(row["students"]) >= leader.K, row
        held = [k for k in leader.CSV_COLUMNS[4:-1] if row[k] == ""]
        assert bool(held) == bool(row["note"]), row
    for w in weeks:
        assert (w["answers"] == "") == (w["students who answered"] == "") == bool(w["note"]), w
        if w["students who answered"]:
            assert int(w["students who answered"]) >= leader.K
    small = next(row for row in rows if row["name"] == "Small group")
    assert small["students"] == "" and small["mean estimate over started skills (%)"] == ""
    classes = [row for row in rows if row["table"] == "class"]
    school = next(row for row in rows if row["table"] == "school")
    # the school's total minus every published class: the held-back classes together, never 3
    remainder = int(school["students"]) - sum(int(row["students"]) for row in classes if row["students"])
    held_back = [row for row in classes if not row["students"]]
    assert len(held_back) >= 2 and remainder >= leader.K, (remainder, held_back)


def test_the_overview_reads_the_school_in_a_fixed_number_of_queries(demo: App) -> None:
    admin = _admin_actor(demo)
    with statements(demo) as before, demo.uow() as uow:
        leader.school_overview(uow, admin)
    _add_small_class(demo, "sec-more", 9, "More students")
    with statements(demo) as after, demo.uow() as uow:
        ov = leader.school_overview(uow, admin)
    assert any(r.key == "class:sec-more" and r.students == 9 for r, _ in ov.tables.classes)
    assert len(before) == len(after) == OVERVIEW_QUERIES, (len(before), len(after))


@pytest.mark.parametrize("role", ["teacher", "student", "guardian"])
def test_only_the_schools_admin_sees_it(demo: App, role: str) -> None:
    c = _client(demo, role)
    try:
        for url in ("/admin/insight", "/admin/insight.csv"):
            r = c.get(url, headers={"accept": "text/html"})
            assert r.status_code in (403, 404), (url, r.status_code)
            assert "Students who answered" not in r.text and "students who answered" not in r.text
    finally:
        c.close()


# -- on SQLite and PostgreSQL -------------------------------------------------------------------------


def test_the_overview_counts_the_same_on_both_databases(app: App) -> None:
    """A tiny school on each database: 7 students answering in class 1 this week, Bob alone
    in class 2; the other school's student never counts, and its admin sees only their school."""
    from datetime import timedelta

    from pathwise.domain.evidence import Evidence, EvidenceKind
    from pathwise.services.evidence import record_evidence
    from tests.integration.factories import build_tiny

    tiny = build_tiny(app)
    ids = [f"u_s{i}" for i in range(6)]
    with app.uow() as uow:
        for lid in ids:
            uow.users.add(User(lid, tiny.school, lid, f"Student {lid}", Role.STUDENT))
        uow.flush()
        for lid in ids:
            uow.sections.enrol(tiny.class1, lid, Role.STUDENT)
        uow.commit()
    now = utcnow()
    evs = [Evidence(f"ev-{lid}-{k}", lid, EvidenceKind.ANSWER, ("frac.equiv",), 1.0, now - timedelta(minutes=k + 1),
                    item_id="x") for lid in [*ids, tiny.alice, tiny.bob, tiny.carol] for k in range(3)]
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"), evs)
        uow.commit()
    with statements(app) as seen, app.uow() as uow:
        ov = leader.school_overview(uow, Actor(tiny.admin, Role.ADMIN, tiny.school), now=now)
    assert len(seen) == OVERVIEW_QUERIES
    t_ = ov.tables
    assert t_.school.students == 8 and t_.frameworks[0].students == 8
    rows = {r.key: r for r, _ in t_.classes}
    # Bob alone in class 2 is held back; class 1 goes with him, or 8 - 7 would show him
    assert rows["class:c2"].students is None and rows["class:c1"].students is None
    assert rows["class:c2"].mean is None and rows["class:c1"].mean is None
    assert t_.weeks[-1].answers == 24 and t_.weeks[-1].students == 8
    with app.uow() as uow:
        other = leader.school_overview(uow, Actor(tiny.other_admin, Role.ADMIN, tiny.other_school), now=now)
    assert other.tables.classes == []  # Carol answered alone there: held back
    assert other.tables.weeks[-1].answers is None and other.tables.weeks_total.answers is None


def test_k_is_a_setting_that_can_only_be_raised(demo: App) -> None:
    from pydantic import ValidationError

    from pathwise.services.errors import Invalid

    with pytest.raises(ValidationError, match="insight_min_students"):
        Settings(database_url="sqlite://", mode=Mode.TEST, insight_min_students=3)
    assert Settings(database_url="sqlite://", mode=Mode.TEST, insight_min_students=10).insight_min_students == 10
    admin = _admin_actor(demo)
    with demo.uow() as uow:
        with pytest.raises(Invalid, match="5 or more"):
            leader.school_overview(uow, admin, k=4)
        strict = leader.school_overview(uow, admin, k=10).tables
    assert strict.k == 10
    for key, n in strict.contributors.items():
        assert key in strict.hidden or n >= 10, (key, n)
    assert all(r.students is None or r.students >= 10 for r, _ in strict.classes)
