"""Repository of the reads behind a teacher's class grid and its charts.

One query for the evidence of a whole class (the charts replay it through the live model),
so the page costs the same number of statements whatever the size of the class. Which
learners may be read is the services' business (the access policy); nothing here writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pathwise.domain.evidence import Evidence
from pathwise.store import tables as t
from pathwise.store.repositories import _EVIDENCE_COLUMNS, _evidence

CHUNK = 900  # ids per IN list (SQLite's variable limit stays far away)


def _order(ev: Evidence) -> tuple[datetime, str]:
    return ev.timestamp, ev.id


class GridReadRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def evidence_for_learners(self, learner_ids: Sequence[str]) -> dict[str, list[Evidence]]:
        """Every piece of evidence of the learners, by learner, in canonical order (time,
        then evidence id), as plain columns (no ORM identity map): one query per 900 learners."""
        return self._read(learner_ids, None)

    def evidence_after(self, cursors: Mapping[str, tuple[datetime, str]]) -> dict[str, list[Evidence]]:
        """Each learner's evidence that comes after their cursor (time, evidence id) in canonical
        order, in that order: what a kept replay has not seen. One query per 900 learners."""
        out = self._read(list(cursors), min((at for at, _ in cursors.values()), default=None))
        return {lid: [e for e in evs if _order(e) > cursors[lid]] for lid, evs in out.items()}

    def _read(self, learner_ids: Sequence[str], since: datetime | None) -> dict[str, list[Evidence]]:
        E = t.EvidenceRow.__table__.c
        out: dict[str, list[Evidence]] = {lid: [] for lid in learner_ids}
        ids = list(out)
        for i in range(0, len(ids), CHUNK):
            q = select(*_EVIDENCE_COLUMNS).where(E.learner_id.in_(ids[i:i + CHUNK]))
            if since is not None:
                q = q.where(E.timestamp >= since)
            for r in self.s.connection().execute(q):
                out[r.learner_id].append(_evidence(*r))
        for evs in out.values():
            evs.sort(key=_order)
        return out
