"""Goals: set, propose, accept or decline, and see progress and a forecast. The one source of goals.

Every reader of a learner's goals (paths, the profile, the family page, early warning) goes
through ``active_goal_skills`` / ``active_goal_targets`` / ``learner_goals`` here; the goals
live in the ``goals`` table only. Progress comes from mastery (the share of the goal's skills
mastered, and the mean estimate), never from a tick; the forecast from the learner's own pace
(``engine.agency.forecast``). Reading a goal list also keeps each goal's state current: a goal
whose skills are all mastered becomes reached; one whose forecast's early end passes its
target date, or with no practice for ``IDLE_DAYS``, is marked off track from that day. The
learner sees an off-track goal at once; staff (``goals_needing_staff``) only after
``STAFF_GRACE_DAYS`` still off track.

Access (``services.access``): the learner sets, accepts, declines and removes their own
goals; a teacher of the learner (or the learner's mentor, where the school designates
mentors) proposes and reads; a guardian of the learner and the school's admins read. Anyone
else gets ``NotFound``. Reads by anyone but the learner are audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from pathwise.domain import goals as dg
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.engine.agency.forecast import Forecast, SkillSpan, SkillWork, forecast, skills_on_the_way
from pathwise.services import access
from pathwise.services.access import Actor, Need
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.mastery import DEFAULT_THRESHOLD, thresholds
from pathwise.store.repositories_goals import GoalRecord
from pathwise.store.uow import UnitOfWork

STAFF_GRACE_DAYS = 7
IDLE_DAYS = 14
HISTORY_LIMIT = 3000  # newest answers read for the pace
JOURNAL_LINK = "/student/journal/new?prompt=goal&goal={id}"


@dataclass(frozen=True, slots=True)
class GoalLine:
    goal: GoalRecord
    title: str
    skills_total: int
    skills_mastered: int
    share: float  # skills mastered / skills
    estimate: float  # mean mastery estimate over the goal's skills
    forecast: Forecast | None
    on_track: bool | None
    off_track: bool
    celebrate: bool  # reached, and this is the first time the learner sees it
    proposed_by: str | None  # display name of the staff member who proposed it
    staff_flag: bool = False  # off track for at least STAFF_GRACE_DAYS: staff hear of it now

    @property
    def id(self) -> int:
        return self.goal.id

    @property
    def reflect_url(self) -> str:
        return JOURNAL_LINK.format(id=self.goal.id)


@dataclass(frozen=True, slots=True)
class GoalsView:
    learner_id: str
    learner_name: str
    goals: tuple[GoalLine, ...]  # open and reached, soonest target first
    can_set: bool  # the learner themself
    can_propose: bool  # staff who may propose
    skills: tuple[tuple[str, str], ...]  # (code, title) a goal may name
    units: tuple[tuple[str, str], ...]  # (code, title)

    @property
    def proposed(self) -> tuple[GoalLine, ...]:
        return tuple(g for g in self.goals if g.goal.status == dg.GoalStatus.PROPOSED)

    @property
    def active(self) -> tuple[GoalLine, ...]:
        return tuple(g for g in self.goals if g.goal.status == dg.GoalStatus.ACTIVE)

    @property
    def reached(self) -> tuple[GoalLine, ...]:
        return tuple(g for g in self.goals if g.goal.status == dg.GoalStatus.REACHED)


@dataclass(frozen=True, slots=True)
class StaffFlag:
    learner_id: str
    learner_name: str
    goal_id: int
    title: str
    target_date: date | None
    off_track_since: date


# -- access -----------------------------------------------------------------------------------------


def _reach(uow: UnitOfWork, actor: Actor, learner_id: str, need: Need) -> User:
    """The one access policy's rule for goals (``access.require_goals``)."""
    return access.require_goals(uow, actor, learner_id, need)


def _today(today: date | None) -> date:
    return today or datetime.now(UTC).date()


# -- what a goal may name -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Catalogue:
    skills: dict[str, str]  # code -> title, framework order
    units: dict[str, str]
    unit_skills: dict[str, list[str]]
    ancestors: dict[str, set[str]]


def _catalogue(uow: UnitOfWork, learner_id: str) -> _Catalogue:
    fids = list(dict.fromkeys(sec.framework_id for sec in uow.sections.sections_of(learner_id, Role.STUDENT)
                              if sec.framework_id))
    skills: dict[str, str] = {}
    units: dict[str, str] = {}
    unit_skills: dict[str, list[str]] = {}
    ancestors: dict[str, set[str]] = {}
    for fid in fids:
        fw = uow.frameworks.get(fid)
        if fw is None:
            continue
        graph = fw.graph()
        for u in fw.units:
            units.setdefault(u.code, u.title)
        for sk in fw.skills:
            skills.setdefault(sk.code, sk.title)
            if sk.unit:
                unit_skills.setdefault(sk.unit, []).append(sk.code)
            ancestors.setdefault(sk.code, set(graph.ancestors(sk.code)))
    return _Catalogue(skills, units, unit_skills, ancestors)


def _title(g: GoalRecord, cat: _Catalogue, titles: Mapping[str, str]) -> str:
    if g.unit_code:
        return cat.units.get(g.unit_code, g.unit_code)
    code = g.skill_code or ""
    return cat.skills.get(code) or titles.get(code, code)


# -- progress and forecast ---------------------------------------------------------------------------


def _mastered_day(at: datetime | None, first: date) -> date:
    return max(first, at.date()) if at is not None else first


def _lines(uow: UnitOfWork, learner: User, goals: Sequence[GoalRecord], cat: _Catalogue, today: date, *,
           learner_sees: bool) -> list[GoalLine]:
    if not goals:
        return []
    mastery = uow.mastery.for_learner(learner.id)
    ths = thresholds(uow, set(mastery), learner_id=learner.id)
    mastered = {c for c, m in mastery.items() if m.p_mastery >= ths.get(c, DEFAULT_THRESHOLD)}
    answered = [e for e in uow.evidence.for_learner(learner.id, limit=HISTORY_LIMIT, newest_first=True)
                if e.kind == EvidenceKind.ANSWER]
    answers = [e.timestamp for e in answered]
    first_on: dict[str, date] = {}
    for e in answered:  # newest first: the last write is the first practice
        for c in e.skill_codes:
            first_on[c] = e.timestamp.date()
    # a skill's days from first practice to mastery; the day it was mastered is read as its last
    # answer's day (the mastery row keeps no crossing day), so the pace errs on the slow side
    spans = [SkillSpan(c, d, _mastered_day(mastery[c].last_evidence_at, d) if c in mastered else None)
             for c, d in first_on.items() if c in mastery]
    last = max((t.date() for t in answers), default=None)
    mastered_answers = [mastery[c].n_evidence for c in mastered]
    practised = [SkillWork(c, m.n_evidence, c in mastered) for c, m in mastery.items() if m.n_evidence > 0]
    titles = uow.frameworks.skill_titles({g.skill_code for g in goals if g.skill_code}, learner_id=learner.id)
    now = datetime.now(UTC)
    out: list[GoalLine] = []
    for g in goals:
        codes = list(g.skill_codes) or ([g.skill_code] if g.skill_code else [])
        n_m = sum(1 for c in codes if c in mastered)
        est = sum(mastery[c].p_mastery if c in mastery else 0.0 for c in codes) / max(1, len(codes))
        fc: Forecast | None = None
        on_track: bool | None = None
        off = False
        status = g.status
        celebrate = False
        if g.status == dg.GoalStatus.ACTIVE and codes and n_m == len(codes):
            status = dg.GoalStatus.REACHED
            uow.goals.update(g.id, status=status, reached_at=now, off_track_since=None)
        if status in (dg.GoalStatus.ACTIVE, dg.GoalStatus.PROPOSED):
            way = skills_on_the_way(codes, cat.ancestors, mastered)
            work = [SkillWork(c, mastery[c].n_evidence if c in mastery else 0, c in mastered) for c in way]
            fc = forecast(work, answers, today, mastered_answers=mastered_answers, answers_given=len(answers),
                          practised=practised, spans=spans)
            if g.target_date is not None:
                on_track = fc.on_track(g.target_date)
            idle = last is None or (today - last).days >= IDLE_DAYS
            off = status == dg.GoalStatus.ACTIVE and (on_track is False or (idle and g.created_at.date()
                                                                             <= today - timedelta(days=IDLE_DAYS)))
            if status == dg.GoalStatus.ACTIVE:
                if off and g.off_track_since is None:
                    uow.goals.update(g.id, off_track_since=today)
                elif not off and g.off_track_since is not None:
                    uow.goals.update(g.id, off_track_since=None)
        if status == dg.GoalStatus.REACHED and learner_sees and g.celebrated_at is None:
            celebrate = True
            uow.goals.update(g.id, celebrated_at=now)
        record = uow.goals.get(g.id) or g
        since = record.off_track_since
        staff_flag = off and since is not None and since <= today - timedelta(days=STAFF_GRACE_DAYS)
        proposer = None
        if g.set_by and g.set_by != learner.id:
            who = uow.users.get(g.set_by)
            proposer = who.display_name if who else None
        out.append(GoalLine(record, _title(g, cat, titles), len(codes), n_m, dg.progress_share(n_m, len(codes)),
                            est, fc, on_track, off, celebrate, proposer, staff_flag))
    return out


def list_goals(uow: UnitOfWork, actor: Actor, learner_id: str, *, today: date | None = None) -> GoalsView:
    """The learner's open and reached goals with progress and forecast (``NotFound`` when out of reach)."""
    learner = _reach(uow, actor, learner_id, Need.READ)
    cat = _catalogue(uow, learner.id)
    shown = sorted(uow.goals.of_learner(learner.id, [dg.GoalStatus.PROPOSED, dg.GoalStatus.ACTIVE,
                                                     dg.GoalStatus.REACHED]),
                   key=lambda g: (g.target_date is None, g.target_date or date.max, g.id))
    lines = _lines(uow, learner, shown, cat, _today(today), learner_sees=actor.user_id == learner.id)
    can_propose = actor.role == Role.TEACHER and access.goals_allowed(uow, actor, learner, Need.WRITE)
    return GoalsView(learner.id, learner.display_name, tuple(lines), actor.user_id == learner.id, can_propose,
                     tuple(cat.skills.items()), tuple((u, t) for u, t in cat.units.items() if cat.unit_skills.get(u)))


def set_goal(uow: UnitOfWork, actor: Actor, learner_id: str, *, horizon: str, target_date: object,
             skill_code: str | None = None, unit_code: str | None = None, note: str = "",
             today: date | None = None) -> int:
    """A new goal: active when the learner sets it, proposed when staff do. ``Invalid`` names the field."""
    learner = _reach(uow, actor, learner_id, Need.WRITE)
    day = _today(today)
    skill_code = (skill_code or "").strip() or None
    unit_code = (unit_code or "").strip() or None
    try:
        spec = dg.GoalSpec(dg.parse_horizon(horizon), dg.parse_date(target_date), skill_code, unit_code,
                           " ".join((note or "").split()))
        spec.check_dates(day)
    except ValidationError as exc:
        raise Invalid(str(exc), exc.field) from None
    cat = _catalogue(uow, learner.id)
    if spec.skill_code is not None:
        if spec.skill_code not in cat.skills:
            raise Invalid(f"{spec.skill_code} is not a skill of your classes", "skill_code")
        codes = [spec.skill_code]
    else:
        codes = cat.unit_skills.get(spec.unit_code or "", [])
        if not codes:
            raise Invalid(f"{spec.unit_code} is not a unit of your classes", "unit_code")
    uow.evidence.lock_learners([learner.id])
    open_ = uow.goals.of_learner(learner.id, list(dg.OPEN))
    if len(open_) >= dg.MAX_ACTIVE:
        raise Invalid(f"at most {dg.MAX_ACTIVE} open goals at once", "skill_code")
    if any(g.skill_code == spec.skill_code and g.unit_code == spec.unit_code for g in open_):
        raise Invalid("there is already an open goal for this", "unit_code" if spec.unit_code else "skill_code")
    by_learner = actor.user_id == learner.id or actor.is_system
    status = dg.GoalStatus.ACTIVE if by_learner else dg.GoalStatus.PROPOSED
    gid = uow.goals.add(school_id=learner.school_id, learner_id=learner.id, horizon=spec.horizon.value,
                        skill_code=spec.skill_code, unit_code=spec.unit_code, skill_codes=codes,
                        target_date=spec.target_date, status=status.value, note=spec.note,
                        set_by=actor.user_id, at=datetime.now(UTC))
    uow.audit.add(actor.user_id, "goals:set" if by_learner else "goals:propose", learner.id, "goals",
                  {"goal": gid, "via": actor.via})
    return gid


def _own_goal(uow: UnitOfWork, actor: Actor, goal_id: int) -> GoalRecord:
    g = uow.goals.get(goal_id)
    if g is None or actor.user_id is None or g.learner_id != actor.user_id:
        raise NotFound(f"no goal {goal_id}")
    return g


def decide(uow: UnitOfWork, actor: Actor, goal_id: int, decision: str) -> GoalRecord:
    """The learner accepts (``accept``), declines (``decline``) a proposal, or removes (``remove``) a goal."""
    g = _own_goal(uow, actor, goal_id)
    new = {"accept": dg.GoalStatus.ACTIVE, "decline": dg.GoalStatus.DECLINED,
           "remove": dg.GoalStatus.REMOVED}.get(decision)
    if new is None:
        raise Invalid("accept, decline or remove", "decision")
    if not dg.can_move(dg.GoalStatus(g.status), new):
        raise Invalid(f"this goal is {g.status}: it cannot be {decision}d now", "decision")
    uow.goals.update(g.id, status=new.value, decided_at=datetime.now(UTC))
    uow.audit.add(actor.user_id, f"goals:{decision}", g.learner_id, "goals", {"goal": g.id, "via": actor.via})
    return uow.goals.get(g.id) or g


# -- the one read for the rest of the product ----------------------------------------------------------


def learner_goals(uow: UnitOfWork, learner_id: str) -> list[GoalRecord]:
    """Active goals of a learner the caller has already been allowed to see."""
    return uow.goals.of_learner(learner_id, [dg.GoalStatus.ACTIVE])


def active_goal_skills(uow: UnitOfWork, learner_id: str) -> frozenset[str]:
    """The skills the learner's active goals cover (for paths scoring and the profile)."""
    return frozenset(c for g in learner_goals(uow, learner_id) for c in (g.skill_codes or (g.skill_code,)) if c)


def active_goal_targets(uow: UnitOfWork, learner_id: str) -> list[tuple[str, date]]:
    """(skill, target date) for each skill of each active goal with a date (for early warning)."""
    return [(c, g.target_date) for g in learner_goals(uow, learner_id) if g.target_date is not None
            for c in (g.skill_codes or (g.skill_code,)) if c]


def replace_skill_goals(uow: UnitOfWork, actor: Actor, learner_id: str,
                        goals: Sequence[tuple[str, date | None]]) -> None:
    """The profile's goals field written: the learner's active skill goals become exactly ``goals``
    (new ones active, dropped ones removed, a moved date kept). The caller checked access and values."""
    now = datetime.now(UTC)
    learner = uow.users.get(learner_id)
    current = {g.skill_code: g for g in uow.goals.of_learner(learner_id, [dg.GoalStatus.ACTIVE]) if g.skill_code}
    wanted = dict(goals)
    for code, g in current.items():
        if code not in wanted:
            uow.goals.update(g.id, status=dg.GoalStatus.REMOVED.value, decided_at=now)
        elif wanted[code] != g.target_date:
            uow.goals.update(g.id, target_date=wanted[code])
    for code, when in goals:
        if code not in current:
            uow.goals.add(school_id=learner.school_id if learner else None, learner_id=learner_id,
                          horizon=dg.Horizon.TERM.value, skill_code=code, unit_code=None, skill_codes=[code],
                          target_date=when, status=dg.GoalStatus.ACTIVE.value, note="", set_by=actor.user_id,
                          at=now)


def goals_needing_staff(uow: UnitOfWork, actor: Actor, learner_ids: Sequence[str], *,
                        today: date | None = None) -> list[StaffFlag]:
    """Goals off track for at least ``STAFF_GRACE_DAYS`` among learners the actor may read
    (others are left out silently); reads are audited per learner."""
    day = _today(today)
    reachable: dict[str, User] = {}
    for lid in dict.fromkeys(learner_ids):
        try:
            reachable[lid] = _reach(uow, actor, lid, Need.READ)
        except NotFound:
            continue
    out: list[StaffFlag] = []
    for lid, learner in reachable.items():
        cat = _catalogue(uow, lid)
        active = uow.goals.of_learner(lid, [dg.GoalStatus.ACTIVE])
        for line in _lines(uow, learner, active, cat, day, learner_sees=False):
            since = line.goal.off_track_since
            if line.goal.status == dg.GoalStatus.ACTIVE and line.staff_flag and since is not None:
                out.append(StaffFlag(lid, learner.display_name, line.id, line.title, line.goal.target_date, since))
    return out


@dataclass(frozen=True, slots=True)
class HomeNote:
    proposed: int  # proposals waiting for the learner
    off_track: tuple[str, ...]  # titles of active goals last seen off track


def home_note(uow: UnitOfWork, actor: Actor) -> HomeNote | None:
    """For the student's own home: proposals waiting and goals last seen off track (from what is
    stored; nothing is recomputed or marked here). ``None`` when there is nothing to say."""
    if actor.role != Role.STUDENT or actor.user_id is None:
        return None
    mine = uow.goals.of_learner(actor.user_id, list(dg.OPEN))
    proposed = sum(1 for g in mine if g.status == dg.GoalStatus.PROPOSED)
    off = [g for g in mine if g.status == dg.GoalStatus.ACTIVE and g.off_track_since is not None]
    if not proposed and not off:
        return None
    cat = _catalogue(uow, actor.user_id)
    titles = uow.frameworks.skill_titles({g.skill_code for g in off if g.skill_code}, learner_id=actor.user_id)
    return HomeNote(proposed, tuple(_title(g, cat, titles) for g in off))
