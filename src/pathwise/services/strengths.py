"""A learner's strengths and needs: kept current as a projection of their mastery, and shown
in words of growth.

``refresh`` recomputes the stored lists of the given learners from their mastery rows
(``engine.agency.strengths``); ``services.mastery`` calls it whenever it changes a learner's
mastery (each recorded evidence, and every rebuild), in the same transaction, so the stored
lists always equal a fresh ``compute_for``. ``learner_strengths`` is the read model: the
learner themself, their teachers and the school's admin, and a linked guardian (strengths and
needs are part of the plain-words family view) reach it through the one access policy; reads
by anyone but the learner are audited. Nothing here judges: "next up" and "not yet", never
"failed" or "weak".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pathwise.domain.errors import ValidationError
from pathwise.domain.framework import Framework, Skill, SkillGraph
from pathwise.domain.people import Role
from pathwise.engine.agency import strengths as eng
from pathwise.services.access import Actor, Need, require_learner
from pathwise.services.content import content_of
from pathwise.store.uow import UnitOfWork

DEFAULT_THRESHOLD = 0.95  # services.mastery's, for skills outside the learner's frameworks


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    title: str


@dataclass(frozen=True, slots=True)
class StrengthsView:
    learner_id: str
    learner_name: str
    strengths: tuple[Line, ...]  # skills shown on solid ground
    units: tuple[Line, ...]  # units mostly mastered
    next_up: tuple[Line, ...]  # ready to learn
    not_yet: tuple[Line, ...]  # getting there after several tries

    @property
    def empty(self) -> bool:
        return not (self.strengths or self.units or self.next_up or self.not_yet)


def _frameworks(uow: UnitOfWork, learner_id: str) -> list[Framework]:
    """The frameworks of the learner's classes (classes by name), each once: the content kept
    by ``services.content.content_of`` (one small query each to see that it is current), since the
    projection runs on every answer."""
    ids = dict.fromkeys(s.framework_id for s in uow.sections.sections_of(learner_id, Role.STUDENT) if s.framework_id)
    return [c.framework for c in (content_of(uow, fid) for fid in ids) if c is not None]


def _graph(skills: list[tuple[str, Skill]]) -> SkillGraph | None:
    """The prerequisite graph over the skills of the learner's frameworks (each code once, the
    first framework's); frameworks that do not join up: the first one's alone."""
    if not skills:
        return None
    try:
        return SkillGraph(s for _, s in skills)
    except ValidationError:
        first = skills[0][0]
        return SkillGraph(s for fid, s in skills if fid == first)


def compute_for(uow: UnitOfWork, learner_id: str) -> tuple[eng.Entry, ...]:
    """The learner's strengths and needs computed afresh from their stored mastery rows."""
    rows = {code: (p, n, last) for code, p, n, _right, last in uow.paths.mastery_numbers(learner_id)}
    ths: dict[str, float] = {}
    units: dict[str, list[str]] = {}
    skills: list[tuple[str, Skill]] = []
    for fw in _frameworks(uow, learner_id):
        for sk in sorted(fw.skills, key=lambda k: (k.position, k.code)):
            if sk.code in ths:
                continue  # the same skill in a second framework: the first one's
            ths[sk.code] = fw.mastery_threshold
            skills.append((fw.id, sk))
            if sk.unit:
                units.setdefault(sk.unit, []).append(sk.code)
    others = [c for c in rows if c not in ths]
    if others:
        ths.update(uow.learner_model.thresholds(others, learner_id=learner_id))
    estimates = {c: eng.Estimate(p, n, ths.get(c, DEFAULT_THRESHOLD), last) for c, (p, n, last) in rows.items()}
    return eng.compute(_graph(skills), units, estimates)


def _stored_form(entries: Iterable[eng.Entry]) -> list[tuple[str, int, str]]:
    return sorted((str(e.kind), e.position, e.code) for e in entries)


def refresh(uow: UnitOfWork, learner_ids: Iterable[str], *, compare: bool = False) -> None:
    """Recompute and store the strengths and needs of these learners (called wherever their
    mastery changes; no access check: the caller already holds the change). ``compare``:
    read the stored lists first and write only when they change (one answer seldom changes
    them, so a read spares a delete and an insert; a rebuild changes most, so it just writes)."""
    for lid in dict.fromkeys(learner_ids):
        new = _stored_form(compute_for(uow, lid))
        if not compare or uow.strengths.for_learner(lid) != new:
            uow.strengths.replace(lid, new)


def stored(uow: UnitOfWork, learner_id: str) -> list[tuple[str, int, str]]:
    """The stored projection of one learner, in the form ``fresh`` gives (for checks)."""
    return uow.strengths.for_learner(learner_id)


def fresh(uow: UnitOfWork, learner_id: str) -> list[tuple[str, int, str]]:
    return _stored_form(compute_for(uow, learner_id))


def learner_strengths(uow: UnitOfWork, actor: Actor, learner_id: str) -> StrengthsView:
    """The learner's strengths and needs, named. Reads by others are audited; a learner out
    of reach is ``NotFound``."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "strengths")
    rows = uow.strengths.for_learner(learner.id)
    codes = {c for k, _, c in rows}
    titles: dict[str, str] = {}
    for fw in _frameworks(uow, learner.id):
        for u in fw.units:
            titles.setdefault(u.code, u.title)
        for s in fw.skills:
            titles.setdefault(s.code, s.title)
    missing = [c for c in codes if c not in titles]
    if missing:
        titles.update(uow.frameworks.skill_titles(missing, learner_id=learner.id))

    def lines(kind: eng.Kind) -> tuple[Line, ...]:
        return tuple(Line(c, titles.get(c, c)) for k, _, c in rows if k == kind.value)

    return StrengthsView(learner.id, learner.display_name, lines(eng.Kind.STRENGTH), lines(eng.Kind.UNIT),
                         lines(eng.Kind.NEXT_UP), lines(eng.Kind.NOT_YET))
