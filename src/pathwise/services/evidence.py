"""Recording evidence: idempotent, attributed, and it updates mastery at once.

Every door (practice pages, the API, xAPI, imports) records through
``record_evidence``; the same evidence id twice stores one row and changes nothing
the second time. The learner's review schedule (``services.paths``) is folded here
too, in the same transaction, so reading a path never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pathwise.domain.evidence import Evidence
from pathwise.engine.kt.tracker import Tracker
from pathwise.services import mastery, path_state
from pathwise.services.access import Actor, Need, require_learner, require_record
from pathwise.services.errors import NotFound
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RecordResult:
    stored: int
    duplicates: int
    ids: tuple[str, ...]


def record_evidence(uow: UnitOfWork, tracker: Tracker, actor: Actor, evidence: Sequence[Evidence]) -> RecordResult:
    """Store new evidence and update mastery; the caller commits the unit of work."""
    uow.evidence.lock_learners(ev.learner_id for ev in evidence)
    for ev in evidence:
        require_record(uow, actor, ev)
    unique: dict[str, Evidence] = {}
    for ev in evidence:
        unique.setdefault(ev.id, ev)
    already = uow.evidence.existing_ids(list(unique))
    new = [e for i, e in unique.items() if i not in already]
    uow.evidence.add_many(new)
    uow.flush()
    mastery.apply_evidence(uow, tracker, new)
    newest: dict[str, datetime] = {}
    for e in new:
        newest[e.learner_id] = max(newest.get(e.learner_id, e.timestamp), e.timestamp)
    path_state.sync_schedules(uow, newest)
    return RecordResult(len(new), len(evidence) - len(new), tuple(e.id for e in new))


def learner_evidence(uow: UnitOfWork, actor: Actor, learner_id: str, limit: int = 50) -> list[Evidence]:
    require_learner(uow, actor, learner_id, Need.READ, "evidence")
    return uow.evidence.for_learner(learner_id, limit=limit, newest_first=True)


def get_evidence(uow: UnitOfWork, actor: Actor, evidence_id: str) -> Evidence:
    ev = uow.evidence.get(evidence_id)
    if ev is None:
        raise NotFound(f"no evidence {evidence_id}")
    try:
        require_learner(uow, actor, ev.learner_id, Need.READ, "evidence")
    except NotFound:
        raise NotFound(f"no evidence {evidence_id}") from None
    return ev
