"""Competency frameworks: skills grouped in units, and prerequisites between skills.

Prerequisites are in conjunctive form: a skill lists *groups*; every group must be
satisfied (AND) and a group is satisfied when any one of its skills is mastered (OR).
``SkillGraph`` checks the graph (unknown skills, cycles named in full) and answers the
questions the engine and the pages ask: order, readiness, what unlocks a skill.
No I/O, no framework.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pathwise.domain.errors import CycleError, ValidationError

CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
"""What a code (skill, unit, framework, item, rubric, criterion, assessment) looks like."""
_CODE = re.compile(CODE_PATTERN)
MAX_HOME_TIPS = 6
MAX_HOME_TIP_LENGTH = 400


def check_code(value: str, field_name: str = "code") -> str:
    if not isinstance(value, str) or not _CODE.match(value):
        raise ValidationError(
            field_name, f"{value!r} is not a valid code (letters, digits and . _ : -, up to 128)"
        )
    return value


@dataclass(frozen=True, slots=True)
class Unit:
    code: str
    title: str
    position: int = 0

    def __post_init__(self) -> None:
        check_code(self.code, "unit")
        if not self.title.strip():
            raise ValidationError("title", f"unit {self.code} needs a title")


@dataclass(frozen=True, slots=True)
class Skill:
    code: str
    title: str
    unit: str | None = None
    description: str = ""
    prerequisites: tuple[frozenset[str], ...] = ()
    position: int = 0
    home_tips: tuple[str, ...] = ()  # short sentences: ways a family can help at home (optional)

    def __post_init__(self) -> None:
        check_code(self.code, "skill")
        if not self.title.strip():
            raise ValidationError("title", f"skill {self.code} needs a title")
        if len(self.home_tips) > MAX_HOME_TIPS:
            raise ValidationError("home_tips", f"skill {self.code} has more than {MAX_HOME_TIPS} tips for home")
        for tip in self.home_tips:
            if not isinstance(tip, str) or not tip.strip() or len(tip) > MAX_HOME_TIP_LENGTH:
                raise ValidationError("home_tips", f"skill {self.code}: a tip for home is 1-{MAX_HOME_TIP_LENGTH} "
                                      "characters")
        for group in self.prerequisites:
            if not group:
                raise ValidationError("prerequisites", f"skill {self.code} has an empty group")
            if self.code in group:
                raise CycleError([self.code, self.code])

    @property
    def prerequisite_codes(self) -> frozenset[str]:
        out: set[str] = set()
        for group in self.prerequisites:
            out |= group
        return frozenset(out)


@dataclass(frozen=True, slots=True)
class Framework:
    id: str
    title: str
    subject: str = "mathematics"
    mastery_threshold: float = 0.95
    units: tuple[Unit, ...] = ()
    skills: tuple[Skill, ...] = ()
    source_uri: str | None = None

    def __post_init__(self) -> None:
        check_code(self.id, "framework")
        if not 0.5 <= self.mastery_threshold < 1.0:
            raise ValidationError("mastery_threshold", "must be in [0.5, 1)")
        unit_codes = {u.code for u in self.units}
        seen: set[str] = set()
        for s in self.skills:
            if s.code in seen:
                raise ValidationError("skill", f"{s.code} appears twice")
            seen.add(s.code)
            if s.unit is not None and s.unit not in unit_codes:
                raise ValidationError("unit", f"skill {s.code} names unknown unit {s.unit}")

    def graph(self) -> SkillGraph:
        return SkillGraph(self.skills)


@dataclass(slots=True)
class SkillGraph:
    """A checked prerequisite graph over a set of skills."""

    skills: Iterable[Skill]
    _by_code: dict[str, Skill] = field(init=False)
    _order: list[str] = field(init=False)
    _unlocks: dict[str, set[str]] = field(init=False)

    def __post_init__(self) -> None:
        self._by_code = {}
        for s in self.skills:
            if s.code in self._by_code:
                raise ValidationError("skill", f"{s.code} appears twice")
            self._by_code[s.code] = s
        self._unlocks = {c: set() for c in self._by_code}
        for s in self._by_code.values():
            for pre in s.prerequisite_codes:
                if pre not in self._by_code:
                    raise ValidationError(
                        "prerequisites", f"skill {s.code} needs unknown skill {pre}"
                    )
                self._unlocks[pre].add(s.code)
        self._order = self._topological_order()

    def _topological_order(self) -> list[str]:
        # Depth-first search that keeps the current path, so a cycle can be named in full.
        state: dict[str, int] = {}  # 1 = on the path, 2 = done
        order: list[str] = []
        for root in sorted(self._by_code, key=lambda c: (self._by_code[c].position, c)):
            if state.get(root):
                continue
            path: list[str] = []
            stack: list[tuple[str, list[str]]] = [
                (root, sorted(self._by_code[root].prerequisite_codes))
            ]
            state[root] = 1
            path.append(root)
            while stack:
                node, todo = stack[-1]
                if todo:
                    nxt = todo.pop(0)
                    st = state.get(nxt)
                    if st == 1:
                        start = path.index(nxt)
                        # the path runs from dependant to prerequisite; name it the
                        # other way round, each skill followed by one that needs it
                        cyc = list(reversed(path[start:]))
                        raise CycleError(cyc + [cyc[0]])
                    if st is None:
                        state[nxt] = 1
                        path.append(nxt)
                        stack.append((nxt, sorted(self._by_code[nxt].prerequisite_codes)))
                else:
                    state[node] = 2
                    order.append(node)
                    path.pop()
                    stack.pop()
        return order

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def skill(self, code: str) -> Skill:
        try:
            return self._by_code[code]
        except KeyError:
            raise ValidationError("skill", f"unknown skill {code}") from None

    def codes(self) -> list[str]:
        """Skill codes with every prerequisite before the skills that need it."""
        return list(self._order)

    def unlocks(self, code: str) -> frozenset[str]:
        return frozenset(self._unlocks.get(code, ()))

    def is_ready(self, code: str, mastered: Mapping[str, bool] | set[str] | frozenset[str]) -> bool:
        """True when every prerequisite group has at least one mastered skill."""
        have = _as_set(mastered)
        return all(group & have for group in self.skill(code).prerequisites)

    def missing_groups(self, code: str, mastered: Mapping[str, bool] | set[str] | frozenset[str]) -> list[frozenset[str]]:
        """The prerequisite groups not yet satisfied: what still locks the skill."""
        have = _as_set(mastered)
        return [g for g in self.skill(code).prerequisites if not (g & have)]

    def frontier(self, mastered: Mapping[str, bool] | set[str] | frozenset[str]) -> list[str]:
        """Skills not yet mastered whose prerequisites are: ready to learn, in order."""
        have = _as_set(mastered)
        return [c for c in self._order if c not in have and self.is_ready(c, have)]

    def ancestors(self, code: str) -> set[str]:
        out: set[str] = set()
        todo = list(self.skill(code).prerequisite_codes)
        while todo:
            c = todo.pop()
            if c not in out:
                out.add(c)
                todo.extend(self._by_code[c].prerequisite_codes)
        return out


def _as_set(mastered: Mapping[str, bool] | set[str] | frozenset[str]) -> frozenset[str]:
    if isinstance(mastered, Mapping):
        return frozenset(k for k, v in mastered.items() if v)
    return frozenset(mastered)
