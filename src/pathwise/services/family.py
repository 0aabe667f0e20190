"""The family view of one child: this week in plain terms, progress per unit, the child's goals,
ways to help at home, and the same gathered for a printable progress report.

The access policy decides inside the use case (``access.require_learner``): a guardian reads
only a linked child, staff the learners they may read, a student themself; anyone else gets the
uniform "not found". Reads by someone other than the learner are audited there (and by the use
cases this one reads through). What is next comes from the learner's path as the path use case
computes it (``services.paths.path_overview``: the skill map and "What's next"); when a skill
became mastered comes from the path state (``services.path_state``); goals from the profile use
case (``services.profile``); the week's rules from ``engine.insight.family``. Nothing here
re-implements a path, a mastery estimate or a mastery word, and nothing is written but audit rows.
Sentences are the templates' to say: this returns values (titles, states, counts, dates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pathwise.domain.mastery_states import ORDER, State
from pathwise.domain.people import User
from pathwise.engine.insight.family import week_start, week_summary
from pathwise.engine.paths.frontier import SkillStatus
from pathwise.services import paths, profile
from pathwise.services.access import Actor, Need, require_learner
from pathwise.services.path_state import framework_of, load_config, load_context, now_or
from pathwise.services.school_admin import school_time_zone
from pathwise.store.uow import UnitOfWork

MAX_NEXT = 3  # skills shown as "next", each with its ways to help at home


@dataclass(frozen=True, slots=True)
class SkillLine:
    code: str  # for markup only (data attributes, a staff tooltip): never shown as text
    title: str
    state: State
    percent: int | None = None
    mastered_on: datetime | None = None  # when the path state says it became mastered


@dataclass(frozen=True, slots=True)
class UnitProgress:
    code: str | None  # None: the skills no unit holds
    title: str | None
    counts: tuple[tuple[State, int], ...]  # every state in legend order (mastered first)
    skills: tuple[SkillLine, ...]

    @property
    def total(self) -> int:
        return len(self.skills)

    @property
    def n_mastered(self) -> int:
        return sum(n for st, n in self.counts if st in (State.MASTERED, State.DUE_FOR_REVIEW))

    def segments(self) -> list[tuple[State, int, float]]:
        """(state, count, percent of the unit's skills) of the states the unit has, for a bar."""
        if not self.total:
            return []
        return [(st, n, round(100.0 * n / self.total, 2)) for st, n in self.counts if n]


@dataclass(frozen=True, slots=True)
class GoalLine:
    title: str
    target_date: date | None
    state: State


@dataclass(frozen=True, slots=True)
class HomeHelp:
    skill: SkillLine
    tips: tuple[str, ...]  # authored with the skill; empty: the page says a general way to help


@dataclass(frozen=True, slots=True)
class FamilyView:
    learner: User
    first_name: str
    school_name: str
    time_zone: str
    now: datetime
    week_from: date  # the first calendar day of the week (school time)
    week_to: date  # today (school time)
    has_framework: bool
    framework_title: str
    n_week_evidence: int
    practice_days: int
    learned: tuple[SkillLine, ...]
    worked_on: tuple[SkillLine, ...]
    next_skills: tuple[SkillLine, ...]
    next_choices: tuple[str, ...]  # the titles of the activities "What's next" offers now
    all_mastered: bool  # everything open is mastered (What's next offers only reviews ahead)
    units: tuple[UnitProgress, ...]
    goals: tuple[GoalLine, ...]
    help: tuple[HomeHelp, ...]
    mastered: tuple[SkillLine, ...]  # every mastered skill, in the framework's order

    @property
    def n_skills(self) -> int:
        return sum(u.total for u in self.units)

    @property
    def n_mastered(self) -> int:
        return sum(u.n_mastered for u in self.units)


def family_view(uow: UnitOfWork, actor: Actor, learner_id: str, *, now: datetime | None = None) -> FamilyView:
    """One child's week, units, goals and ways to help at home (``NotFound`` when out of reach)."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "family")
    now = now_or(now)
    tz_name = school_time_zone(uow, learner.school_id)
    tz = ZoneInfo(tz_name)
    school = uow.schools.get(learner.school_id)
    overview = paths.path_overview(uow, actor, learner.id, now=now)
    goals_of = profile.get_profile(uow, actor, learner.id).goals
    first = learner.display_name.split(" ")[0]
    since = week_start(now, tz)
    week_from, week_to = since.astimezone(tz).date(), now.astimezone(tz).date()
    smap = overview.skill_map
    content = framework_of(uow, learner.id, smap.framework_id) if smap.framework_id else None
    if content is None:
        return FamilyView(learner, first, school.name if school else "", tz_name, now, week_from, week_to, False, "",
                          0, 0, (), (), (), (), False, (), tuple(GoalLine(g.title, g.target_date, State.NOT_STARTED)
                                                                 for g in goals_of), (), ())
    ctx = load_context(uow, load_config(uow, learner_id=learner.id, now=now), learner.id, content, now)
    mastered_at = {c: st.mastered_at for c, st in ctx.states.items()}
    lines = {s.code: SkillLine(s.code, s.title, s.state, s.percent,
                               mastered_at.get(s.code) if s.state in (State.MASTERED, State.DUE_FOR_REVIEW) else None)
             for s in smap.skills}
    order = [c for c in content.graph.codes() if c in lines]
    mastered = {c for c, ln in lines.items() if ln.state in (State.MASTERED, State.DUE_FOR_REVIEW)}
    evidence = [(codes, at) for codes, _, at in uow.paths.evidence_since(learner.id, since - timedelta(microseconds=1))]
    week = week_summary(order=order, mastered=mastered, mastered_at=mastered_at, evidence=evidence, since=since,
                        until=now, tz=tz)
    nxt = overview.next
    next_codes = list(dict.fromkeys(c for i in nxt.items for c in i.skills if c in lines and c not in mastered))
    # the path's open skills (begun first, then ready), in its order, after what "What's next" offers
    status = {s.code: s.status for s in smap.skills}
    open_codes = [c for want in (SkillStatus.IN_PROGRESS, SkillStatus.READY) for c in order
                  if status.get(c) == want.value and c not in mastered]
    next_codes += [c for c in open_codes if c not in next_codes]
    next_skills = tuple(lines[c] for c in next_codes[:MAX_NEXT])
    ahead = bool(mastered) and not next_codes  # everything open is mastered: only reviews remain
    # the tips as stored now (the path's content is cached for a minute and would miss an edit of tips alone)
    stored = uow.frameworks.get(content.framework.id) or content.framework
    tips = {sk.code: sk.home_tips for sk in stored.skills}
    help_for = next_skills or tuple(lines[c] for c in week.worked_on[:MAX_NEXT])
    return FamilyView(
        learner, first, school.name if school else "", tz_name, now, week_from, week_to, True, smap.framework_title,
        week.n_evidence, week.practice_days,
        tuple(lines[c] for c in week.learned), tuple(lines[c] for c in week.worked_on), next_skills,
        tuple(dict.fromkeys(i.title for i in nxt.items)), ahead,
        _units(smap, lines, order),
        tuple(GoalLine(g.title, g.target_date, lines[g.skill_code].state if g.skill_code in lines else
                       (State.MASTERED if g.mastered else State.NOT_STARTED)) for g in goals_of),
        tuple(HomeHelp(s, tips.get(s.code, ())) for s in help_for),
        tuple(lines[c] for c in order if c in mastered),
    )


def _units(smap: paths.SkillMap, lines: dict[str, SkillLine], order: Sequence[str]) -> tuple[UnitProgress, ...]:
    unit_of = {s.code: s.unit for s in smap.skills}
    known = {code for code, _ in smap.units}
    groups: list[tuple[str | None, str | None]] = [*smap.units]
    if any(unit_of.get(c) not in known for c in order):
        groups.append((None, None))
    out: list[UnitProgress] = []
    for code, title in groups:
        skills = tuple(lines[c] for c in order if (unit_of.get(c) if unit_of.get(c) in known else None) == code)
        if not skills:
            continue
        counts = tuple((st, sum(1 for s in skills if s.state is st)) for st in ORDER)
        out.append(UnitProgress(code, title, counts, skills))
    return tuple(out)

