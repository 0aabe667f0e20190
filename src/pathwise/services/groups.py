"""Flexible groups in a class: suggested small groups (recomputed from the current evidence on
every read), the groups a teacher keeps (named, members edited), and work assigned to a group.

Teachers of the class and the school's admin only; every read of the students' records is
audited (``access.require_class_learners``) and every change is audited. The grouping rule
is ``engine.insight.groups``; the students' numbers come from their path state
(``services.path_state``); assigning work is the teacher's focus for a group of students
(``services.class_paths.set_focus``), which the students' "What's next" already shows with its
reason. Nothing here re-implements those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pathwise.domain.people import Role
from pathwise.engine.insight.groups import GroupNeed, GroupSettings, StudentEvidence, suggest_groups
from pathwise.services import class_paths
from pathwise.services.access import Actor, Need, require_class_learners, require_role, require_section
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.content import content_of
from pathwise.services.path_state import load_configs, load_context, now_or
from pathwise.store.repositories_groups import GroupRecord
from pathwise.store.uow import UnitOfWork

MAX_NAME = 100
MAX_MEMBERS = 40


@dataclass(frozen=True, slots=True)
class Suggestion:
    need: str  # "ready" | "stuck"
    phrase: str  # how pages say the need
    skill_code: str
    skill_title: str
    members: tuple[tuple[str, str], ...]  # (id, name)
    activities: tuple[tuple[str, str], ...]  # (id, title)


@dataclass(frozen=True, slots=True)
class KeptGroup:
    id: int
    name: str
    skill_code: str
    skill_title: str
    phrase: str
    members: tuple[tuple[str, str], ...]
    moved_on: tuple[str, ...]  # members who have mastered the skill now
    created_at: datetime

    @property
    def all_moved_on(self) -> bool:
        return bool(self.members) and len(self.moved_on) == len(self.members)


@dataclass(frozen=True, slots=True)
class ClassGroups:
    section_id: str
    section_name: str
    students: tuple[tuple[str, str], ...]
    skills: tuple[tuple[str, str], ...]  # curriculum order
    suggestions: tuple[Suggestion, ...]
    kept: tuple[KeptGroup, ...]
    settings: GroupSettings


def settings_of(min_size: int | None = None, max_size: int | None = None) -> GroupSettings:
    base = GroupSettings()
    lo = base.min_size if min_size is None else min_size
    hi = base.max_size if max_size is None else max_size
    if not 2 <= lo <= 20:
        raise Invalid("the smallest group size must be between 2 and 20", "min_size")
    if not lo <= hi <= 20:
        raise Invalid("the largest group size must be between the smallest size and 20", "max_size")
    return GroupSettings(min_size=lo, max_size=hi)


def class_groups(uow: UnitOfWork, actor: Actor, section_id: str, *, settings: GroupSettings | None = None,
                 now: datetime | None = None) -> ClassGroups:
    """Suggestions from the evidence as it is now, and the kept groups with who has moved on."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec, students = require_class_learners(uow, actor, section_id, Need.READ, "class-groups")
    settings = settings or GroupSettings()
    now = now_or(now)
    names = {s.id: s.display_name for s in students}
    kept_rows = uow.groups.in_section(sec.id)
    content = content_of(uow, sec.framework_id) if sec.framework_id else None
    if content is None:
        kept = tuple(KeptGroup(g.id, g.name, g.skill_code, g.skill_code, _phrase(g.need),
                               tuple((i, names.get(i, "")) for i in g.learner_ids if i in names), (), g.created_at)
                     for g in kept_rows)
        return ClassGroups(sec.id, sec.name, tuple(names.items()), (), (), kept, settings)
    configs = load_configs(uow, [s.id for s in students], now)  # each student's own (an experiment's arm)
    evidence: dict[str, StudentEvidence] = {}
    for s in students:
        ctx = load_context(uow, configs[s.id], s.id, content, now)
        spinning = frozenset(c for c, st in ctx.states.items() if st.spinning)
        evidence[s.id] = StudentEvidence(s.id, frozenset(ctx.mastered), dict(ctx.p), dict(ctx.n), spinning)
    titles = content.titles
    kept_list: list[KeptGroup] = []
    busy: set[str] = set()
    for g in kept_rows:
        members = tuple((i, names[i]) for i in g.learner_ids if i in names)
        moved = tuple(i for i, _ in members if g.skill_code in evidence[i].mastered)
        busy.update(i for i, _ in members if i not in moved)
        kept_list.append(KeptGroup(g.id, g.name, g.skill_code, titles.get(g.skill_code, g.skill_code),
                                   _phrase(g.need), members, moved, g.created_at))
    acts = {a.id: a.title for a in content.activities}
    found = suggest_groups(content.graph, list(evidence.values()), content.framework.mastery_threshold,
                           content.activities, settings, skip=busy)
    suggestions = tuple(
        Suggestion(g.need.value, g.need.phrase, g.skill_code, titles.get(g.skill_code, g.skill_code),
                   tuple((i, names[i]) for i in g.learner_ids), tuple((a, acts[a]) for a in g.activity_ids))
        for g in found)
    skills = tuple((c, titles.get(c, c)) for c in content.graph.codes())
    return ClassGroups(sec.id, sec.name, tuple(names.items()), skills, suggestions, tuple(kept_list), settings)


def _phrase(need: str) -> str:
    try:
        return GroupNeed(need).phrase
    except ValueError:
        return "Chosen by the teacher"


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("give the group a name", "name")
    if len(name) > MAX_NAME:
        raise Invalid(f"the name is longer than {MAX_NAME} characters", "name")
    return name


def _members(uow: UnitOfWork, section_id: str, learner_ids: Sequence[str]) -> list[str]:
    group = list(dict.fromkeys(learner_ids))
    if not group:
        raise Invalid("choose at least one student for the group", "learner_ids")
    if len(group) > MAX_MEMBERS:
        raise Invalid(f"a group has at most {MAX_MEMBERS} students", "learner_ids")
    members = {u.id for u in uow.sections.members(section_id, Role.STUDENT)}
    strangers = [i for i in group if i not in members]
    if strangers:
        raise Invalid("every student of a group must be in the class", "learner_ids", strangers)
    return group


def keep(uow: UnitOfWork, actor: Actor, section_id: str, name: str, skill_code: str, learner_ids: Sequence[str],
         *, need: str = "", now: datetime | None = None) -> int:
    """Keep a group (a suggestion as it is, or edited): its name, the skill to teach, its members."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.WRITE)
    name = _name(name)
    content = content_of(uow, sec.framework_id) if sec.framework_id else None
    if content is None or skill_code not in content.graph:
        raise Invalid(f"unknown skill {skill_code!r} for this class", "skill_code")
    if need not in ("", *(n.value for n in GroupNeed)):
        raise Invalid(f"unknown need {need!r}", "need")
    group = _members(uow, sec.id, learner_ids)
    gid = uow.groups.add(sec.school_id, sec.id, name, skill_code, need, actor.user_id, now_or(now), group)
    uow.audit.add(actor.user_id, "groups:keep", None, f"section:{sec.id}",
                  {"group": gid, "name": name, "skill": skill_code, "learners": group, "via": actor.via})
    return gid


def _group(uow: UnitOfWork, actor: Actor, section_id: str, group_id: int) -> GroupRecord:
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.WRITE)
    g = uow.groups.get(group_id)
    if g is None or g.section_id != sec.id:
        raise NotFound(f"no group {group_id}")
    return g


def rename(uow: UnitOfWork, actor: Actor, section_id: str, group_id: int, name: str) -> None:
    g = _group(uow, actor, section_id, group_id)
    name = _name(name)
    uow.groups.rename(g.id, name)
    uow.audit.add(actor.user_id, "groups:rename", None, f"section:{g.section_id}",
                  {"group": g.id, "name": name, "via": actor.via})


def change_members(uow: UnitOfWork, actor: Actor, section_id: str, group_id: int,
                   learner_ids: Sequence[str]) -> None:
    g = _group(uow, actor, section_id, group_id)
    group = _members(uow, g.section_id, learner_ids)
    uow.groups.set_members(g.id, group)
    uow.audit.add(actor.user_id, "groups:members", None, f"section:{g.section_id}",
                  {"group": g.id, "learners": group, "before": list(g.learner_ids), "via": actor.via})


def edit(uow: UnitOfWork, actor: Actor, section_id: str, group_id: int, name: str,
         learner_ids: Sequence[str]) -> None:
    """Rename a group and change its members at once: both are checked before either is written."""
    g = _group(uow, actor, section_id, group_id)
    name = _name(name)
    group = _members(uow, g.section_id, learner_ids)
    if name != g.name:
        rename(uow, actor, section_id, group_id, name)
    if group != list(g.learner_ids):
        change_members(uow, actor, section_id, group_id, group)


def delete(uow: UnitOfWork, actor: Actor, section_id: str, group_id: int) -> None:
    g = _group(uow, actor, section_id, group_id)
    uow.groups.remove(g.id)
    uow.audit.add(actor.user_id, "groups:delete", None, f"section:{g.section_id}",
                  {"group": g.id, "name": g.name, "via": actor.via})


def assign(uow: UnitOfWork, actor: Actor, section_id: str, group_id: int, *, days: int | None = None,
           note: str = "", now: datetime | None = None) -> class_paths.FocusSet:
    """Work for the group: the teacher's focus on the group's skill for its members, shown in
    their "What's next" with its reason."""
    g = _group(uow, actor, section_id, group_id)
    if not g.learner_ids:
        raise Invalid("the group has no students", "learner_ids")
    return class_paths.set_focus(uow, actor, g.section_id, [g.skill_code], learner_ids=g.learner_ids, days=days,
                                 note=note or g.name, now=now)
