"""Early warning for a class: who needs the teacher first, with the reasons in plain words.

``class_warnings`` replays each student's evidence through the active mastery tracker
(the product's own fold), hands it with their goals to the rules in
``engine.insight.early_warning`` (the whole class at once: "behind the class" compares each
student with the class) and turns the rows into plain sentences with skill titles and links
to the evidence. Teachers of the class and admins of its school only; opening the list audits
each student's record read (``require_class_learners``).

``flagged_counts`` is the teacher home's "Who needs attention: N students": the same rules
on the same evidence, so the number always matches the list, but only a number leaves it.
It asks the access policy for each class (``require_section``) and does not write an audit
row per student per visit: the count shows no one's record, and the reads are audited when
the teacher opens the list. Both read the class's evidence in one query and keep each
student's replay, keyed by everything it depends on (the model's version, the student's
evidence count and newest evidence time), so a second visit replays only who has new work.
Nothing here decides a flag.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from pathwise.domain.mastery_states import State
from pathwise.domain.people import Role, User
from pathwise.engine.insight.early_warning import (
    Answer,
    Flag,
    GoalTarget,
    Reason,
    StudentEvidence,
    WarningSettings,
    mastery_only,
    rank,
    replay,
)
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.memo import KeyedCache
from pathwise.services.access import Actor, require_class_learners, require_section
from pathwise.services.errors import NotFound
from pathwise.services.goals import active_goal_targets
from pathwise.services.mastery import DEFAULT_THRESHOLD, load_tracker
from pathwise.services.content import content_of
from pathwise.services.path_state import load_config, load_configs, now_or
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True, slots=True)
class ReasonView:
    kind: str  # the flag, for markup only (never shown)
    text: str
    links: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class WarningView:
    learner_id: str
    name: str
    urgency: float
    reasons: tuple[ReasonView, ...]
    href: str  # the student's page


@dataclass(frozen=True, slots=True)
class ClassWarnings:
    section_id: str
    section_name: str
    students: int
    rows: tuple[WarningView, ...]


def settings_of(uow: UnitOfWork) -> WarningSettings:
    """The warning settings, with the path's own wheel-spinning guard (the school's; each
    student's own arm's guard, where an experiment runs, comes with their evidence)."""
    return WarningSettings(guard=load_config(uow).guard)


def _titles(names: tuple[str, ...], titles: dict[str, str], most: int = 3) -> str:
    shown = [titles.get(c, "a skill") for c in names[:most]]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return text + (f" and {more} more" if more > 0 else "")


def _sentence(r: Reason, titles: dict[str, str]) -> str:
    mastered = State.MASTERED.word
    if r.flag == Flag.WHEEL_SPINNING:
        return (f"Many tries without progress on {_titles(r.skills, titles)} "
                f"({r.count} tries on the first)")
    if r.flag == Flag.STALLED:
        return (f"Working on {_titles(r.skills, titles)} for {r.days} school days ({r.count} tries) "
                f"without getting closer to {mastered}")
    if r.flag == Flag.BEHIND:
        n = max(1, round(r.amount))
        return f"About {n} skill{'s' if n != 1 else ''} behind most of the class"

    if r.flag == Flag.DECLINING:
        wrong = f"{r.count} review answer{'s' if r.count != 1 else ''} wrong" if r.count else "estimates falling"
        return f"Slipping: {wrong} on {_titles(r.skills, titles)}, which had been {mastered}"
    if r.flag == Flag.OFF_PACE:
        return f"Behind the pace for the goal: {_titles(r.skills, titles)}"
    if r.days is None:
        return "No work yet"
    return f"No work for {r.days} school days"


# Each student's replayed answers, keyed by what the replay depends on: the model's
# version and the student's evidence count and newest evidence time (new, late or deleted
# evidence changes them). A replay is a pure function of that key, so another worker that
# has not seen it only computes it again.
REPLAYS: KeyedCache[tuple[Answer, ...]] = KeyedCache(4096)


def _replays(uow: UnitOfWork, tracker: Tracker, learner_ids: Sequence[str]) -> dict[str, tuple[Answer, ...]]:
    """The learners' answers replayed through ``tracker``: one query for the keys, one for the
    evidence of those not kept yet."""
    activity = uow.school_reads.activity(learner_ids)
    out: dict[str, tuple[Answer, ...]] = {}
    keys: dict[str, Hashable] = {}
    for lid in learner_ids:
        n, newest = activity.get(lid, (0, None))
        keys[lid] = (tracker.version, lid, n, newest)
        hit = REPLAYS.get(keys[lid]) if n else ()
        if hit is not None:
            out[lid] = hit
    missing = [lid for lid in learner_ids if lid not in out]
    if missing:
        evidence = uow.grid_reads.evidence_for_learners(missing)
        for lid in missing:
            out[lid] = replay(tracker, evidence.get(lid, []))
            REPLAYS.put(keys[lid], out[lid])
    return out


def _class_evidence(uow: UnitOfWork, students: Sequence[User], tracker: Tracker,
                    now: datetime) -> list[StudentEvidence]:
    """Each student's answers and goals, with the wheel-spinning guard of the path settings
    in force for them at ``now`` (their experiment arm's, where one runs): the list flags a
    student as stuck by the very rule their path steps back by."""
    ids = [s.id for s in students]
    answers = _replays(uow, tracker, ids)
    configs = load_configs(uow, ids, now)
    out: list[StudentEvidence] = []
    for s in students:
        goals = tuple(GoalTarget(code, when) for code, when in active_goal_targets(uow, s.id))
        out.append(StudentEvidence(s.id, answers[s.id], goals, configs[s.id].guard))
    return out


def _threshold_of(uow: UnitOfWork, framework_id: str | None) -> tuple[float, dict[str, str]]:
    content = content_of(uow, framework_id) if framework_id else None
    return (content.framework.mastery_threshold if content else DEFAULT_THRESHOLD,
            dict(content.titles) if content else {})


def class_warnings(uow: UnitOfWork, actor: Actor, class_id: str, now: datetime | None = None,
                   settings: WarningSettings | None = None) -> ClassWarnings:
    """One row per student who needs attention, most urgent first (teachers of the class, admins)."""
    sec, students = require_class_learners(uow, actor, class_id, resource="early_warning")
    now = now_or(now)
    cfg = settings or settings_of(uow)
    threshold, titles = _threshold_of(uow, sec.framework_id)
    evidence = _class_evidence(uow, students, mastery_only(load_tracker(uow)), now)
    names = {s.id: s.display_name for s in students}
    rows: list[WarningView] = []
    for row in rank(evidence, threshold, now, cfg):
        lid = row.learner_id
        reasons = []
        for r in row.reasons:
            links = tuple(Link(titles.get(c, "this skill"), f"/learners/{quote(lid)}/skills/{quote(c)}")
                          for c in r.skills[:3])
            reasons.append(ReasonView(r.flag.value, _sentence(r, titles), links))
        rows.append(WarningView(lid, names.get(lid, lid), row.urgency, tuple(reasons), f"/learners/{quote(lid)}"))
    return ClassWarnings(sec.id, sec.name, len(students), tuple(rows))


def flagged_counts(uow: UnitOfWork, actor: Actor, class_ids: list[str],
                   now: datetime | None = None) -> dict[str, int]:
    """How many students of each class need attention (the teacher's home): the list's own
    rules on the same evidence, without the per-student audit (only a count leaves here; the
    list audits its reads when opened). Teachers of each class and admins of its school."""
    if not actor.is_system and actor.role not in (Role.TEACHER, Role.ADMIN):
        raise NotFound("no class")  # as the list answers students and guardians
    now = now_or(now)
    cfg = settings_of(uow)
    tracker = mastery_only(load_tracker(uow))
    out: dict[str, int] = {}
    for cid in class_ids:
        sec = require_section(uow, actor, cid)
        students = [s for s in uow.sections.members(sec.id, Role.STUDENT)
                    if s.role == Role.STUDENT and (actor.is_system or s.school_id == actor.school_id)]
        threshold, _ = _threshold_of(uow, sec.framework_id)
        out[cid] = len(rank(_class_evidence(uow, students, tracker, now), threshold, now, cfg))
    return out
