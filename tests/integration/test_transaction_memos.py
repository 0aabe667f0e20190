"""Reads kept for one transaction (store.repositories: the learner's classes, the content's
fingerprint) are forgotten by any write of the transaction to the tables they come from,
whichever way it is written; and an estimate written without reading its row first agrees
with the row as the transaction holds it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, insert, select

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.people import Role, Section
from pathwise.services.context import App
from pathwise.store import tables as t
from tests.integration.factories import T0, build_tiny, statements


def _names(uow, user: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.name for s in uow.sections.sections_of(user, Role.STUDENT)]


def test_a_learners_classes_are_read_once_until_the_transaction_changes_them(app: App) -> None:
    w = build_tiny(app)
    with app.uow() as uow:
        with statements(app) as seen:
            assert _names(uow, w.alice) == ["Math 7A"]
            assert _names(uow, w.alice) == ["Math 7A"]
        assert len(seen) == 1  # the second answer came from the memo
        # an ORM write, seen when it is flushed (as before: the session does not flush by itself)
        uow.sections.enrol(w.class2, w.alice, Role.STUDENT)
        uow.flush()
        assert _names(uow, w.alice) == ["Math 7A", "Math 7B"]
        # a statement through the session
        uow.session.execute(delete(t.EnrollmentRow).where(t.EnrollmentRow.user_id == w.alice,
                                                          t.EnrollmentRow.section_id == w.class1))
        assert _names(uow, w.alice) == ["Math 7B"]
        uow.session.execute(insert(t.EnrollmentRow).values(section_id=w.class1, user_id=w.alice,
                                                            role=Role.STUDENT.value))
        assert _names(uow, w.alice) == ["Math 7A", "Math 7B"]
        # a class renamed (a write to the other watched table)
        uow.sections.add(Section("c3", w.school, "Art 7", framework_id="fw1"))
        uow.flush()
        uow.sections.enrol("c3", w.alice, Role.STUDENT)
        uow.flush()
        assert _names(uow, w.alice) == ["Art 7", "Math 7A", "Math 7B"]
        uow.commit()
    with app.uow() as uow:  # a new transaction reads afresh
        assert _names(uow, w.alice) == ["Art 7", "Math 7A", "Math 7B"]


def test_the_content_fingerprint_is_read_once_until_the_transaction_adds_content(app: App) -> None:
    build_tiny(app)
    with app.uow() as uow:
        first = uow.paths.content_stamp("fw1")
        with statements(app) as seen:
            assert uow.paths.content_stamp("fw1") == first
        assert seen == []
        uow.activities.add(Activity("act-memo", "Read about fractions", ActivityKind.READING, ("frac.add",)), "fw1")
        uow.flush()
        second = uow.paths.content_stamp("fw1")
        assert second != first and second[3] == first[3] + 1  # one activity more
        assert uow.paths.content_stamp("nope") is None
        # an unrelated write keeps the memo
        uow.sections.enrol("c2", "u_alice", Role.STUDENT)
        uow.flush()
        with statements(app) as seen:
            assert uow.paths.content_stamp("fw1") == second
        assert seen == []


def test_an_estimate_is_set_whether_or_not_the_row_is_held(app: App) -> None:
    w = build_tiny(app)
    values = dict(p_mastery=0.4, n_evidence=1, n_correct=0, last_evidence_at=T0, explanation="one miss",
                  state={}, model_version="m1", updated_at=T0)
    with app.uow() as uow:
        uow.mastery.upsert(w.alice, "frac.add", **values)  # no row yet: inserted
        uow.mastery.upsert(w.alice, "frac.add", **dict(values, p_mastery=0.6, n_evidence=2, n_correct=1))  # updated
        assert uow.mastery.for_learner(w.alice)["frac.add"].p_mastery == 0.6
        # a row the transaction holds as an object is changed in place, and the object says so
        held = uow.session.get(t.MasteryRow, (w.alice, "frac.add"))
        assert held is not None and held.n_evidence == 2
        uow.mastery.upsert(w.alice, "frac.add", **dict(values, p_mastery=0.8, n_evidence=3, n_correct=2,
                                                      last_evidence_at=T0 + timedelta(minutes=1)))
        assert held.p_mastery == 0.8
        uow.flush()
        assert uow.session.execute(select(t.MasteryRow.n_evidence).where(
            t.MasteryRow.learner_id == w.alice)).scalar_one() == 3
        uow.commit()
    with app.uow() as uow:
        row = uow.mastery.for_learner(w.alice)["frac.add"]
        assert (row.p_mastery, row.n_evidence, row.n_correct) == (0.8, 3, 2)


def test_an_item_read_after_the_transaction_changed_it_is_the_changed_one(app: App) -> None:
    """``ItemRepository.get`` reads plain columns unless the transaction holds the item as an
    object (an import changing it): then the object, changed or not yet sent."""
    from dataclasses import replace

    from pathwise.domain.content import Item, ItemType

    build_tiny(app)
    item = Item("memo.item.1", ("frac.add",), ItemType.NUMERIC, "1/2 + 1/2 = ?", answer="1")
    with app.uow() as uow:
        assert uow.item_bank.save([item], "fw1") == (1, 0, 0)
        uow.commit()
    with app.uow() as uow:
        assert uow.items.get("memo.item.1") == item  # read as columns
        assert uow.items.get("memo.item.none") is None
        changed = replace(item, prompt="2/4 + 1/2 = ?")
        assert uow.item_bank.save([changed], "fw1") == (0, 1, 0)  # the object changed, not yet sent
        assert uow.items.get("memo.item.1") == changed
        uow.commit()
    with app.uow() as uow:
        assert uow.items.get("memo.item.1") == changed


def test_the_path_row_saved_by_a_statement_reads_back_as_written(app: App) -> None:
    """The path row an answer saves (``stored=True``: one update on the table) reads back the
    same, times with their zone, in the transaction and after it; a row the transaction
    holds as an object is changed through the object."""
    w = build_tiny(app)
    with app.uow() as uow:
        uow.paths.save_path_learner(w.alice, T0, T0, ["frac.equiv"], T0)  # no row yet: made
        uow.flush()
        uow.commit()
    with app.uow() as uow:
        assert uow.paths.path_learner(w.alice) == (T0, T0, ["frac.equiv"])
        later = T0 + timedelta(hours=1)
        uow.paths.save_path_learner(w.alice, later, None, ["frac.equiv", "frac.add"], later, stored=True)
        assert uow.paths.path_learner(w.alice) == (later, None, ["frac.equiv", "frac.add"])
        uow.commit()
    with app.uow() as uow:
        assert uow.paths.path_learner(w.alice) == (T0 + timedelta(hours=1), None, ["frac.equiv", "frac.add"])
        from pathwise.store import tables_paths as tp

        held = uow.session.get(tp.PathLearnerRow, w.alice)
        assert held is not None
        uow.paths.save_path_learner(w.alice, T0, T0, [], T0, stored=True)
        assert held.newly_mastered == [] and held.synced_at == T0
        uow.flush()
        assert uow.paths.path_learner(w.alice) == (T0, T0, [])
