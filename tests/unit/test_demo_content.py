"""The demo school's content is right: framework shape, item answers, feedback, hints,
activities, and the school simulator's behaviour. Fast; no database."""

from __future__ import annotations

import math
import re
import statistics
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction as F
from pathlib import Path

import pytest

from pathwise.domain.answers import Status, check_answer, validate_item
from pathwise.domain.content import ActivityKind, ItemType
from pathwise.domain.framework import Skill, SkillGraph
from pathwise.engine.simulate_school import SimItem, SimStudent, make_students, simulate
from pathwise.interop.case import parse_package
from pathwise.services import demo_data
from pathwise.services.demo import DEMO_FRAMEWORK_ID, _plan_people, default_anchor
from pathwise.services.demo_data import load_activities, load_people

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from demo_content import generate  # noqa: E402  (the maintainer's generator, outside the package)
from demo_content.templates import eval_expr, parse_number  # noqa: E402

FORMS = {"fraction", "decimal", "percent"}
load_framework = generate.load_framework  # the framework as authored


@pytest.fixture(scope="module")
def generated():  # type: ignore[no-untyped-def]
    """Every item with the draft it came from (and so its independent ``check``)."""
    return generate.generated_items()


def test_the_shipped_files_are_what_the_generator_writes() -> None:
    # regenerate both files and compare: run tools/demo_content/generate.py after changing a template
    assert generate.stale() == []


def test_the_shipped_items_are_the_generated_ones(generated) -> None:  # type: ignore[no-untyped-def]
    parsed = demo_data.load_items()
    assert parsed.problems == [] and parsed.framework_id == DEMO_FRAMEWORK_ID
    shipped = [item for item, _, _ in parsed.items]
    assert [i.id for i in shipped] == [g.item.id for g in generated]
    for item, g in zip(shipped, generated):
        assert item == g.item and item.spec == g.item.spec, item.id


def test_the_shipped_case_package_has_the_authored_framework_and_any_of_groups() -> None:
    fw = load_framework()
    pkg = parse_package(demo_data.framework_package())
    assert pkg.case_version == "1.1" and pkg.title == fw.title
    code_of = {n.identifier: n.human_code for n in pkg.nodes}
    assert [code_of[n.identifier] for n in pkg.nodes if n.parent_identifier is None] == [u.code for u in fw.units]
    # every group of two or more skills is one association grouping of precedes into the skill
    grouped: dict[tuple[str, str], set[str]] = {}
    for a in pkg.associations:
        if a.type == "precedes" and a.grouping is not None:
            grouped.setdefault((code_of[a.destination.identifier], a.grouping.identifier), set()).add(
                code_of[a.origin.identifier])
    wanted = sorted((s.code, sorted(g)) for s in fw.skills for g in s.prerequisites if len(g) > 1)
    assert sorted((dest, sorted(g)) for (dest, _), g in grouped.items()) == wanted
    assert wanted, "the demo framework has no any-of group"


def test_framework_has_units_skills_and_and_or_prerequisites() -> None:
    fw = load_framework()
    assert len(fw.skills) >= 40
    units = {s.unit for s in fw.skills}
    assert {"frac", "ratio", "expr", "eq"} <= units
    assert len(fw.units) >= 6
    graph = fw.graph()  # raises on cycles and unknown prerequisites
    assert len(graph.codes()) == len(fw.skills)
    assert any(len(s.prerequisites) >= 2 for s in fw.skills), "no skill has an AND of two groups"
    assert any(len(g) >= 2 for s in fw.skills for g in s.prerequisites), "no OR group"
    assert sum(1 for s in fw.skills if s.prerequisites) >= 30
    # positions follow the prerequisites, so the class sequence never asks for a later skill first
    pos = {s.code: s.position for s in fw.skills}
    for s in fw.skills:
        for g in s.prerequisites:
            assert min(pos[c] for c in g) < s.position, f"{s.code} comes before all of {sorted(g)}"


def test_every_skill_has_items_and_there_are_enough(generated) -> None:  # type: ignore[no-untyped-def]
    fw = load_framework()
    assert len(generated) >= 300
    ids = [g.item.id for g in generated]
    assert len(set(ids)) == len(ids)
    per_skill = Counter(c for g in generated for c in g.item.skill_codes)
    for s in fw.skills:
        assert per_skill[s.code] >= 5, f"skill {s.code} has only {per_skill[s.code]} items"
    known = {s.code for s in fw.skills}
    assert all(c in known for g in generated for c in g.item.skill_codes)
    types = Counter(g.item.type for g in generated)
    assert set(types) == set(ItemType), f"item types used: {types}"
    prompts = Counter((g.item.prompt, g.item.choices) for g in generated)
    assert prompts.most_common(1)[0][1] == 1, "a question appears twice"


def test_every_item_has_feedback_and_graded_hints(generated) -> None:  # type: ignore[no-untyped-def]
    for g in generated:
        it = g.item
        assert it.feedback, f"{it.id} has no feedback"
        assert 2 <= len(it.hints) <= 3, f"{it.id} has {len(it.hints)} hints"
        assert len(set(it.hints)) == len(it.hints), f"{it.id} repeats a hint"
        for fb in it.feedback:
            assert fb.message.strip() and fb.misconception and re.fullmatch(r"[a-z0-9_]+", fb.misconception)
        assert len({fb.answer for fb in it.feedback}) == len(it.feedback), f"{it.id} repeats a feedback answer"


def _norm(s: str) -> str:
    return re.sub(r"\s+", "", s).lower()


def test_answers_are_right_and_feedback_answers_are_wrong(generated) -> None:  # type: ignore[no-untyped-def]
    for g in generated:
        it, d = g.item, g.draft
        where = f"{it.id}: {it.prompt}"
        if it.type == ItemType.NUMERIC:
            value = parse_number(it.answer)
            assert value is not None, where
            assert d.check(it.answer), where
            assert it.spec["tolerance"] == 0.0 and set(it.spec["forms"]) <= FORMS and it.spec["forms"], where
            for fb in it.feedback:
                wrong = parse_number(fb.answer)
                assert wrong is not None, f"{where}: feedback {fb.answer!r} is not a number"
                assert wrong != value, f"{where}: feedback {fb.answer!r} equals the answer"
                assert not d.check(fb.answer), where
        elif it.type == ItemType.SINGLE_CHOICE:
            assert isinstance(it.answer, str) and it.answer in it.choices, where
            assert len(set(it.choices)) == len(it.choices) >= 2, where
            assert [c for c in it.choices if d.check(c)] == [it.answer], f"{where}: choices {it.choices}"
            for fb in it.feedback:
                assert fb.answer in it.choices and fb.answer != it.answer, where
        elif it.type == ItemType.MULTIPLE_CHOICE:
            assert isinstance(it.answer, list) and it.answer, where
            assert sorted(it.answer) == sorted(c for c in it.choices if d.check(c)), where
            assert len(it.answer) < len(it.choices), where
            for fb in it.feedback:
                assert fb.answer in it.choices and fb.answer not in it.answer, where
        elif it.type == ItemType.SHORT_TEXT:
            assert isinstance(it.answer, list) and it.answer and it.spec == {"case_sensitive": False}, where
            accepted = {_norm(a) for a in it.answer}
            for a in it.answer:
                assert d.check(a), f"{where}: accepted {a!r} fails the check"
            for fb in it.feedback:
                assert _norm(fb.answer) not in accepted and not d.check(fb.answer), f"{where}: {fb.answer!r}"
        elif it.type == ItemType.ORDERING:
            assert sorted(it.answer) == sorted(it.choices), where
            assert d.check(it.answer), where
            for fb in it.feedback:
                order = fb.answer.split(", ")
                assert sorted(order) == sorted(it.choices), where
                assert order != it.answer and not d.check(order), where


def _response(it, text):  # type: ignore[no-untyped-def]
    """A response as a student submits it: text, one picked choice, or a whole order."""
    if it.type == ItemType.ORDERING:
        return text if isinstance(text, list) else text.split(", ")
    if it.type == ItemType.MULTIPLE_CHOICE:
        return text if isinstance(text, list) else [text]
    return text


def test_the_answer_checker_accepts_every_answer_and_names_every_misconception(generated) -> None:  # type: ignore[no-untyped-def]
    for g in generated:
        it = g.item
        assert validate_item(it) == [], it.id
        accepted = it.answer if it.type == ItemType.SHORT_TEXT else [it.answer]
        for a in accepted:
            result = check_answer(it, _response(it, a))
            assert result.status == Status.CORRECT, f"{it.id}: {a!r} -> {result}"
        for fb in it.feedback:
            result = check_answer(it, _response(it, fb.answer))
            assert result.status == Status.INCORRECT, f"{it.id}: {fb.answer!r} -> {result}"
            assert result.feedback == fb, f"{it.id}: {fb.answer!r} does not bring up its own feedback"


# Recompute answers straight from the prompt text, by a route independent of the templates.
_NUM = r"-?\d+(?:/\d+)?(?:\.\d+)?"


def _independent_answer(prompt: str) -> F | None:  # noqa: C901 - one branch per question family
    m = re.fullmatch(rf"Work out ({_NUM}) ([+\-\u00d7\u00f7]) \(?({_NUM})\)?\.", prompt)
    if m:
        a, op, b = parse_number(m.group(1)), m.group(2), parse_number(m.group(3))
        assert a is not None and b is not None
        return {"+": a + b, "-": a - b, "\u00d7": a * b, "\u00f7": a / b}[op]
    m = re.fullmatch(r"What is the greatest common factor of (\d+) and (\d+)\?", prompt)
    if m:
        return F(math.gcd(int(m.group(1)), int(m.group(2))))
    m = re.fullmatch(r"What is the least common multiple of (\d+) and (\d+)\?", prompt)
    if m:
        return F(math.lcm(int(m.group(1)), int(m.group(2))))
    m = re.fullmatch(r"What is (\d+)% of (\d+)\?", prompt)
    if m:
        return F(int(m.group(1)) * int(m.group(2)), 100)
    m = re.fullmatch(r"Write (\d+)/(\d+) as a decimal\.", prompt)
    if m:
        return F(int(m.group(1)), int(m.group(2)))
    m = re.fullmatch(r"Find the mean of ([\d, ]+)\.", prompt)
    if m:
        return F(statistics.mean(int(x) for x in m.group(1).split(", ")))
    m = re.fullmatch(r"Find the median of ([\d, ]+)\.", prompt)
    if m:
        return F(statistics.median(int(x) for x in m.group(1).split(", ")))
    m = re.fullmatch(r"Solve for x: (-?\d*)x ([+-]) (\d+) = (-?\d+)", prompt)
    if m:
        a = int(m.group(1)) if m.group(1) not in ("", "-") else (-1 if m.group(1) == "-" else 1)
        b = int(m.group(3)) * (1 if m.group(2) == "+" else -1)
        return F(int(m.group(4)) - b, a)
    m = re.fullmatch(r"Evaluate (.+) when x = (-?\d+)\.", prompt)
    if m:
        return eval_expr(m.group(1), x=int(m.group(2)))
    return None


def test_answers_match_an_independent_computation_from_the_prompt(generated) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for g in generated:
        it = g.item
        if it.type not in (ItemType.NUMERIC, ItemType.SINGLE_CHOICE):
            continue
        expected = _independent_answer(it.prompt)
        if expected is None:
            continue
        assert parse_number(it.answer) == expected, f"{it.id}: {it.prompt} -> {it.answer}, expected {expected}"
        for fb in it.feedback:
            assert parse_number(fb.answer) != expected, f"{it.id}: feedback {fb.answer} is right"
        checked += 1
    assert checked >= 80, f"only {checked} items were recomputed"


def test_parse_number_and_expression_helpers() -> None:
    assert parse_number("3/4") == F(3, 4)
    assert parse_number("0.75") == F(3, 4)
    assert parse_number("75%") == F(3, 4)
    assert parse_number("-2 1/2") == F(-5, 2)
    assert parse_number("1/0") is None and parse_number("abc") is None
    assert eval_expr("2(n + 3)", n=4) == 14
    assert eval_expr("3x - 5", x=F(1, 3)) == -4
    assert eval_expr("2 \u00d7 3^2") == 18
    with pytest.raises(ValueError):
        eval_expr("__import__('os')")


def test_activities_cover_all_kinds_and_point_at_real_skills_and_items(generated) -> None:  # type: ignore[no-untyped-def]
    fw = load_framework()
    skills = {s.code for s in fw.skills}
    item_ids = {g.item.id for g in generated}
    acts = load_activities(fw, [g.item for g in generated])
    kinds = Counter(a.kind for a in acts)
    for kind in (ActivityKind.PRACTICE, ActivityKind.VIDEO, ActivityKind.READING, ActivityKind.PROJECT):
        assert kinds[kind] >= 5, f"only {kinds[kind]} {kind} activities"
    assert len({a.id for a in acts}) == len(acts)
    for a in acts:
        assert set(a.skill_codes) <= skills, a.id
        assert set(a.item_ids) <= item_ids, a.id
    practised = {c for a in acts if a.kind == ActivityKind.PRACTICE and a.item_ids for c in a.skill_codes}
    assert practised == skills
    for a in acts:
        if a.kind == ActivityKind.PRACTICE:
            items_skills = {c for g in generated if g.item.id in a.item_ids for c in g.item.skill_codes}
            assert set(a.skill_codes) <= items_skills, a.id


def test_people_plan_is_deterministic_and_realistic() -> None:
    people = load_people()
    a, b = _plan_people(people, 7, None), _plan_people(people, 7, None)
    assert a == b
    students = a["students"]
    assert 70 <= len(students) <= 80
    assert len({s["username"] for s in students}) == len(students)
    linked = {c for g in a["guardians"] for c in g["children"]}
    assert len(linked) >= 0.8 * len(students)
    assert any(len(g["children"]) > 1 for g in a["guardians"]), "no siblings share a guardian"
    personas = Counter(s["persona"] for s in students)
    assert personas["ahead"] >= 3 and personas["stuck"] >= 3
    for s in students:
        prof = s["profile"]
        assert prof["interests"] and prof["preferred_modalities"] and isinstance(prof["accommodations"], list)
    assert any(s["profile"]["accommodations"] for s in students)
    other = _plan_people(people, 8, None)
    assert [s["username"] for s in other["students"]] != [s["username"] for s in students]


def test_default_anchor_is_the_current_school_weeks_monday() -> None:
    assert default_anchor(date(2026, 11, 18)) == datetime(2026, 11, 16, tzinfo=UTC)  # Wednesday
    assert default_anchor(date(2026, 11, 16)) == datetime(2026, 11, 16, tzinfo=UTC)  # Monday
    assert default_anchor(date(2026, 11, 21)) == datetime(2026, 11, 23, tzinfo=UTC)  # Saturday: week is over
    assert default_anchor(date(2026, 11, 22)) == datetime(2026, 11, 23, tzinfo=UTC)  # Sunday


# --------------------------------------------------------------------------- the simulator

_START = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday


def _chain() -> tuple[SkillGraph, list[str], dict[str, list[SimItem]]]:
    skills = [Skill("a", "A"), Skill("b", "B", prerequisites=(frozenset({"a"}),)),
              Skill("c", "C", prerequisites=(frozenset({"b"}),)), Skill("d", "D", prerequisites=(frozenset({"c"}),))]
    items = {s.code: [SimItem(f"{s.code}{k}", (s.code,), 0.0, 0.05) for k in range(5)] for s in skills}
    return SkillGraph(skills), [s.code for s in skills], items


def test_simulation_is_deterministic_and_on_school_days() -> None:
    graph, seq, items = _chain()
    studs = make_students([f"s{i}" for i in range(6)], [1] * 6, {"s0": "ahead", "s1": "stuck"}, seq, 3)
    one = simulate(graph, seq, items, studs, _START, 3, seed=3)
    two = simulate(graph, seq, items, studs, _START, 3, seed=3)
    assert one == two and one
    assert simulate(graph, seq, items, studs, _START, 3, seed=4) != one
    for r in one:
        assert _START <= r.timestamp < _START + timedelta(weeks=3)
        assert r.timestamp.weekday() < 5
    for key in {r.student for r in one}:
        mine = [r for r in one if r.student == key]
        assert [r.seq for r in mine] == list(range(len(mine)))
        assert all(x.timestamp < y.timestamp for x, y in zip(mine, mine[1:]))


def test_stuck_students_keep_missing_one_skill_and_ahead_students_do_well() -> None:
    fw = load_framework()
    seq = [s.code for s in sorted(fw.skills, key=lambda s: s.position)]
    items = {s.code: [SimItem(f"{s.code}.{k}", (s.code,), 0.0, 0.05) for k in range(6)] for s in fw.skills}
    keys = [f"s{i}" for i in range(12)]
    personas = {"s0": "ahead", "s1": "ahead", "s2": "stuck", "s3": "stuck", "s4": "struggling"}
    studs = make_students(keys, [5] * 12, personas, seq, 11)
    recs = simulate(fw.graph(), seq, items, studs, _START, 6, seed=11)
    by = {k: [r for r in recs if r.student == k] for k in keys}
    for st in studs:
        if st.persona == "stuck":
            misses = Counter(r.skill_codes[0] for r in by[st.key] if not r.correct)
            skill, n = misses.most_common(1)[0]
            assert skill == st.blocker and n >= 15, (st.key, misses.most_common(3))
    def reached(k: str) -> int:
        return max(seq.index(r.skill_codes[0]) for r in by[k])
    assert min(reached("s0"), reached("s1")) > reached("s4")
    acc = {k: sum(r.correct for r in v) / len(v) for k, v in by.items()}
    assert min(acc["s0"], acc["s1"]) > acc["s4"]


def test_missing_prerequisites_slow_learning() -> None:
    # The same weak students practise "b": when "b" needs "a" (which half of them lack),
    # they learn it more slowly than when "b" needs nothing.
    graph, seq, items = _chain()
    free = SkillGraph([Skill("a", "A"), Skill("b", "B"), Skill("c", "C", prerequisites=(frozenset({"b"}),)),
                       Skill("d", "D", prerequisites=(frozenset({"c"}),))])
    students = [SimStudent(f"s{i}", -3.0, 4.0, 1) for i in range(100)]

    def accuracy_on_b(g: SkillGraph) -> float:
        recs = simulate(g, seq, items, students, _START, 2, seed=5)
        bs = [r.correct for r in recs if r.skill_codes == ("b",)]
        return sum(bs) / len(bs)

    # weak learners gain little either way, so compare the two as a ratio (about 1.25 with this seed)
    assert accuracy_on_b(free) > 1.15 * accuracy_on_b(graph)


def test_simulator_rejects_bad_input() -> None:
    graph, seq, items = _chain()
    studs = make_students(["s"], [0], {}, seq, 1)
    with pytest.raises(ValueError, match="time zone"):
        simulate(graph, seq, items, studs, datetime(2026, 1, 5), 1, 1)
    with pytest.raises(ValueError, match="unknown skill"):
        simulate(graph, seq + ["zz"], items, studs, _START, 1, 1)
    with pytest.raises(ValueError, match="persona"):
        SimStudent("x", 0.0, 3.0, 0, "bored")
