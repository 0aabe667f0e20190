"""Interest-based project teams in a class: suggested teams (recomputed from the students'
interests and mastery on every read), the teams a teacher keeps (named, members edited), and a
project assigned to a team.

Teachers of the class and the school's admin only. Reading the class is audited per student
(``access.require_class_learners``) and so is reading each profile's interests; every change
is audited. The teaming rule is ``engine.insight.teams``; a student's level is the share of the
class's skills they have mastered (``services.path_state``, the path's "mastered"); assigning a
project to a team is the assessments' use case for a group of students
(``services.assessments.assign``). Nothing here re-implements those rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pathwise.domain import profile as prof
from pathwise.domain.people import Role
from pathwise.engine.insight.teams import Placement, TeamSettings, TeamStudent, sizes_allowed, suggest_teams
from pathwise.services import assessments as asm
from pathwise.services.access import Actor, Need, require_class_learners, require_role, require_section
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.content import content_of
from pathwise.services.path_state import load_configs, load_context, now_or
from pathwise.store.repositories_agency import TeamRecord
from pathwise.store.uow import UnitOfWork

MAX_NAME = 100
MAX_MEMBERS = 40


@dataclass(frozen=True, slots=True)
class TeamMember:
    id: str
    name: str
    level: str  # in words: "3 of 8 skills mastered"
    interests: tuple[str, ...]  # topics
    why: str  # why they are in this team when they do not share its interest ("" when they do)


@dataclass(frozen=True, slots=True)
class SuggestedTeam:
    interest: str  # "" when the team shares none
    members: tuple[TeamMember, ...]


@dataclass(frozen=True, slots=True)
class KeptTeam:
    id: int
    name: str
    interest: str
    members: tuple[TeamMember, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ClassTeams:
    section_id: str
    section_name: str
    students: tuple[tuple[str, str], ...]  # (id, name)
    suggestions: tuple[SuggestedTeam, ...]
    kept: tuple[KeptTeam, ...]
    settings: TeamSettings
    sizes_fit: bool  # the students left to team can be cut into teams within the sizes
    projects: tuple[tuple[str, str], ...]  # (id, title) the caller may assign


def settings_of(min_size: int | None = None, max_size: int | None = None) -> TeamSettings:
    base = TeamSettings()
    lo = base.min_size if min_size is None else min_size
    hi = base.max_size if max_size is None else max_size
    if not 2 <= lo <= 20:
        raise Invalid("min_size: the smallest team size must be between 2 and 20", "min_size")
    if not lo <= hi <= 20:
        raise Invalid("max_size: the largest team size must be between the smallest size and 20", "max_size")
    return TeamSettings(min_size=lo, max_size=hi)


def class_teams(uow: UnitOfWork, actor: Actor, section_id: str, *, settings: TeamSettings | None = None,
                now: datetime | None = None) -> ClassTeams:
    """Suggested teams for the students not in a kept team, and the kept teams."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec, students = require_class_learners(uow, actor, section_id, Need.READ, "class-teams")
    settings = settings or TeamSettings()
    now = now_or(now)
    names = {s.id: s.display_name for s in students}
    interests: dict[str, tuple[str, ...]] = {}
    for s in students:
        stored = prof.LearnerProfile.from_stored(uow.users.profile(s.id))
        if actor.user_id != s.id:
            uow.audit.add(actor.user_id, "read:profile", s.id, "profile", {"via": actor.via, "for": "teams"})
        interests[s.id] = tuple(dict.fromkeys(t for t in (prof.interest_topic(i) for i in stored.interests) if t))
    levels: dict[str, float] = {s.id: 0.0 for s in students}
    words: dict[str, str] = {s.id: "no skills in this class yet" for s in students}
    content = content_of(uow, sec.framework_id) if sec.framework_id else None
    if content is not None:
        codes = set(content.graph.codes())
        configs = load_configs(uow, [s.id for s in students], now)  # each student's own (an experiment's arm)
        for s in students:
            mastered = len(set(load_context(uow, configs[s.id], s.id, content, now).mastered) & codes)
            levels[s.id] = mastered / len(codes) if codes else 0.0
            words[s.id] = f"{mastered} of {len(codes)} skills mastered"

    def member(i: str, why: str = "") -> TeamMember:
        return TeamMember(i, names[i], words[i], interests[i], why)

    kept_rows = uow.teams.in_section(sec.id)
    kept = tuple(KeptTeam(t.id, t.name, t.interest, tuple(member(i) for i in t.learner_ids if i in names),
                          t.created_at) for t in kept_rows)
    busy = {i for t in kept_rows for i in t.learner_ids}
    free = [TeamStudent(s.id, levels[s.id], frozenset(interests[s.id])) for s in students if s.id not in busy]
    found = suggest_teams(free, settings)
    suggestions = tuple(SuggestedTeam(t.interest or "", tuple(
        member(m.id, "" if m.placement == Placement.SHARED else m.placement.phrase) for m in t.members))
        for t in found)
    projects = tuple((a.id, a.title) for a in asm.teacher_projects(uow, actor))
    return ClassTeams(sec.id, sec.name, tuple(names.items()), suggestions, kept, settings,
                      sizes_allowed(len(free), settings), projects)


def _name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise Invalid("name: give the team a name", "name")
    if len(name) > MAX_NAME:
        raise Invalid(f"name: the name is longer than {MAX_NAME} characters", "name")
    return name


def _interest(interest: str) -> str:
    interest = interest.strip().lower()
    if interest and interest not in prof.INTEREST_TOPICS:
        raise Invalid("interest: choose one of the listed interests, or none", "interest")
    return interest


def _members(uow: UnitOfWork, section_id: str, learner_ids: Sequence[str]) -> list[str]:
    team = list(dict.fromkeys(learner_ids))
    if not team:
        raise Invalid("learner_ids: choose at least one student for the team", "learner_ids")
    if len(team) > MAX_MEMBERS:
        raise Invalid(f"learner_ids: a team has at most {MAX_MEMBERS} students", "learner_ids")
    members = {u.id for u in uow.sections.members(section_id, Role.STUDENT)}
    if any(i not in members for i in team):
        raise Invalid("learner_ids: every student of a team must be in the class", "learner_ids")
    return team


def keep(uow: UnitOfWork, actor: Actor, section_id: str, name: str, interest: str, learner_ids: Sequence[str],
         *, now: datetime | None = None) -> int:
    """Keep a team (a suggestion as it is, or edited): its name, its shared interest, its members.
    A student is in one kept team of a class at most: keeping them here takes them out of another."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.WRITE)
    name, interest = _name(name), _interest(interest)
    team = _members(uow, sec.id, learner_ids)
    _leave_others(uow, sec.id, team, None)
    tid = uow.teams.add(sec.school_id, sec.id, name, interest, actor.user_id, now_or(now), team)
    uow.audit.add(actor.user_id, "teams:keep", None, f"section:{sec.id}",
                  {"team": tid, "name": name, "interest": interest, "learners": team, "via": actor.via})
    return tid


def _leave_others(uow: UnitOfWork, section_id: str, team: Sequence[str], except_id: int | None) -> None:
    for other in uow.teams.in_section(section_id):
        if other.id != except_id and set(other.learner_ids) & set(team):
            uow.teams.set_members(other.id, [i for i in other.learner_ids if i not in team])


def _team(uow: UnitOfWork, actor: Actor, section_id: str, team_id: int) -> TeamRecord:
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.WRITE)
    t = uow.teams.get(team_id)
    if t is None or t.section_id != sec.id:
        raise NotFound("no such team")
    return t


def edit(uow: UnitOfWork, actor: Actor, section_id: str, team_id: int, name: str,
         learner_ids: Sequence[str]) -> None:
    """Rename a kept team and change its members at once: both are checked before either is written."""
    t = _team(uow, actor, section_id, team_id)
    name = _name(name)
    team = _members(uow, t.section_id, learner_ids)
    if name != t.name:
        uow.teams.rename(t.id, name)
    if team != list(t.learner_ids):
        _leave_others(uow, t.section_id, team, t.id)
        uow.teams.set_members(t.id, team)
    uow.audit.add(actor.user_id, "teams:edit", None, f"section:{t.section_id}",
                  {"team": t.id, "name": name, "learners": team, "before": list(t.learner_ids), "via": actor.via})


def delete(uow: UnitOfWork, actor: Actor, section_id: str, team_id: int) -> None:
    t = _team(uow, actor, section_id, team_id)
    uow.teams.remove(t.id)
    uow.audit.add(actor.user_id, "teams:delete", None, f"section:{t.section_id}",
                  {"team": t.id, "name": t.name, "via": actor.via})


def assign_project(uow: UnitOfWork, actor: Actor, section_id: str, team_id: int, assessment_id: str,
                   opens: datetime, closes: datetime | None = None) -> str:
    """Assign a project to the team's members (the assessments' assignment for a group of students)."""
    t = _team(uow, actor, section_id, team_id)
    if not t.learner_ids:
        raise Invalid("learner_ids: the team has no students", "learner_ids")
    if not assessment_id:
        raise Invalid("assessment_id: choose a project", "assessment_id")
    try:
        assignment = asm.assign(uow, actor, assessment_id, t.section_id, opens, closes, t.learner_ids)
    except NotFound:
        raise Invalid("assessment_id: choose one of the listed projects", "assessment_id") from None
    uow.audit.add(actor.user_id, "teams:assign", None, f"section:{t.section_id}",
                  {"team": t.id, "assessment": assessment_id, "via": actor.via})
    return assignment.id
