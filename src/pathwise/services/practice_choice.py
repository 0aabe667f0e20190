"""Choosing a session's next item: a fixed list (a check or an assessment) in order;
otherwise from the skill's bank, avoiding items seen in this session and recently, pitched
where the live predictor expects the learner to succeed about 7 times in 10 (else at the
item whose difficulty rank matches the learner's mastery)."""

from __future__ import annotations

from collections.abc import Sequence

from pathwise.domain.content import Item
from pathwise.domain.practice import PracticeSession
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.mastery import learner_state
from pathwise.services.practice_views import meter
from pathwise.store.uow import UnitOfWork

RECENT_WINDOW = 30  # presentations remembered to avoid repeats across sessions
TARGET_SUCCESS = 0.7  # practice is best pitched where the learner is predicted to succeed about 7 times in 10


def choose(uow: UnitOfWork, sess: PracticeSession, used_in_session: list[str],
           tracker: Tracker | None = None, easier_than: float | None = None) -> Item | None:
    """The next item for the session, or None when there is nothing left to show. With
    ``easier_than`` (a difficulty), the easiest unused item below it, when there is one."""
    fixed = sess.settings.get("item_ids")
    if fixed:
        for iid in fixed:
            if iid not in used_in_session:
                item = uow.items.get(iid)
                if item is not None:
                    return item
        return None
    items = uow.items.for_skill(sess.skill_code, learner_id=sess.learner_id)
    if not items:
        return None
    recent = uow.practice.recent_items(sess.learner_id, RECENT_WINDOW)
    fresh = [i for i in items if i.id not in used_in_session and i.id not in recent]
    pool = fresh or [i for i in items if i.id not in used_in_session]
    if not pool:
        # every item already seen in this session: parameterised items may come back with new numbers
        pool = [i for i in items if i.spec.get("params")]
        if not pool:
            return None
        last_seen = {iid: n for n, iid in enumerate(used_in_session)}
        pool.sort(key=lambda i: last_seen.get(i.id, -1))
        pool = pool[: max(1, len(pool) // 2)]
    if easier_than is not None:  # recently seen ones too: an easier question matters more than a fresh one
        easier = sorted((i for i in items if i.id not in used_in_session and i.difficulty < easier_than),
                        key=lambda i: (i.difficulty, i.id))
        if easier:
            return easier[0]
    if tracker is not None:
        predicted = by_prediction(uow, tracker, sess.learner_id, pool)
        if predicted is not None:
            return predicted
    # target the learner's current level: the item whose difficulty rank matches mastery
    p = meter(uow, sess.learner_id, sess.skill_code).p_mastery
    ranked = sorted(pool, key=lambda i: (i.difficulty, i.id))
    idx = min(len(ranked) - 1, int(p * len(ranked)))
    return ranked[idx]


def by_prediction(uow: UnitOfWork, tracker: Tracker, learner_id: str, pool: Sequence[Item]) -> Item | None:
    """The item the predictor expects this learner to answer right closest to ``TARGET_SUCCESS``
    of the time (ties: the easier), or None when it cannot tell the items apart (no
    predictor fitted, no state yet in its version)."""
    stored = learner_state(uow, learner_id)
    if stored is None or stored["model_version"] != tracker.version or not stored["state"]:
        return None
    predicted = list(zip(tracker.predict(stored["state"], [(i.id, i.skill_codes) for i in pool]), pool, strict=True))
    if max(p for p, _ in predicted) - min(p for p, _ in predicted) < 1e-6:
        return None
    return min(predicted, key=lambda x: (abs(x[0] - TARGET_SUCCESS), x[1].difficulty, x[1].id))[1]
