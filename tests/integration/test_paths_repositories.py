"""The questions the path, mastery, school and item services ask the database
(store/repositories_paths.py), on SQLite and PostgreSQL: the ones with logic of their own."""

from __future__ import annotations

from datetime import timedelta

from pathwise.domain.content import Item, ItemType
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill
from pathwise.services.context import App
from tests.integration.factories import T0, build_tiny, statements


def _ev(eid: str, learner: str, codes: tuple[str, ...], score: float, minutes: int,
        kind: EvidenceKind = EvidenceKind.ANSWER) -> Evidence:
    return Evidence(eid, learner, kind, codes, score, T0 + timedelta(minutes=minutes))


def test_recent_scores_are_the_latest_on_exactly_that_skill_oldest_first(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        uow.evidence.add_many([
            _ev("r1", t.alice, ("frac.add",), 1.0, 1),
            _ev("r2", t.alice, ("frac.add2",), 0.0, 2),  # a longer code that contains the skill's
            _ev("r3", t.alice, ("frac.equiv", "frac.add"), 0.5, 3),
            _ev("r4", t.alice, ("frac.add",), 0.0, 4, EvidenceKind.HINT),  # not a scored kind
            _ev("r5", t.alice, ("frac.add",), 0.25, 5),
            _ev("r6", t.bob, ("frac.add",), 1.0, 6),
        ])
        uow.flush()
        assert uow.paths.recent_scores(t.alice, "frac.add", ("answer",), 2) == [0.5, 0.25]
        assert uow.paths.recent_scores(t.alice, "frac.add", ("answer",), 10) == [1.0, 0.5, 0.25]
        assert uow.paths.recent_scores(t.alice, "frac.add", ("answer", "hint"), 2) == [0.0, 0.25]
        newest = uow.paths.newest_evidence([t.alice, t.bob, t.carol])
        assert newest == {t.alice: T0 + timedelta(minutes=5), t.bob: T0 + timedelta(minutes=6)}
        assert all(at.tzinfo is not None for at in newest.values())


def test_a_learners_model_state_is_saved_without_asking_for_it_again(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        assert uow.learner_model.state(t.alice) is None
        uow.learner_model.save_state(t.alice, model_version="v1", state={"k": 1}, last_at=T0, last_id="e1",
                                     updated_at=T0)
        uow.commit()
    with app.uow() as uow:
        stored = uow.learner_model.state(t.alice)
        assert stored is not None and (stored.model_version, stored.state, stored.last_id) == ("v1", {"k": 1}, "e1")
        with statements(app, ("SELECT",)) as selects:
            uow.learner_model.save_state(t.alice, model_version="v2", state={"k": 2}, last_at=T0, last_id="e2",
                                         updated_at=T0)
            uow.flush()
        assert selects == []  # the row loaded above is updated, not read again
        uow.commit()
    with app.uow() as uow:
        stored = uow.learner_model.state(t.alice)
        assert stored is not None and (stored.model_version, stored.state) == ("v2", {"k": 2})
        uow.learner_model.delete_state(t.alice)
        uow.commit()
    with app.uow() as uow:
        assert uow.learner_model.state(t.alice) is None


def test_items_are_added_updated_or_left_as_they_are_by_id(app: App) -> None:
    build_tiny(app)
    one = Item("rp.1", ("frac.add",), ItemType.SHORT_TEXT, "Add 1/2 and 1/4", answer="3/4")
    two = Item("rp.2", ("frac.equiv",), ItemType.SHORT_TEXT, "Is 1/2 = 2/4?", answer="yes")
    with app.uow() as uow:
        uow.frameworks.add(Framework("fw2", "Other", skills=(Skill("frac.add", "Adding again"),)))
        uow.flush()
        assert uow.item_bank.known_skills(["frac.add", "frac.equiv", "nope"]) == {"frac.add", "frac.equiv"}
        assert uow.item_bank.known_skills(["frac.add", "frac.equiv"], "fw2") == {"frac.add"}
        assert uow.item_bank.known_skills([]) == set()
        assert uow.item_bank.save([one, two], "fw1") == (2, 0, 0)
        uow.commit()
    changed = Item("rp.1", ("frac.add",), ItemType.SHORT_TEXT, "Add 1/2 and 1/4.", answer="3/4")
    with app.uow() as uow:
        assert uow.item_bank.save([changed, two]) == (0, 1, 1)  # no framework given: the stored one stands
        assert uow.item_bank.save([two], "fw2") == (0, 1, 0)  # moved to another framework
        uow.commit()
    with app.uow() as uow:
        assert uow.items.get("rp.1") == changed and uow.items.get("rp.2") == two
        assert uow.item_bank.save([changed, two], "fw2") == (0, 1, 1)


def test_the_school_counts(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        uow.evidence.add_many([_ev("c1", t.alice, ("frac.add",), 1.0, 1), _ev("c2", t.alice, ("frac.add",), 0.0, 2),
                               _ev("c3", t.carol, ("frac.add",), 1.0, 3)])
        uow.flush()
        reads = uow.school_reads
        assert reads.activity([t.alice, t.bob]) == {t.alice: (2, T0 + timedelta(minutes=2))}
        assert reads.activity([]) == {}
        assert reads.evidence_count(t.school) == 2 and reads.evidence_count(t.other_school) == 1
        assert reads.role_counts(t.school) == {"admin": 1, "teacher": 2, "student": 2, "guardian": 1}
        assert reads.enrolled([t.class1, t.class2, "nope"], "student") == {t.class1: 1, t.class2: 1}
        assert reads.enrolled([], "student") == {}
        reads.ping()
