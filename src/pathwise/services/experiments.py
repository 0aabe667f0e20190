"""Experiments between two path settings on a school's own students: define one, assign its
students to arm A or B, give each student their arm's path settings while it runs, stop it,
switch experiments off for the school, and report per arm.

Every use case asks the access policy (``access.require_experiment``,
``access.visible_experiments``, ``access.experiment_classes``) inside it. Assignment is the
engine's (``engine.insight.experiments.assign_arms``) and so are the report's statistics
(``tally_student``, ``report``); this module reads, writes and audits. What a running
experiment does to a learner's path is ``arm_settings``, which ``services.path_state`` asks
with the arms it read in the same statement as the path settings. It must not decide who
sees what by itself, nor compute statistics.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pathwise.domain.people import Role
from pathwise.engine.insight.experiments import ESTIMATED_SECONDS, Interval, Report, assign_arms, report, tally_student
from pathwise.engine.paths.schedule import PathSettings
from pathwise.services.access import (
    Actor,
    Need,
    experiment_classes,
    require_experiment,
    school_scope,
    visible_experiments,
)
from pathwise.services.errors import Conflict, Invalid, NotFound
from pathwise.store.uow import UnitOfWork

# the path settings an arm may change, and where each goes in the stored settings
ARM_KEYS = ("target_retention", "checks", "after_new_mastered", "size", "every_days", "wheel_spin_limit")
_CADENCE = ("after_new_mastered", "size", "every_days")
MAX_DAYS = 366
METRIC_NAMES = {"per_hour": "Skills mastered per hour of practice", "retention": "Retention at review",
                "checks": "Mastery checks passed per student"}
DURATION_NOTES = {
    "recorded": "Practice time is the answers' recorded durations.",
    "some": f"Practice time is the answers' recorded durations where they have one, else {ESTIMATED_SECONDS:.0f} "
            "seconds an answer.",
    "estimated": f"No answer has a recorded duration: practice time is estimated at {ESTIMATED_SECONDS:.0f} "
                 "seconds an answer.",
}
ReportInterval = Interval  # a figure with its 95% interval, as the doors show it


# ---------------------------------------------------------------- arms as path settings


def _bool(value: Any, label: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "true", "yes", "1"):
        return True
    if text in ("off", "false", "no", "0"):
        return False
    raise Invalid(f"arm {label}: checks must be on or off, not {str(value)[:20]!r}", f"arm_{label.lower()}")


def _number(key: str, value: Any, label: str) -> float | int:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"arm {label}: {key} must be a number, not {str(value)[:20]!r}", f"arm_{label.lower()}") from None
    if key in ("after_new_mastered", "size", "wheel_spin_limit"):
        if x != int(x):
            raise Invalid(f"arm {label}: {key} must be a whole number", f"arm_{label.lower()}")
        return int(x)
    return x


def merged_params(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The stored path settings ``base`` with an arm's ``overrides`` put in their places."""
    out = dict(base)
    cadence = dict(out.get("cadence") or {})
    for key, value in overrides.items():
        if key in _CADENCE:
            cadence[key] = value
        else:
            out[key] = value
    out["cadence"] = cadence
    return out


def clean_arm(overrides: Mapping[str, Any], label: str) -> dict[str, Any]:
    """An arm's overrides, checked (``Invalid`` names the arm and what is wrong): only the
    keys of ``ARM_KEYS``, values the path settings accept (``PathSettings.from_params``)."""
    if not isinstance(overrides, Mapping):
        raise Invalid(f"arm {label}: give the settings as names and values", f"arm_{label.lower()}")
    unknown = sorted(k for k in overrides if k not in ARM_KEYS)
    if unknown:
        raise Invalid(f"arm {label}: unknown setting(s) {', '.join(map(str, unknown))[:200]}; "
                      f"choose from {', '.join(ARM_KEYS)}", f"arm_{label.lower()}")
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        out[key] = _bool(value, label) if key == "checks" else _number(key, value, label)
    try:
        PathSettings.from_params(merged_params(PathSettings().to_params(), out))
    except (TypeError, ValueError) as exc:
        raise Invalid(f"arm {label}: {exc}", f"arm_{label.lower()}") from None
    return out


_ARMS_CACHE: dict[tuple[str, int], tuple[dict[str, Any], dict[str, Any]]] = {}  # an experiment's arms never change
_SETTINGS_CACHE: dict[tuple[str, int, int, str], PathSettings] = {}


def arm_settings(uow: UnitOfWork, base: PathSettings, base_key: int, experiment_id: int, arm: str) -> PathSettings:
    """The path settings of ``arm`` of a running experiment: ``base`` (the active settings,
    ``base_key`` their stored id, -1 for the defaults) with the arm's overrides. Cached per
    database: a definition never changes once stored, so only the first use reads it."""
    db = uow.paths.database_key()
    key = (db, base_key, experiment_id, arm)
    hit = _SETTINGS_CACHE.get(key)
    if hit is not None:
        return hit
    arms = _ARMS_CACHE.get((db, experiment_id))
    if arms is None:
        exp = uow.experiments.get(experiment_id)
        if exp is None:
            return base
        arms = _ARMS_CACHE[(db, experiment_id)] = (exp.arm_a, exp.arm_b)
    try:
        cfg = PathSettings.from_params(merged_params(base.to_params(), arms[0] if arm == "A" else arms[1]))
    except (TypeError, ValueError):
        cfg = base  # an arm the active settings no longer accept falls back to them
    if len(_SETTINGS_CACHE) > 256:
        _SETTINGS_CACHE.clear()
        _ARMS_CACHE.clear()
    _SETTINGS_CACHE[key] = cfg
    return cfg


# ---------------------------------------------------------------- read models


@dataclass(frozen=True, slots=True)
class ExperimentView:
    id: int
    name: str
    question: str
    arm_a: dict[str, Any]
    arm_b: dict[str, Any]
    classes: tuple[tuple[str, str], ...]  # (id, name) of the classes it covers (that the reader reaches)
    all_classes: bool
    starts_at: datetime
    ends_at: datetime
    status: str  # running | stopped | scheduled | ended
    students: dict[str, int]  # per arm, among those the reader reaches

    @property
    def last_moment(self) -> datetime:
        """The last moment of its last day (``ends_at`` is the start of the day after), so
        the last day reads as the day the admin gave."""
        return self.ends_at - timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class ArmMember:
    learner_id: str
    name: str
    class_name: str
    arm: str
    assigned_at: datetime


@dataclass(frozen=True, slots=True)
class ExperimentDetail:
    experiment: ExperimentView
    members: tuple[ArmMember, ...]


@dataclass(frozen=True, slots=True)
class ExperimentReport:
    experiment: ExperimentView
    report: Report


def _status(exp: Any, now: datetime) -> str:
    if exp.status != "running":
        return "stopped"
    if now < exp.starts_at:
        return "scheduled"
    if now >= exp.ends_at:
        return "ended"
    return "running"


def _view(exp: Any, classes: Sequence[Any], counts: Mapping[str, int], now: datetime) -> ExperimentView:
    return ExperimentView(exp.id, exp.name, exp.question, dict(exp.arm_a), dict(exp.arm_b),
                          tuple((s.id, s.name) for s in classes), exp.section_ids is None, exp.starts_at,
                          exp.ends_at, _status(exp, now), {"A": counts.get("A", 0), "B": counts.get("B", 0)})


def _admin(actor: Actor) -> None:
    """Experiments are the school admin's: anyone else finds nothing (``NotFound``)."""
    if not actor.is_system and actor.role != Role.ADMIN:
        raise NotFound("no experiments")


def _now(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    if now.tzinfo is None:
        raise Invalid("now must carry a time zone", "now")
    return now


# ---------------------------------------------------------------- assignment


def _ensure_assignments(uow: UnitOfWork, exp: Any, now: datetime) -> dict[str, tuple[str, str | None]]:
    """Every student of the experiment's classes with an arm (new ones assigned, stored and
    audited); learner -> (arm, class). A stopped experiment assigns no one new."""
    have = {a.learner_id: (a.arm, a.section_id) for a in uow.experiments.assignments(exp.id)}
    if exp.status != "running" or now >= exp.ends_at:
        return have
    secs = experiment_classes(uow, Actor.system("experiments"), exp)
    classes = {s.id: [u.id for u in uow.sections.members(s.id, Role.STUDENT)
                      if u.role == Role.STUDENT and u.school_id == exp.school_id] for s in secs}
    new = assign_arms(f"{exp.id}:{exp.salt}", classes, {k: v[0] for k, v in have.items()})
    if new:
        rows = [(lid, arm, sec) for lid, (arm, sec) in sorted(new.items())]
        uow.experiments.add_assignments(exp.id, rows, now)
        for lid, arm, sec in rows:
            uow.audit.add(None, "experiments:assign", lid, f"experiment:{exp.id}",
                          {"arm": arm, "class": sec, "at": now.isoformat()})
            have[lid] = (arm, sec)
    return have


def assign_joiner(uow: UnitOfWork, section_id: str, learner_id: str, now: datetime | None = None) -> int:
    """Give a student who has just joined ``section_id`` an arm in each running experiment
    of its school that covers the class; the number of arms given. Called by the enrolment
    use case, after its own access check (the enrolment may still be pending: flushed here)."""
    uow.flush()
    sec = uow.sections.get(section_id)
    if sec is None:
        return 0
    now = _now(now)
    done = 0
    for exp in uow.experiments.in_school(sec.school_id):
        if exp.status == "running" and (exp.section_ids is None or section_id in exp.section_ids):
            before = len(uow.experiments.assignments(exp.id))
            done += len(_ensure_assignments(uow, exp, now)) > before
    return done


# ---------------------------------------------------------------- use cases


def _dates(uow: UnitOfWork, school_id: str, starts_on: date | str, ends_on: date | str) -> tuple[datetime, datetime]:
    def parse(value: date | str, field: str) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            raise Invalid(f"{field.replace('_', ' ')}: give a date as YYYY-MM-DD", field) from None
    start, end = parse(starts_on, "starts_on"), parse(ends_on, "ends_on")
    if end < start:
        raise Invalid("the end date is before the start date", "ends_on")
    if (end - start).days > MAX_DAYS:
        raise Invalid(f"an experiment runs at most {MAX_DAYS} days", "ends_on")
    try:  # the school's own days (services.school_admin keeps the zone; a name no longer known: UTC)
        tz = ZoneInfo(uow.schools.time_zone(school_id) or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    return (datetime.combine(start, time(), tz).astimezone(UTC),
            datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC))


def create_experiment(uow: UnitOfWork, actor: Actor, *, name: str, question: str, arm_a: Mapping[str, Any],
                      arm_b: Mapping[str, Any], starts_on: date | str, ends_on: date | str,
                      section_ids: Sequence[str] | None = None, school_id: str | None = None,
                      now: datetime | None = None) -> ExperimentView:
    """Define an experiment in the admin's school (the system names the school) and assign
    its students; audited. Bad input is ``Invalid`` and stores nothing."""
    _admin(actor)
    school = school_scope(actor, school_id)
    if school is None or uow.schools.get(school) is None:
        raise NotFound(f"no school {school_id}")
    now = _now(now)
    name = (name or "").strip()
    if not 1 <= len(name) <= 200:
        raise Invalid("name: give the experiment a name (up to 200 characters)", "name")
    question = (question or "").strip()
    if len(question) > 2000:
        raise Invalid("question: keep it under 2000 characters", "question")
    a, b = clean_arm(arm_a, "A"), clean_arm(arm_b, "B")
    if merged_params({}, a) == merged_params({}, b):
        raise Invalid("the two arms have the same settings: change at least one setting in one arm", "arm_b")
    starts_at, ends_at = _dates(uow, school, starts_on, ends_on)
    if ends_at <= now:
        raise Invalid("the end date has passed", "ends_on")
    secs: list[str] | None = None
    if section_ids:
        known = {s.id for s in uow.sections.in_school(school)}
        secs = list(dict.fromkeys(str(s) for s in section_ids))
        bad = [s for s in secs if s not in known]
        if bad:
            raise Invalid(f"unknown class(es): {', '.join(bad)[:200]}", "section_ids", bad)
    if not uow.experiments.enabled(school):
        raise Conflict("experiments are switched off for this school; switch them on first", "enabled")
    for other in uow.experiments.in_school(school):  # a student is in one experiment at a time
        if (other.status == "running" and other.starts_at < ends_at and starts_at < other.ends_at
                and (secs is None or other.section_ids is None or set(secs) & set(other.section_ids))):
            raise Conflict(f"experiment {other.name!r} runs on these classes at the same time; stop it or "
                           "choose other classes or days", "section_ids")
    exp_id = uow.experiments.add(school_id=school, name=name, question=question, arm_a=a, arm_b=b,
                                 section_ids=secs, starts_at=starts_at, ends_at=ends_at, salt=secrets.token_hex(16),
                                 created_by=actor.user_id, now=now)
    exp = uow.experiments.get(exp_id)
    assert exp is not None
    uow.audit.add(actor.user_id, "experiments:create", None, f"experiment:{exp_id}",
                  {"name": name, "arm_a": a, "arm_b": b, "classes": secs, "via": actor.via})
    have = _ensure_assignments(uow, exp, now)
    counts = {arm: sum(1 for v in have.values() if v[0] == arm) for arm in ("A", "B")}
    return _view(exp, experiment_classes(uow, actor, exp), counts, now)


def list_experiments(uow: UnitOfWork, actor: Actor, *, school_id: str | None = None,
                     now: datetime | None = None) -> list[ExperimentView]:
    """The experiments the actor may read, newest first, with their students per arm (a
    teacher counts only the students of their own classes)."""
    now = _now(now)
    out = []
    for exp in visible_experiments(uow, actor, school_id):
        secs = experiment_classes(uow, actor, exp)
        have = _ensure_assignments(uow, exp, now)
        mine = _reachable(uow, actor, exp, secs)
        counts = {arm: sum(1 for lid, v in have.items() if v[0] == arm and (mine is None or lid in mine))
                  for arm in ("A", "B")}
        out.append(_view(exp, secs, counts, now))
    return out


def _reachable(uow: UnitOfWork, actor: Actor, exp: Any, secs: Sequence[Any]) -> set[str] | None:
    """The students whose arms the actor may see (None: all of the experiment's)."""
    if actor.is_system or actor.role == Role.ADMIN:
        return None
    return {u.id for s in secs for u in uow.sections.members(s.id, Role.STUDENT)}


def experiment_detail(uow: UnitOfWork, actor: Actor, experiment_id: int, *,
                      now: datetime | None = None) -> ExperimentDetail:
    """An experiment, its arms and which students are in which (a teacher: their own
    students). Each student whose arm is shown to someone else is an audited read."""
    exp = require_experiment(uow, actor, experiment_id, Need.READ)
    now = _now(now)
    secs = experiment_classes(uow, actor, exp)
    have = _ensure_assignments(uow, exp, now)
    mine = _reachable(uow, actor, exp, secs)
    shown = sorted(lid for lid in have if mine is None or lid in mine)
    names = {s.id: s.name for s in uow.sections.in_school(exp.school_id)}
    assigned = {a.learner_id: a for a in uow.experiments.assignments(exp.id)}
    people = {u.id: u.display_name for u in uow.users.in_school(exp.school_id, Role.STUDENT)}
    members = tuple(sorted((ArmMember(lid, people.get(lid, lid), names.get(assigned[lid].section_id or "", ""),
                                      assigned[lid].arm, assigned[lid].assigned_at)
                            for lid in shown if lid in assigned),
                           key=lambda m: (m.class_name, m.arm, m.name)))
    uow.audit.add_many(actor.user_id, "read:experiment-arm", [m.learner_id for m in members],
                       f"experiment:{exp.id}", {"via": actor.via})
    counts = {arm: sum(1 for m in members if m.arm == arm) for arm in ("A", "B")}
    return ExperimentDetail(_view(exp, secs, counts, now), members)


def stop_experiment(uow: UnitOfWork, actor: Actor, experiment_id: int, *,
                    now: datetime | None = None) -> ExperimentView:
    """Stop a running experiment: from now on its students get the school's path settings
    again. Admins of the school only; audited. Stopping a stopped one changes nothing."""
    exp = require_experiment(uow, actor, experiment_id, Need.WRITE)  # a teacher: not found
    now = _now(now)
    if exp.status == "running":
        uow.experiments.stop(exp.id, actor.user_id, now)
        uow.audit.add(actor.user_id, "experiments:stop", None, f"experiment:{exp.id}", {"via": actor.via})
    exp = uow.experiments.get(exp.id)
    counts: dict[str, int] = {}
    for a in uow.experiments.assignments(exp.id):
        counts[a.arm] = counts.get(a.arm, 0) + 1
    return _view(exp, experiment_classes(uow, actor, exp), counts, now)


def experiments_enabled(uow: UnitOfWork, actor: Actor, school_id: str | None = None) -> bool:
    """Whether the admin's school allows experiments (on unless switched off)."""
    _admin(actor)
    school = school_scope(actor, school_id)
    if school is None:
        raise NotFound("no school")
    return uow.experiments.enabled(school)


def set_experiments_enabled(uow: UnitOfWork, actor: Actor, enabled: bool, *, school_id: str | None = None,
                            now: datetime | None = None) -> list[int]:
    """Switch experiments on or off for the admin's school; audited. Off stops every running
    experiment at once (its students get the school's settings from the next read) and no
    new one can start. Returns the ids stopped."""
    _admin(actor)
    school = school_scope(actor, school_id)
    if school is None or uow.schools.get(school) is None:
        raise NotFound("no school")
    now = _now(now)
    uow.experiments.set_enabled(school, bool(enabled), actor.user_id, now)
    stopped = [] if enabled else uow.experiments.stop_running(school, actor.user_id, now)
    uow.audit.add(actor.user_id, "experiments:switch", None, "school",
                  {"school": school, "enabled": bool(enabled), "stopped": stopped, "via": actor.via})
    return stopped


def experiment_report(uow: UnitOfWork, actor: Actor, experiment_id: int, *, now: datetime | None = None,
                      seed: int | None = None) -> ExperimentReport:
    """The report per arm over the experiment's window (until now, if it is still running),
    for the school's admins (the whole experiment) and its teachers (the students of their
    classes; every student whose work is read is an audited read)."""
    exp = require_experiment(uow, actor, experiment_id, Need.READ)
    now = _now(now)
    secs = experiment_classes(uow, actor, exp)
    have = _ensure_assignments(uow, exp, now)
    mine = _reachable(uow, actor, exp, secs)
    learners = sorted(lid for lid in have if mine is None or lid in mine)
    until = min(exp.ends_at, exp.stopped_at or exp.ends_at)
    evidence = uow.experiments.evidence_between(learners, exp.starts_at, until)
    mastered: dict[str, dict[str, datetime]] = {}
    for lid, code, at in uow.experiments.mastered_at(learners):
        mastered.setdefault(lid, {})[code] = at
    by: dict[str, list[tuple[str, Sequence[str], float, datetime, Mapping[str, Any]]]] = {}
    for lid, kind, codes, score, at, data in evidence:
        by.setdefault(lid, []).append((kind, codes, score, at, data))
    tallies = [tally_student(lid, have[lid][0], by.get(lid, []), mastered.get(lid, {}), exp.starts_at, until)
               for lid in learners]
    uow.audit.add_many(actor.user_id, "read:experiment-report", learners, f"experiment:{exp.id}",
                       {"via": actor.via})
    rep = report(tallies) if seed is None else report(tallies, seed=seed)
    return ExperimentReport(_view(exp, secs, rep.students, now), rep)
