"""A learner simulator for a school: students practising a skill sequence for weeks.

Each simulated student has a hidden state (the set of skills they really know), an
ability, a pace (sessions per week) and a persona (``typical``, ``ahead``,
``struggling`` or ``stuck``). The term opens with a placement check (three items on
each skill before the class's starting point, answered from what the student already
knows); then, on school days, they practise items on their class's current skill; an answer is right with a probability that depends on whether the
skill is known (slip) or not (guess), and after each answer they may learn the skill.
Practising a skill whose prerequisite groups are not met teaches little, so gaps
show up downstream. Students move on after three right in a row, or when the teacher
moves them on after many tries; a ``stuck`` student meets a skill they cannot learn,
keeps missing it and practises less and less, so teacher screens have someone to flag.

Output: ``SimRecord`` rows (student, item, skills, correct, timestamp, ...) in time
order per student. Everything is determined by ``seed``. numpy and the domain only:
no storage, no services.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from pathwise.domain.framework import SkillGraph
from pathwise.domain.content import Item

PERSONAS = ("typical", "ahead", "struggling", "stuck")
PLACEMENT_ITEMS = 3  # items per earlier skill in the start-of-term check
PLACEMENT_PER_SESSION = 25


@dataclass(frozen=True, slots=True)
class SimItem:
    id: str
    skill_codes: tuple[str, ...]
    difficulty: float = 0.0  # about -1 (easy) .. 1 (hard)
    guess: float = 0.1  # chance of a right answer without the skill (higher for choices)


def sim_items(items: Sequence[Item]) -> dict[str, list[SimItem]]:
    """Bank items as the simulator sees them, by their first skill: a single choice is
    guessed right one time in its number of choices, a multiple choice or an ordering one
    time in ten, anything typed one time in twenty."""
    out: dict[str, list[SimItem]] = {}
    for it in items:
        guess = 1.0 / len(it.choices) if it.type.value == "single_choice" and it.choices else \
            0.1 if it.type.value in ("multiple_choice", "ordering") else 0.05
        out.setdefault(it.skill_codes[0], []).append(SimItem(it.id, it.skill_codes, it.difficulty, guess))
    return out


@dataclass(frozen=True, slots=True)
class SimStudent:
    key: str
    ability: float  # about N(0, 1)
    sessions_per_week: float
    start: int  # index in the class sequence where practice begins
    persona: str = "typical"
    blocker: str | None = None  # a skill a ``stuck`` student cannot learn

    def __post_init__(self) -> None:
        if self.persona not in PERSONAS:
            raise ValueError(f"persona must be one of {', '.join(PERSONAS)}, not {self.persona!r}")
        if not 0 < self.sessions_per_week <= 7:
            raise ValueError("sessions_per_week must be in (0, 7]")


@dataclass(frozen=True, slots=True)
class SimRecord:
    student: str
    item_id: str
    skill_codes: tuple[str, ...]
    correct: bool
    timestamp: datetime
    duration_s: int
    hints: int
    seq: int  # position in the student's own history, from 0


@dataclass(slots=True)
class _State:
    known: set[str]
    pos: int
    streak: int = 0
    tries: int = 0
    item_cursor: dict[str, int] = field(default_factory=dict)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def make_students(keys: Sequence[str], starts: Sequence[int], personas: Mapping[str, str], sequence: Sequence[str],
                  seed: int) -> list[SimStudent]:
    """Draw abilities and paces for students; ``personas`` names the non-typical ones."""
    rng = np.random.default_rng([seed, 1])
    out: list[SimStudent] = []
    for key, start in zip(keys, starts, strict=True):
        persona = personas.get(key, "typical")
        ability = float(rng.normal(0.0, 0.8))
        pace = float(rng.uniform(2.0, 4.0))
        blocker = None
        if persona == "ahead":
            ability, pace = float(rng.uniform(1.4, 2.2)), float(rng.uniform(4.0, 5.0))
        elif persona == "struggling":
            ability, pace = float(rng.uniform(-2.0, -1.2)), float(rng.uniform(1.5, 2.5))
        elif persona == "stuck":
            ability, pace = float(rng.uniform(-0.6, 0.3)), float(rng.uniform(3.0, 4.0))
            blocker = sequence[min(start + int(rng.integers(3, 7)), len(sequence) - 1)]
        else:
            ability = float(np.clip(ability, -1.3, 1.3))
        out.append(SimStudent(key, ability, pace, start, persona, blocker))
    return out


def simulate(graph: SkillGraph, sequence: Sequence[str], items: Mapping[str, Sequence[SimItem]],
             students: Sequence[SimStudent], start: datetime, weeks: int, seed: int,
             learned: list[tuple[str, str, datetime]] | None = None) -> list[SimRecord]:
    """Simulate ``weeks`` weeks of practice from ``start`` (time-zone aware); records per student in time order.

    ``learned``, if given, receives the hidden state for measurement: (student, skill, when)
    for each skill a student truly knows at ``start`` and each skill they truly learn later."""
    if start.tzinfo is None:
        raise ValueError("start must carry a time zone")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    for code in sequence:
        if code not in graph:
            raise ValueError(f"sequence names unknown skill {code}")
        if not items.get(code):
            raise ValueError(f"no items for skill {code}")
    out: list[SimRecord] = []
    for idx, st in enumerate(students):
        out.extend(_simulate_one(graph, sequence, items, st, start, weeks, np.random.default_rng([seed, 2, idx]),
                                 learned))
    return out


def _simulate_one(graph: SkillGraph, sequence: Sequence[str], items: Mapping[str, Sequence[SimItem]],
                  st: SimStudent, start: datetime, weeks: int, rng: np.random.Generator,
                  learned: list[tuple[str, str, datetime]] | None = None) -> list[SimRecord]:
    n = len(sequence)
    begin = min(max(st.start, 0), n - 1)
    prior = float(np.clip(0.8 + 0.1 * st.ability, 0.45, 0.99))
    known: set[str] = set()
    for i, code in enumerate(sequence):
        if i < begin:
            if rng.random() < prior:
                known.add(code)
        elif st.persona == "ahead" and i < begin + 4:
            if rng.random() < 0.6:
                known.add(code)
    state = _State(known=known, pos=begin)
    if learned is not None:
        learned.extend((st.key, code, start) for code in sequence if code in known)
    base_learn = float(np.clip(0.14 + 0.07 * st.ability, 0.03, 0.35))
    max_tries = 9 if st.persona != "struggling" else 12
    records: list[SimRecord] = []
    seq_no = 0

    def answer(item: SimItem, when: datetime) -> datetime:
        nonlocal seq_no
        skill = item.skill_codes[0]
        if skill in state.known:
            slip = float(np.clip(0.07 + 0.04 * item.difficulty - 0.03 * st.ability, 0.02, 0.2))
            p = 1.0 - slip
        else:
            partial = 0.25 * _sigmoid(st.ability - item.difficulty)
            p = item.guess + (1.0 - item.guess) * partial
            if skill == st.blocker:
                p = 0.5 * item.guess  # a firm misconception: hardly ever right, even by luck
        correct = bool(rng.random() < p)
        hints = 0 if correct or rng.random() < 0.55 else int(rng.integers(1, 3))
        duration = int(np.clip(rng.lognormal(math.log(55 if correct else 90), 0.4), 8, 600))
        records.append(SimRecord(st.key, item.id, item.skill_codes, correct, when, duration, hints, seq_no))
        seq_no += 1
        if skill not in state.known:
            ready = all(group & state.known for group in graph.skill(skill).prerequisites)
            rate = base_learn * (1.0 if ready else 0.12)
            if skill == st.blocker:
                rate = 0.0
            if hints:
                rate *= 1.3
            if rng.random() < rate:
                state.known.add(skill)
                if learned is not None:
                    learned.append((st.key, skill, when))
        return when + timedelta(seconds=duration + int(rng.integers(5, 40)))

    def pick(skill: str) -> SimItem:
        pool = items[skill]
        cur = state.item_cursor.get(skill)
        if cur is None:
            cur = int(rng.integers(0, len(pool)))
        state.item_cursor[skill] = cur + 1
        return pool[cur % len(pool)]

    # placement check at the start of term: a few items on every skill before the class's starting point
    placement = [code for code in sequence[:begin] for _ in range(PLACEMENT_ITEMS)]
    for day in range(weeks * 7):
        date = start + timedelta(days=day)
        if date.weekday() >= 5:
            continue
        stuck_now = st.persona == "stuck" and state.pos < n and sequence[state.pos] == st.blocker
        # a stuck student loses heart: fewer and shorter sessions while on the blocking skill
        rate = st.sessions_per_week / 5.0 * (0.5 if stuck_now else 1.0)
        if not placement and rng.random() >= rate:
            continue
        in_class = rng.random() < 0.6
        hour = int(rng.integers(8, 15)) if in_class else int(rng.integers(16, 20))
        when = date.replace(hour=hour, minute=int(rng.integers(0, 60)), second=int(rng.integers(0, 60)),
                            microsecond=0)
        if placement:
            for _ in range(min(len(placement), PLACEMENT_PER_SESSION)):
                when = answer(pick(placement.pop(0)), when)
            continue
        for _ in range(int(rng.integers(3, 7) if stuck_now else rng.integers(6, 14))):
            if state.pos >= n:
                # finished the sequence: mixed review of what they know
                code = sequence[int(rng.integers(0, n))]
                when = answer(pick(code), when)
                continue
            code = sequence[state.pos]
            before = len(records)
            when = answer(pick(code), when)
            ok = records[before].correct
            state.streak = state.streak + 1 if ok else 0
            state.tries += 1
            stuck_here = st.persona == "stuck" and code == st.blocker
            if state.streak >= 3 or (state.tries >= max_tries and not stuck_here):
                state.pos += 1
                state.streak = 0
                state.tries = 0
    return records
