"""The class page (grid, filters and charts) runs a fixed number of SQL statements, whatever
the size of the class: 5 or 20 students, 10 or 30 skills (SQLite and PostgreSQL). A change
that adds a query per student, per skill or per answer fails here.

Statements are counted with a ``before_cursor_execute`` listener on the engine while the
signed-in teacher's page is fetched in-process (the session check and the audit rows of the
students' records included; the statements sent on a clock, not per page, left out)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from datetime import UTC, datetime

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.services.access import Actor
from pathwise.services.class_grid import PROGRESS_CACHE
from pathwise.services.evidence import record_evidence
from pathwise.services.context import App
from tests.integration.grid_world import PASSWORD, build_grid_class
from tests.security.web_client import clients

# The pinned count. A change that makes the page cheaper lowers it; one that makes it dearer
# must say why here.
CLASS_PAGE = 19  # the session with its user (one read), school zone, the class, its teachers and students (one audit insert),
# the framework (4), mastery with titles and thresholds (3), activity, the class's evidence, and the
# navigation's own reads
CLASS_PAGE_AGAIN = CLASS_PAGE - 1  # a reload with no new evidence: the progress series is kept, no evidence read
CLASS_PAGE_AFTER_WORK = CLASS_PAGE  # one student worked since: their evidence only, in the same one read


def on_a_clock(statement: str) -> bool:
    """Statements a request sends now and then on a clock, not per page: the session's "last
    seen" refresh and the live model's check for a newly fitted version (every few seconds)."""
    text = " ".join(statement.split()).upper()
    return text.startswith("UPDATE WEB_SESSIONS") or text.startswith("SELECT MODEL_PARAMS.VERSION")


@contextmanager
def counting(app: App) -> Iterator[list[str]]:
    seen: list[str] = []

    def on(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if not on_a_clock(statement):
            seen.append(statement)

    event.listen(app.db.engine, "before_cursor_execute", on)
    try:
        yield seen
    finally:
        event.remove(app.db.engine, "before_cursor_execute", on)


@pytest.mark.slow
def test_the_class_page_costs_the_same_whatever_the_class_size(app: App) -> None:
    sizes = {"a": (5, 10), "b": (20, 10), "c": (5, 30), "d": (20, 30)}
    classes = {tag: build_grid_class(app, tag, n, k, answers=2) for tag, (n, k) in sizes.items()}
    app.tracker()  # the live model is cached outside the counted requests
    counts: dict[str, int] = {}
    with clients(app) as make:
        for tag, cls in classes.items():
            c = make()
            assert c.login(cls.teacher_username, PASSWORD).status_code == 303
            c.page(f"/teacher/classes/{cls.class_id}")  # warm: the school's zone is read once per request anyway
            for query in ("", "?sort=attention&columns=unit&unit=" + cls.skills[0].split(".")[0] + ".u0"):
                PROGRESS_CACHE.clear()
                for visit in ("first", "again", "after work"):
                    if visit == "after work":
                        one_more_answer(app, cls.students[-1], cls.skills[0], f"{tag}{query}")
                    with counting(app) as seen:
                        r = c.page(f"/teacher/classes/{cls.class_id}{query}")
                    assert r.status_code == 200, r.text[:300]
                    counts[f"{tag}{query} {visit}"] = len(seen)
            rows = re.findall(r'<tr data-learner="', c.page(f"/teacher/classes/{cls.class_id}").text)
            assert len(rows) == sizes[tag][0]
    assert {n for k, n in counts.items() if k.endswith("first")} == {CLASS_PAGE}, counts
    assert {n for k, n in counts.items() if k.endswith("again")} == {CLASS_PAGE_AGAIN}, counts
    assert {n for k, n in counts.items() if k.endswith("after work")} == {CLASS_PAGE_AFTER_WORK}, counts


def one_more_answer(app: App, learner_id: str, skill: str, tag: str) -> None:
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"),
                        [Evidence(f"ev-more-{tag}", learner_id, EvidenceKind.ANSWER, (skill,), 1.0, datetime.now(UTC),
                                  item_id=f"item-more-{tag}")])
        uow.commit()
