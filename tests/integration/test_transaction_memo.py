"""What one transaction reads twice is read once (``store.repositories.transaction_memo``), and
never longer: a new transaction of the same unit of work reads afresh what another process
wrote in between, and a write in the same transaction is seen at once (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from pathwise.services.context import App
from tests.integration.factories import T0, build_tiny, statements


def _write_mastery(app: App, learner: str, p: float) -> None:
    with app.uow() as other:
        other.mastery.upsert(learner, "frac.add", p_mastery=p, n_evidence=3, n_correct=2,
                             last_evidence_at=T0 + timedelta(hours=1), explanation="", state="getting_there",
                             model_version="test", updated_at=T0)
        other.commit()


def test_a_learners_numbers_are_read_once_a_transaction(app: App) -> None:
    t = build_tiny(app)
    _write_mastery(app, t.alice, 0.4)
    with app.uow() as uow:
        with statements(app) as seen:
            first = uow.paths.mastery_numbers(t.alice)
            again = uow.paths.mastery_numbers(t.alice)
        assert first == again and [r[1] for r in first] == [0.4] and len(seen) == 1
        uow.rollback()  # the transaction ends: a second process writes; the next one reads afresh
        _write_mastery(app, t.alice, 0.7)
        assert [r[1] for r in uow.paths.mastery_numbers(t.alice)] == [0.7]
        # a write of this transaction is seen at once (the memo is let go)
        uow.mastery.upsert(t.alice, "frac.add", p_mastery=0.9)
        uow.flush()
        assert [r[1] for r in uow.paths.mastery_numbers(t.alice)] == [0.9]


def test_a_user_is_read_once_a_transaction_and_afresh_in_the_next(app: App) -> None:
    t = build_tiny(app)
    with app.uow() as uow:
        with statements(app) as seen:
            a = uow.users.get(t.bob)
            b = uow.users.get(t.bob)
        assert a == b and a is not None and a.active and len(seen) == 1
        uow.commit()
        with app.uow() as other:  # meanwhile, elsewhere, the account is closed
            other.users.set_active(t.bob, False)
            other.commit()
        later = uow.users.get(t.bob)
        assert later is not None and not later.active
