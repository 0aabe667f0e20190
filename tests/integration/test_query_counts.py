"""Pinned query counts on the hot paths (SQLite and PostgreSQL): recording an answer in a
practice session, What's next, the teacher's class grid and a learner's page each run a
fixed number of SQL statements, whatever the length of the learner's history or the size
of the class. A change that adds a query per answer, per skill or per student fails here."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.services import paths, practice, school
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from pathwise.services.items import import_items, parse_items_document
from tests.integration.factories import T0, build_tiny, statements

ITEMS = """
framework: fw1
items:
""" + "".join(f"""  - id: qc.{k}.{i}
    skills: [{k}]
    type: short_text
    prompt: "Question {i} on {k}"
    answer: "yes"
""" for k in ("frac.equiv", "frac.add") for i in range(6))


# The pinned counts (the same on SQLite and PostgreSQL). A change that makes one of these
# hot paths cheaper lowers its pin; one that makes it dearer must say why here.
ANSWER = 25  # check the answer, store it and its evidence, fold it into mastery and the review schedule
# (the strengths-and-needs projection follows mastery: the learner's classes, whether their frameworks'
# kept content is current, and the stored lists, with a delete and an insert more only when the lists
# change; services/strengths.py. The learner and their mastery numbers are read once per transaction,
# and the meter reads the skill's numbers from there: store.repositories.transaction_memo; the learner's
# classes and the content's fingerprint are read once for the projection and the path alike, and an
# estimate is written with an update alone, the row not read first: MasteryRepository.upsert; the
# response just stored is shown as the item's last one without reading it back)
NEXT_ITEM = 9  # the session, the learner, the open item, the items shown, the candidates, recent ones,
# the meter, and the new item stored (the item shown from what was chosen, not read again)
WHATS_NEXT = 12  # (+1: the learner's active goals, now records of their own; services/goals.py)
LEARNER_PAGE = 14  # one more since a teacher's standing overrides are shown with their reasons
PATH_PAGE = 12  # (+1: active goals) the skill map, reviews and What's next from one reading of the learner's numbers
CLASS_GRID = 13  # the class, its teachers and students, their mastery and activity, the framework, and the
# audit rows of the students' records as one insert, written as the unit of work commits (store.AuditRepository)


def counting(app: App):  # type: ignore[no-untyped-def]
    return statements(app)


def _history(learner: str, n: int, prefix: str) -> list[Evidence]:
    """``n`` right answers on Equivalent fractions (mastered either way), then two misses on
    Add fractions: a short and a long history leave the learner in the same place."""
    evs = [Evidence(f"{prefix}-{learner}-{i}", learner, EvidenceKind.ANSWER, ("frac.equiv",), 1.0,
                    T0 + timedelta(minutes=i), item_id=f"qc.frac.equiv.{i % 6}") for i in range(n)]
    return evs + [Evidence(f"{prefix}-{learner}-add{i}", learner, EvidenceKind.ANSWER, ("frac.add",), 0.0,
                           T0 + timedelta(minutes=n + i), item_id=f"qc.frac.add.{i}") for i in range(2)]


def _students(app: App, class_id: str, n: int, prefix: str) -> list[str]:
    ids = [f"u_{prefix}{k}" for k in range(n)]
    with app.uow() as uow:
        for lid in ids:
            uow.users.add(User(lid, "sch1", lid, f"Student {lid}", Role.STUDENT))
        uow.flush()
        for lid in ids:
            uow.sections.enrol(class_id, lid, Role.STUDENT)
        uow.commit()
    return ids


@pytest.fixture
def world(app: App):  # type: ignore[no-untyped-def]
    t = build_tiny(app)
    parsed = parse_items_document(ITEMS, "qc.yaml")
    with app.uow() as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems, "fw1").stored
        uow.commit()
    short, long_ = _students(app, t.class1, 2, "s")
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"), _history(short, 5, "h") + _history(long_, 150, "h"))
        uow.commit()
    app.tracker()  # the live model is cached outside the counted blocks
    return app, t, short, long_


def _answer_count(app: App, learner: str) -> int:
    me = Actor(learner, Role.STUDENT, "sch1")
    with app.uow() as uow:
        s = practice.start_session(uow, me, learner, "frac.add", now=T0 + timedelta(days=1))
        item = practice.next_item(uow, me, s.id, now=T0 + timedelta(days=1))
        assert item is not None
        uow.commit()
    tracker = app.tracker()
    with counting(app) as seen, app.uow() as uow:
        practice.submit_answer(uow, tracker, me, item.id, "yes", f"a-{learner}", now=T0 + timedelta(days=1, minutes=1))
        uow.commit()
    return len(seen)


def test_recording_an_answer_costs_the_same_whatever_the_history(world) -> None:  # type: ignore[no-untyped-def]
    app, _t, short, long_ = world
    a, b = _answer_count(app, short), _answer_count(app, long_)
    assert a == b, (a, b)
    assert a == ANSWER, a


def test_taking_the_next_item_costs_the_same_whatever_the_history(world) -> None:  # type: ignore[no-untyped-def]
    app, _t, short, long_ = world
    seen = []
    for learner in (short, long_):
        me = Actor(learner, Role.STUDENT, "sch1")
        with app.uow() as uow:
            s = practice.start_session(uow, me, learner, "frac.add", now=T0 + timedelta(days=1))
            uow.commit()
        with counting(app) as stmts, app.uow() as uow:
            item = practice.next_item(uow, me, s.id, now=T0 + timedelta(days=1))
            uow.commit()
        assert item is not None and item.attempts == 0 and item.last is None
        with app.uow() as uow:  # what was shown is what a later read shows
            assert practice.current_item(uow, me, s.id) == item
        seen.append(len(stmts))
    assert seen == [NEXT_ITEM] * 2, seen


def test_whats_next_and_the_learner_page_cost_the_same_whatever_the_history(world) -> None:  # type: ignore[no-untyped-def]
    app, t, short, long_ = world
    counts: dict[str, list[int]] = {"next": [], "overview": []}
    for learner in (short, long_):
        me = Actor(learner, Role.STUDENT, "sch1")
        with app.uow() as uow:
            paths.next_activities(uow, me, learner, now=T0 + timedelta(days=2))  # warm the content cache
        with counting(app) as seen, app.uow() as uow:
            paths.next_activities(uow, me, learner, now=T0 + timedelta(days=2))
        counts["next"].append(len(seen))
        with counting(app) as seen, app.uow() as uow:
            school.learner_overview(uow, Actor(t.teacher, Role.TEACHER, "sch1"), learner)
        counts["overview"].append(len(seen))
    assert counts == {"next": [WHATS_NEXT] * 2, "overview": [LEARNER_PAGE] * 2}, counts


def test_the_class_grid_costs_the_same_whatever_the_class_size(world) -> None:  # type: ignore[no-untyped-def]
    app, t, _short, _long = world
    teacher = Actor(t.teacher, Role.TEACHER, "sch1")
    teacher2 = Actor(t.teacher2, Role.TEACHER, "sch1")
    more = _students(app, t.class2, 12, "big")
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"),
                        [e for lid in more for e in _history(lid, 6, "g")])
        uow.commit()
    with counting(app) as small, app.uow() as uow:
        small_view = school.class_view(uow, teacher, t.class1)
        assert not any(st.lstrip().upper().startswith("INSERT") for st in small)  # no write lock while it reads
        uow.commit()
    with counting(app) as big, app.uow() as uow:
        big_view = school.class_view(uow, teacher2, t.class2)
        uow.commit()
    assert len(big_view.roster) > len(small_view.roster) + 8
    assert len(small) == len(big) == CLASS_GRID, (len(small), len(big))
    assert sum(st.lstrip().upper().startswith("INSERT") for st in big) == 1  # the audit rows, at commit


def test_the_path_page_reads_the_learners_numbers_once(world) -> None:  # type: ignore[no-untyped-def]
    """The path page's overview equals the three separate reads and costs less than them."""
    app, _t, short, long_ = world
    now = T0 + timedelta(days=2)
    for learner in (short, long_):
        me = Actor(learner, Role.STUDENT, "sch1")
        with counting(app) as three, app.uow() as uow:
            parts = (paths.skill_map(uow, me, learner, now=now), tuple(paths.reviews(uow, me, learner, now=now)),
                     paths.next_activities(uow, me, learner, now=now))
        with counting(app) as one, app.uow() as uow:
            ov = paths.path_overview(uow, me, learner, now=now)
        assert (ov.skill_map, ov.reviews, ov.next) == parts
        assert len(one) == PATH_PAGE < len(three), (len(one), len(three))
