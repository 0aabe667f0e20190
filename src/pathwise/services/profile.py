"""The learner profile as a product feature: see it, and change what your role may.

``get_profile`` reads a learner's interests, ways of learning, goals (with the skill's
title and whether it is mastered yet) and accommodations, with the fields the caller
may change and the choices to offer; ``update_profile`` applies a merge-patch checked
by ``domain.profile``. The access policy (``services.access``) decides who reaches the
learner and which fields their role may write; every change is audited with what it
was before and after. Other keys of the stored profile (grade, home language, ...)
are kept. The goals field is a view of the goals table (``services.goals``): reading it lists
the learner's active skill goals, writing it goes through ``goals.replace_skill_goals``. The readers of the profile (``services.paths`` scoring, ``services.practice``
accommodations) read the same stored form; nothing here recomputes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pathwise.domain import profile as prof
from pathwise.domain.errors import ValidationError
from pathwise.domain.people import Role, User
from pathwise.services.access import (
    Actor,
    Need,
    learner_allowed,
    profile_writable,
    require_learner,
    require_profile_write,
)
from pathwise.services import goals
from pathwise.services.errors import Invalid
from pathwise.services.mastery import mastery_rows
from pathwise.store.uow import UnitOfWork

MAX_SUGGESTIONS = 24


@dataclass(frozen=True, slots=True)
class GoalView:
    skill_code: str
    title: str
    target_date: date | None
    mastered: bool
    p_mastery: float | None


@dataclass(frozen=True, slots=True)
class ProfileView:
    learner_id: str
    learner_name: str
    interests: tuple[str, ...]
    modalities: tuple[str, ...]
    goals: tuple[GoalView, ...]
    accommodations: prof.Accommodations
    home_language: str | None
    grade: str | None
    editable: frozenset[str]
    skills: tuple[tuple[str, str], ...]  # (code, title) a goal may name, in framework order
    suggestions: tuple[str, ...]  # interests that activities of the learner's framework are tagged with

    def can_edit(self, field: str) -> bool:
        return field in self.editable


def _framework_ids(uow: UnitOfWork, learner_id: str) -> list[str]:
    return list(dict.fromkeys(sec.framework_id for sec in uow.sections.sections_of(learner_id, Role.STUDENT)
                              if sec.framework_id))


def _skills(uow: UnitOfWork, framework_ids: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for fid in framework_ids:
        fw = uow.frameworks.get(fid)
        for sk in fw.skills if fw else ():
            out.setdefault(sk.code, sk.title)
    return out


def _suggestions(uow: UnitOfWork, framework_ids: list[str], taken: tuple[str, ...]) -> tuple[str, ...]:
    """Interest topics to offer: first those the learner's activities touch (most touched first),
    then the rest of the vocabulary; never a content tag, never one already chosen."""
    touched: dict[str, int] = {}
    for fid in framework_ids:
        for act in uow.activities.in_framework(fid):
            for topic in prof.topics_of(act.tags):
                touched[topic] = touched.get(topic, 0) + 1
    chosen = {prof.interest_topic(t) or t for t in taken}
    first = sorted(touched, key=lambda t: (-touched[t], t))
    rest = [t for t in prof.INTEREST_TOPICS if t not in touched]
    return tuple(t for t in [*first, *rest] if t not in chosen)[:MAX_SUGGESTIONS]


def _with_goals(uow: UnitOfWork, learner_id: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The stored profile with its goals field read from the goals table (the one source of goals)."""
    out = {k: v for k, v in stored.items() if k != prof.GOALS}
    out[prof.GOALS] = [prof.Goal(g.skill_code, g.target_date).to_stored()
                       for g in goals.learner_goals(uow, learner_id) if g.skill_code]
    return out


def _view(uow: UnitOfWork, actor: Actor, learner: User) -> ProfileView:
    learner_id = learner.id
    stored = _with_goals(uow, learner_id, uow.users.profile(learner_id))
    p = prof.LearnerProfile.from_stored(stored)
    fids = _framework_ids(uow, learner_id)
    skills = _skills(uow, fids)
    titles = {**uow.frameworks.skill_titles([g.skill_code for g in p.goals if g.skill_code not in skills],
                                            learner_id=learner_id), **skills}
    mastery = {m.skill_code: m for m in mastery_rows(uow, [learner_id]).get(learner_id, [])} if p.goals else {}
    goals = tuple(GoalView(g.skill_code, titles.get(g.skill_code, g.skill_code), g.target_date,
                           bool(mastery[g.skill_code].mastered) if g.skill_code in mastery else False,
                           mastery[g.skill_code].p_mastery if g.skill_code in mastery else None) for g in p.goals)
    editable = profile_writable(actor) if learner_allowed(uow, actor, learner, Need.WRITE) else frozenset()
    return ProfileView(learner_id, learner.display_name, p.interests, p.modalities, goals, p.accommodations,
                       p.home_language, stored.get("grade") or learner.grade, editable, tuple(skills.items()),
                       _suggestions(uow, fids, p.interests))


def get_profile(uow: UnitOfWork, actor: Actor, learner_id: str) -> ProfileView:
    """The learner's profile with what the caller may change (reads by others are audited)."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "profile")
    return _view(uow, actor, learner)


def update_profile(uow: UnitOfWork, actor: Actor, learner_id: str, patch: Mapping[str, Any], *,
                   today: date | None = None) -> ProfileView:
    """Change profile fields (merge-patch: lists replace, accommodations merge key by key).

    ``NotFound`` for a learner out of reach, ``Forbidden`` for a field the role may not
    change, ``Invalid`` naming the field for bad input; nothing changes unless all is
    well. A change is audited (``profile:update``) with the fields before and after.
    """
    try:
        fields = prof.fields_of(patch)
    except ValidationError as exc:
        raise Invalid(str(exc), exc.field) from None
    learner = require_profile_write(uow, actor, learner_id, fields)
    if not fields:
        raise Invalid("nothing to change: send interests, preferred_modalities, goals or accommodations", "profile")
    uow.evidence.lock_learners([learner.id])  # two editors at once: the second reads the first's change
    raw = uow.users.profile(learner.id)
    stored = _with_goals(uow, learner.id, raw)
    known = _skills(uow, _framework_ids(uow, learner.id)) if prof.GOALS in fields else {}
    try:
        change = prof.apply_patch(stored, patch, known_skills=known.keys(), today=today or datetime.now(UTC).date())
    except ValidationError as exc:
        raise Invalid(str(exc), exc.field) from None
    if prof.GOALS in change.changed:
        goal_list = prof.LearnerProfile.from_stored(change.stored).goals
        goals.replace_skill_goals(uow, actor, learner.id, [(g.skill_code, g.target_date) for g in goal_list])
    if change.changed:
        uow.users.set_profile(learner.id, {k: v for k, v in change.stored.items() if k != prof.GOALS})
        uow.audit.add(actor.user_id, "profile:update", learner.id, "profile",
                      {"fields": list(change.changed), "before": change.before, "after": change.after,
                       "via": actor.via})
    return _view(uow, actor, learner)


def find_learner(uow: UnitOfWork, actor: Actor, id_or_username: str) -> str:
    """A learner's id from their id or username (for the command line); ``NotFound`` otherwise."""
    user = uow.users.get(id_or_username) or uow.users.by_username(id_or_username)
    return require_learner(uow, actor, user.id if user else id_or_username, Need.READ, "profile").id
