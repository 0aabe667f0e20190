"""Repository of the reads behind a teacher's class grid and its charts.

One query for the evidence of a whole class (the charts replay it through the live model),
so the page costs the same number of statements whatever the size of the class. Which
learners may be read is the services' business (the access policy); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.store import tables as t
from pathwise.store.repositories import split_codes

CHUNK = 900  # ids per IN list (SQLite's variable limit stays far away)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class GridReadRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def evidence_for_learners(self, learner_ids: Sequence[str]) -> dict[str, list[Evidence]]:
        """Every piece of evidence of the learners, by learner, in canonical order (time,
        then evidence id), as plain columns (no ORM identity map): one query per 900 learners."""
        E = t.EvidenceRow
        out: dict[str, list[Evidence]] = {lid: [] for lid in learner_ids}
        ids = list(dict.fromkeys(learner_ids))
        for i in range(0, len(ids), CHUNK):
            q = (select(E.id, E.learner_id, E.kind, E.skill_codes, E.score, E.timestamp, E.item_id, E.recorded_by,
                        E.source, E.data)
                 .where(E.learner_id.in_(ids[i:i + CHUNK])))
            for eid, lid, kind, codes, score, at, item, by, source, data in self.s.execute(q):
                out[lid].append(Evidence(id=eid, learner_id=lid, kind=EvidenceKind(kind), skill_codes=split_codes(codes),
                                         score=float(score), timestamp=_aware(at), item_id=item, recorded_by=by,
                                         source=source, data=dict(data or {})))
        for evs in out.values():
            evs.sort(key=lambda e: (e.timestamp, e.id))
        return out
