"""Evidence recorded twice at the same moment (double click, network retry) counts once.

Several threads record the same answers concurrently on SQLite and on PostgreSQL; every
call must succeed, exactly one row per evidence id must exist, and the learner's mastery
must equal a replay of the stored evidence (no update lost or applied twice).
"""

from __future__ import annotations

import threading

from pathwise.services import mastery
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence

from ..integration.factories import answers, build_tiny


def test_concurrent_duplicates_store_once(app: App) -> None:
    t = build_tiny(app)
    evs = answers(t.alice, "frac.equiv", [0, 1, 1, 0, 1, 1])
    errors: list[BaseException] = []
    stored: list[int] = []
    barrier = threading.Barrier(4)

    def worker(chunk_order: int) -> None:
        try:
            barrier.wait()
            order = evs if chunk_order % 2 == 0 else list(reversed(evs))
            for ev in order:
                with app.uow() as uow:
                    res = record_evidence(uow, app.tracker(), Actor.system(), [ev])
                    uow.commit()
                    stored.append(res.stored)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert errors == []
    assert sum(stored) == len(evs)
    with app.uow() as uow:
        assert uow.evidence.count(t.alice) == len(evs)
        live = {k: (round(r.p_mastery, 12), r.n_evidence) for k, r in uow.mastery.for_learner(t.alice).items()}
        replayed = mastery.replay(app.tracker(), uow.evidence.for_learner(t.alice))
    assert live == {k: (round(v["p_mastery"], 12), v["n_evidence"]) for k, v in replayed.items()}
