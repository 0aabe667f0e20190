"""Recording evidence: idempotent, attributed, and it updates mastery at once.

Every door (practice pages, the API, xAPI, imports) records through
``record_evidence``; the same evidence id twice stores one row and changes nothing
the second time. Ids a client chose are keyed per recorder and learner
(``domain.evidence.client_keyed``): the same key again with other content is a
``Conflict`` about the caller's own record, never a silent "already stored". What enters
is checked first (``domain.evidence.check_new``: a timestamp from 2000 to a day ahead,
data of bounded size and depth; a person's on skills that exist), then who may record it
(``access.require_record``: a student's answers only for an item Pathwise served them).
The learner's review schedule (``services.paths``) is folded here too, in the same
transaction, so reading a path never writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pathwise.domain.clock import utcnow
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import ClientKey, Evidence, check_new
from pathwise.engine.kt.tracker import Tracker
from pathwise.services import mastery, path_state
from pathwise.services.access import Actor, Need, Served, require_learner, require_record
from pathwise.services.counters import EVIDENCE_RECORDED
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class RecordResult:
    stored: int
    duplicates: int
    ids: tuple[str, ...]


def _clash(stored: ClientKey | None, incoming: ClientKey | None) -> bool:
    """The same client key with other content (evidence without a digest never clashes:
    server-made ids name their content, and rows from before digests are taken as the same)."""
    return (stored is not None and incoming is not None and stored.digest is not None
            and incoming.digest is not None and stored.digest != incoming.digest)


def _conflict(i: int, ev: Evidence) -> Conflict:
    name = ev.client.id if ev.client else ev.id
    return Conflict(f"evidence.{i}.id: you already recorded other evidence for this learner under the id {name!r}; "
                    "give new evidence a new id", field=f"evidence.{i}.id")


def _check_entry(uow: UnitOfWork, actor: Actor, evidence: Sequence[Evidence], served: Served | None,
                 now: datetime) -> None:
    """What may enter, whoever records it: ``check_new`` for each. What people record names
    skills that exist (a served item's skills are the item's own, checked when it was
    imported); the system's imports, like the response-log import, may carry skills of a
    framework not imported yet."""
    for i, ev in enumerate(evidence):
        try:
            check_new(ev, now)
        except ValidationError as exc:
            raise Invalid(f"evidence.{i}.{exc.field}: {exc.message}", field=f"evidence.{i}.{exc.field}") from None
    if served is not None or actor.is_system:
        return
    known = uow.frameworks.skill_titles({c for ev in evidence for c in ev.skill_codes})
    for i, ev in enumerate(evidence):
        for c in ev.skill_codes:
            if c not in known:
                field = f"evidence.{i}.skill_ids"
                raise Invalid(f"{field}: no skill {c!r} in any framework", field=field)


def record_evidence(uow: UnitOfWork, tracker: Tracker, actor: Actor, evidence: Sequence[Evidence], *,
                    served: Served | None = None, now: datetime | None = None) -> RecordResult:
    """Store new evidence and update mastery; the caller commits the unit of work.

    ``served``: the item a practice use case served the learner, as it read it from the store
    (the only way a student's answer counts). Refused, with nothing stored: evidence outside
    the time window or with oversized data, from a person on a skill that does not exist
    (``Invalid`` naming ``evidence.<i>.<field>``); what the actor may not record (``require_record``); a
    client's key already used for other content (``Conflict``)."""
    _check_entry(uow, actor, evidence, served, now or utcnow())
    uow.evidence.lock_learners(ev.learner_id for ev in evidence)
    for ev in evidence:
        require_record(uow, actor, ev, served)
    unique: dict[str, Evidence] = {}
    for i, ev in enumerate(evidence):
        first = unique.setdefault(ev.id, ev)
        if _clash(first.client, ev.client):
            raise _conflict(i, ev)
    stored = uow.evidence.stored_keys(list(unique))
    for i, ev in enumerate(evidence):
        if ev.id in stored and _clash(stored[ev.id], ev.client):
            raise _conflict(i, ev)
    new = [e for i, e in unique.items() if i not in stored]
    uow.evidence.add_many(new)
    uow.flush()
    mastery.apply_evidence(uow, tracker, new)
    newest: dict[str, datetime] = {}
    for e in new:
        newest[e.learner_id] = max(newest.get(e.learner_id, e.timestamp), e.timestamp)
    path_state.sync_schedules(uow, newest)
    if new:  # counted for the operators' metrics once the work is kept
        uow.after_commit(lambda n=len(new): EVIDENCE_RECORDED.add(n))
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
