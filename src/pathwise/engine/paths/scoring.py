"""Scoring candidate activities for one learner, each recommendation with its reasons.

A candidate's score is a weighted sum of components in [0, 1]: expected learning
gain (from the learner model's mastery estimate), readiness (how well the
prerequisites are known), difficulty matched to the learner (predicted success near
``target_success``), review due, the teacher's focus, the learner's goals, interests
and preferred modalities, variety, stepping back from a wheel-spinning skill, and a
due mastery check. The weights are configuration (``Weights``); every component that
contributed is kept as a ``Reason`` in plain words.

Eligibility is a rule, not a weight: an activity is offered only when each of its
skills is mastered, ready, or opened by a teacher (a locked skill never appears), and
a wheel-spinning skill is not served again until its flag clears.
No storage, no web, no clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

from pathwise.domain.content import Activity, ActivityKind
from pathwise.domain.framework import SkillGraph
from pathwise.domain.profile import matching_interest
from pathwise.engine.paths.frontier import is_open
from pathwise.engine.paths.guard import step_back_targets

# How much an activity of each kind moves mastery, relative to practice.
KIND_GAIN: dict[ActivityKind, float] = {
    ActivityKind.PRACTICE: 1.0,
    ActivityKind.CHECK: 0.6,
    ActivityKind.PROJECT: 0.9,
    ActivityKind.VIDEO: 0.7,
    ActivityKind.READING: 0.7,
}
MODALITY_WORDS = {"practice": "practice", "video": "videos", "reading": "reading", "project": "projects",
                  "check": "checks"}
# Reasons that say *why this one*; generic ones (gain, difficulty, variety) headline only
# when nothing more specific applies.
_HEADLINE = ("ahead", "check", "step_back", "focus", "review", "interest", "goal", "readiness", "modality")


@dataclass(frozen=True, slots=True)
class Weights:
    gain: float = 1.0
    readiness: float = 0.6
    difficulty: float = 0.5
    review: float = 1.2
    focus: float = 0.8
    goal: float = 0.5
    interest: float = 0.3
    modality: float = 0.3
    variety: float = 0.2
    step_back: float = 1.5
    check: float = 1.4

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if not isinstance(v, (int, float)) or math.isnan(v) or v < 0:
                raise ValueError(f"weight {f.name} must be a number >= 0, got {v!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, float]) -> Weights:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown weight(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: float(v) for k, v in data.items()})

    def to_dict(self) -> dict[str, float]:
        return {f.name: float(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # gain | readiness | difficulty | review | focus | goal | interest | modality | variety | step_back | check
    text: str
    value: float  # weighted contribution to the score


@dataclass(frozen=True, slots=True)
class Recommendation:
    activity: Activity
    score: float
    purpose: str  # learn | review | step_back | check
    skills: tuple[str, ...]  # the skills this activity serves for this learner now
    reasons: tuple[Reason, ...]  # largest contribution first

    @property
    def reason(self) -> str:
        """The headline reason: the teacher's focus when it applies (the teacher chose it for
        this learner), else the strongest specific one, else the strongest."""
        specific = [r for r in self.reasons if r.code in _HEADLINE and r.value > 0]
        focus = [r for r in specific if r.code == "focus"]
        pick = focus[0] if focus else specific[0] if specific else (self.reasons[0] if self.reasons else None)
        return pick.text if pick else "Next in your path"


# The teacher's focus and the learner's interests each keep a place among the few choices
# offered (when an activity has them): a small weight alone would let them vanish below the
# cut whenever reviews and checks score higher, and the learner would never see them.
_RESERVED = ("focus", "interest")


def _reserve(scored: list[Any], picked: list[int], k: int) -> None:
    """Make room in ``picked`` (indexes into ``scored``, best first) for the best activity
    with each reserved reason, replacing the weakest pick that carries no reserved reason."""
    if k < 2:
        return
    for code in _RESERVED:
        if any(any(r[0] == code for r in scored[i][5]) for i in picked):
            continue
        best = next((i for i in range(len(scored)) if i not in picked and any(r[0] == code for r in scored[i][5])),
                    None)
        if best is None:
            continue
        free = [j for j in picked if not any(r[0] in _RESERVED for r in scored[j][5])]
        if len(picked) < k:
            picked.append(best)
        elif free and len(picked) > 1:
            picked[picked.index(free[-1])] = best


@dataclass(frozen=True, slots=True)
class LearnerView:
    """What the scorer knows about one learner right now (all plain data)."""

    p_mastery: Mapping[str, float]
    mastered: frozenset[str]
    opened: frozenset[str] = frozenset()
    attempts: Mapping[str, int] = field(default_factory=dict)  # since the skill was (re)opened
    review_due: Mapping[str, float] = field(default_factory=dict)  # due skill -> days since last practised
    retrievability: Mapping[str, float] = field(default_factory=dict)  # mastered skill -> recall now
    spinning: frozenset[str] = frozenset()
    focus: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    interests: frozenset[str] = frozenset()
    modalities: frozenset[str] = frozenset()
    recent: Sequence[tuple[str, str, tuple[str, ...]]] = ()  # (activity id, kind, skills), newest first
    check: tuple[str, ...] = ()  # skills of a mastery check that is due
    started: frozenset[str] = frozenset()  # skills with evidence: once begun, a skill is never locked again


@dataclass(frozen=True, slots=True)
class ModelHints:
    """Response-model numbers the scorer uses to predict success and gain."""

    guess: float = 0.2
    slip: float = 0.1
    learn: float = 0.15
    target_success: float = 0.7


def ago(days: float) -> str:
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    if days < 14:
        return f"{int(days)} days ago"
    if days < 60:
        w = int(round(days / 7))
        return f"{w} weeks ago"
    m = int(round(days / 30))
    return f"{m} months ago"


# A reason is one short sentence: skill names in it are cut to MAX_NAME_CHARS (at a word, with
# an ellipsis), a check names at most CHECK_NAMES skills ("and 3 more"), and no reason shown is
# longer than MAX_REASON_CHARS.
MAX_REASON_CHARS = 90
MAX_NAME_CHARS = 36
CHECK_NAMES = 2


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    if " " in head:
        head = head[:head.rindex(" ")]
    return head.rstrip(" ,;:…") + "…"


def _name(titles: Mapping[str, str] | None, code: str) -> str:
    """A skill's title for a reason, cut to MAX_NAME_CHARS."""
    return _cut((titles or {}).get(code, code), MAX_NAME_CHARS)


def short_reason(text: str) -> str:
    """A reason as shown: one line of at most MAX_REASON_CHARS."""
    return _cut(text, MAX_REASON_CHARS)


def _check_text(skills: Sequence[str], titles: Mapping[str, str]) -> str:
    """Names as many of the check's skills as fit (at most CHECK_NAMES) and counts the rest."""
    names = [_name(titles, s) for s in skills]
    text = f"Mastery check: confirm {_and_list(names)}"
    for shown in range(min(CHECK_NAMES, len(names) - 1), 0, -1):
        if len(text) <= MAX_REASON_CHARS and len(names) <= CHECK_NAMES + 1:
            break
        text = f"Mastery check: confirm {_and_list(names[:shown] + [f'{len(names) - shown} more'])}"
    return text


def _and_list(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _readiness(graph: SkillGraph, code: str, p: Mapping[str, float]) -> float:
    groups = graph.skill(code).prerequisites
    if not groups:
        return 1.0
    return min(max(p.get(c, 0.0) for c in g) for g in groups)


def _ready_text(graph: SkillGraph, code: str, view: LearnerView, titles: Mapping[str, str]) -> str:
    t = _name(titles, code)
    n = view.attempts.get(code, 0)
    if n > 0:
        return f"Keep going: you're at {round(100 * view.p_mastery.get(code, 0.0))}% on {t}"
    groups = graph.skill(code).prerequisites
    if code in view.opened and graph.missing_groups(code, view.mastered):
        return f"Opened for you by your teacher: {t}"
    if not groups:
        return f"Ready: {t} needs no prerequisites"
    met = [next(iter(sorted(g & view.mastered)), None) for g in groups]
    names = [_name(titles, c) for c in met if c]
    if len(groups) == 1:
        return f"Ready: you've mastered the prerequisite {names[0]}" if names else f"Ready to start {t}"
    if len(groups) == 2:
        return "Ready: you've mastered both prerequisites"
    return f"Ready: you've mastered all {len(groups)} prerequisites"


def check_activity(skills: Sequence[str], titles: Mapping[str, str]) -> Activity:
    """The synthetic mixed-skill mastery check offered when one is due."""
    name = _and_list([titles.get(s, s) for s in skills])
    return Activity(id="check." + ".".join(sorted(skills))[:120], title=f"Mastery check: {name}",
                    kind=ActivityKind.CHECK, skill_codes=tuple(skills), minutes=max(5, 2 * len(skills)))


def rank(graph: SkillGraph, activities: Sequence[Activity], view: LearnerView, weights: Weights | None = None,
         k: int = 3, titles: Mapping[str, str] | None = None, difficulty: Mapping[str, float] | None = None,
         hints: ModelHints | None = None) -> list[Recommendation]:
    """The top ``k`` recommendations for one learner, best first, each with its reasons.

    ``difficulty`` maps activity ids to a logit shift (positive = harder), e.g. the mean
    difficulty of its items. A due mastery check is offered as a synthetic activity.
    When nothing is open to learn and nothing is due, mastered skills are offered for
    review ahead of time, the one most likely forgotten first, rather than nothing.
    """
    recs = _rank(graph, activities, view, weights, k, titles, difficulty, hints)
    if recs or not view.mastered:
        return recs
    early = {s: view.review_due.get(s, 0.0) for s in view.mastered if s not in view.spinning}
    ahead = _rank(graph, activities, _with(view, review_due=early), weights, k, titles, difficulty, hints)
    out = []
    for r in ahead:
        title = _name(titles, r.skills[0]) if r.skills else "it"
        lead = Reason("ahead", short_reason(f"Review ahead: everything open to you is mastered; keep {title} fresh"),
                      1.0)
        out.append(Recommendation(r.activity, r.score, "review", r.skills,
                                  (lead,) + tuple(x for x in r.reasons if x.code != "review")))
    return out


def _with(view: LearnerView, **changes: object) -> LearnerView:
    d = {f.name: getattr(view, f.name) for f in fields(view)}
    d.update(changes)
    return LearnerView(**d)  # type: ignore[arg-type]


def _rank(graph: SkillGraph, activities: Sequence[Activity], view: LearnerView, weights: Weights | None,
          k: int, titles: Mapping[str, str] | None, difficulty: Mapping[str, float] | None,
          hints: ModelHints | None) -> list[Recommendation]:
    w = weights or Weights()
    titles = titles or {}
    hints = hints or ModelHints()
    difficulty = difficulty or {}
    p = view.p_mastery
    mastered = view.mastered
    step: dict[str, str] = {}  # prerequisite -> the spinning skill it supports
    for s in sorted(view.spinning):
        if s in graph:
            for pre in step_back_targets(graph, s, p):
                step.setdefault(pre, s)
    last = view.recent[0] if view.recent else None
    ready_set = frozenset(c for c in graph.codes() if c not in mastered and graph.is_ready(c, mastered))
    # A spinning skill with no way back it could be routed to (no prerequisites, or none
    # open) stays on the path through other ways in (videos, readings...); its practice
    # comes back only when nothing else is open (other ways in do not clear the flag, so
    # they alone would be a dead end too). The teacher has the flag either way.
    stuck = frozenset(s for s in view.spinning if s in graph and (s in view.opened or s in ready_set)
                      and not any(pre not in view.spinning and (pre in mastered or pre in view.opened
                                                                or pre in ready_set)
                                  for pre in step_back_targets(graph, s, p)))
    readiness: dict[str, float] = {}

    # (score, activity id, activity, purpose, served skills, raw reasons): reason texts are
    # written only for the few recommendations returned (the costly ones are deferred).
    scored: list[tuple[float, str, Activity, str, tuple[str, ...], list[tuple[str, str | partial[str], float]]]] = []
    last_resort: list[tuple[float, str, Activity, str, tuple[str, ...], list[tuple[str, str | partial[str], float]]]] = []
    only_other_ways = True  # so far, nothing scored but other ways into stuck skills
    cands = list(activities)
    if view.check:
        cands.append(check_activity(view.check, titles))
    for act in cands:
        is_check = act.kind == ActivityKind.CHECK and view.check and set(act.skill_codes) <= set(view.check)
        learn: list[str] = []
        review: list[str] = []
        back: list[str] = []
        again: list[str] = []  # stuck skills (see ``stuck``)
        ok = True
        for s in act.skill_codes:
            if s not in graph:
                ok = False
                break
            if s in mastered:
                if s in step:
                    back.append(s)
                elif s in view.review_due:
                    review.append(s)
                continue
            if s in view.spinning:
                if s in stuck:
                    again.append(s)
                    continue
                ok = False
                break
            if s in ready_set or is_open(graph, s, mastered, view.opened, view.started):
                (back if s in step else learn).append(s)
            else:
                ok = False  # locked: never offered
                break
        if not ok or not (learn or review or back or again or is_check):
            continue
        other_way = bool(again) and act.kind not in (ActivityKind.PRACTICE, ActivityKind.CHECK)
        if again and not (back or learn or review):
            learn = again  # scored as learning; the stuck reason below says why it is here
        served = tuple(back or learn or review or act.skill_codes)
        purpose = ("check" if is_check else "step_back" if back or other_way else "learn" if learn
                   else "review")
        reasons: list[tuple[str, str | partial[str], float]] = []
        kind_gain = KIND_GAIN.get(act.kind, 1.0)

        def add(code: str, weight: float, value: float, text: str | partial[str]) -> None:
            if weight > 0 and value > 0:
                reasons.append((code, text, weight * value))

        if is_check:
            add("check", w.check, 1.0, _check_text(act.skill_codes, titles))
        if again:
            name = _name(titles, again[0])
            if other_way:
                add("step_back", w.step_back, 1.0, f"Another way in: {MODALITY_WORDS.get(act.kind.value, act.kind.value)} "
                                                   f"on {name}, since more practice has not helped yet")
            else:
                add("step_back", w.step_back, 0.3, f"Try {name} again: your teacher knows it is hard going")
        if back:
            pre = back[0]
            if pre in mastered:  # the words follow the number: a mastered skill is refreshed, not strengthened
                # the skill that needs it last, so a cut never loses what the sentence means
                text = f"Step back: refresh {_name(titles, pre)} (mastered), a base for {_name(titles, step[pre])}"
            else:
                text = f"Step back: strengthen {_name(titles, pre)} before more {_name(titles, step[pre])}"
            add("step_back", w.step_back, 1.0, text)
        if learn:
            gain = sum(1.0 - p.get(s, 0.0) for s in learn) / len(learn) * kind_gain
            main = learn[0]
            add("gain", w.gain, gain, f"Most to gain next: {_name(titles, main)}")
            for s in learn:
                if s not in readiness:
                    readiness[s] = _readiness(graph, s, p) if s in ready_set else 0.3
            ready = min(readiness[s] for s in learn)
            if learn is not again:  # a stuck skill's reason is that it is stuck (below)
                add("readiness", w.readiness, ready, partial(_ready_text, graph, main, view, titles))
        if review:
            r = min(view.retrievability.get(s, 0.9) for s in review)
            # the words name the skill whose age they give (the oldest due), never the activity's
            oldest = max(review, key=lambda s: view.review_due[s])
            days = view.review_due[oldest]
            name = _name(titles, oldest)
            add("review", w.review, min(1.0, 0.6 + (1.0 - r) * 2.0),
                f"Due for review: {name}, last practised {ago(days)}" if days >= 1
                else f"Due for a quick re-check: {name}")
            add("gain", w.gain, (1.0 - r) * kind_gain,
                f"Keep it fresh: {name}" + (f" and {len(review) - 1} more" if len(review) > 1 else ""))
        if act.kind in (ActivityKind.PRACTICE, ActivityKind.CHECK, ActivityKind.PROJECT):
            pm = sum(p.get(s, 0.0) for s in served) / len(served)
            succ = pm * (1 - hints.slip) + (1 - pm) * hints.guess
            shift = difficulty.get(act.id, 0.0)
            if shift:
                lo = math.log(max(succ, 1e-6) / max(1 - succ, 1e-6)) - shift
                succ = 1 / (1 + math.exp(-lo))
            match = max(0.0, 1.0 - abs(succ - hints.target_success) / 0.5)
            add("difficulty", w.difficulty, match,
                f"Right level for you: about {max(1, round(10 * succ))} in 10 expected right")
        foc = [s for s in act.skill_codes if s in view.focus]
        if foc:
            add("focus", w.focus, 1.0, "Your teacher's focus this week")
        gl = [s for s in act.skill_codes if s in view.goals]
        if gl:
            add("goal", w.goal, 1.0, f"Works toward your goal: {_name(titles, gl[0])}")
        topic = matching_interest(act.tags, view.interests)
        if topic:
            add("interest", w.interest, 1.0, f"Matches your interest: {topic}")
        if act.kind.value in view.modalities:
            add("modality", w.modality, 1.0, f"Matches how you like to learn: {MODALITY_WORDS[act.kind.value]}")
        if last is not None:
            same_act = last[0] == act.id
            same_kind = last[1] == act.kind.value
            same_skill = bool(set(last[2]) & set(act.skill_codes))
            var = 0.0 if same_act else 1.0 - 0.4 * same_kind - 0.3 * same_skill
            add("variety", w.variety, var, "Something different from your last activity")
        reasons.sort(key=lambda r: -r[2])
        score = sum(r[2] for r in reasons)
        row = (round(score, 6), act.id, act, purpose, served, reasons)
        if again and not other_way:
            last_resort.append(row)
        else:
            scored.append(row)
            only_other_ways = only_other_ways and other_way

    if only_other_ways:  # nothing open but other ways into stuck skills: their practice too
        scored += last_resort
    scored.sort(key=lambda c: (-c[0], c[1]))
    # A few good *choices*: prefer different skills before repeating one.
    picked: list[int] = []
    seen: set[tuple[str, ...]] = set()
    for i, c in enumerate(scored):
        if len(picked) >= k:
            break
        if c[4] not in seen:
            picked.append(i)
            seen.add(c[4])
    for i in range(len(scored)):
        if len(picked) >= k:
            break
        if i not in picked:
            picked.append(i)
    _reserve(scored, picked, k)
    out: list[Recommendation] = []
    for i in picked:
        score, _, act, purpose, served, raw = scored[i]
        out.append(Recommendation(act, score, purpose, served, tuple(
            Reason(code, short_reason(text if isinstance(text, str) else text()), value) for code, text, value in raw)))
    return out

