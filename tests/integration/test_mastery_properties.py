"""Mastery moves with the evidence, through the services and the stored projection
(SQLite and PostgreSQL), on the live learner model before and after a fit.

Two learners of one class get the same history, recorded in shuffled batches (so
evidence also arrives out of order and the projection is rebuilt), except that one of
them gets one more answer somewhere in it. Read from the stored rows: one more right
answer never leaves its skill lower, one more wrong answer never higher; the other
skill is exactly the same for both; an observation moves the stored estimate toward its
level and an override sets it; and the stored rows equal a replay of all evidence.
"""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.services import kt, mastery
from pathwise.services.access import Actor
from pathwise.services.context import App
from pathwise.services.evidence import record_evidence
from tests.integration.factories import T0, answers, build_tiny

SKILLS = ("frac.equiv", "frac.add")
KINDS = [EvidenceKind.ANSWER] * 5 + [EvidenceKind.OBSERVATION, EvidenceKind.HINT]


@st.composite
def history(draw: st.DrawFn) -> list[tuple[EvidenceKind, str, float, dict]]:
    out = []
    for _ in range(draw(st.integers(0, 14))):
        kind = draw(st.sampled_from(KINDS))
        skill = draw(st.sampled_from(SKILLS))
        score = draw(st.sampled_from([0.0, 1.0, 1.0, 0.5]))
        data: dict = {}
        if kind == EvidenceKind.ANSWER and score == 1.0 and draw(st.booleans()):
            data = {"checked_score": 1.0, "hints_used": 1, "hints_total": 2}
            score = 0.5
        out.append((kind, skill, score, data))
    return out


def _learner(app: App, class_id: str) -> str:
    lid = f"u_{uuid.uuid4().hex[:10]}"
    with app.uow() as uow:
        uow.users.add(User(lid, "sch1", lid, "Pat Property", Role.STUDENT))
        uow.flush()
        uow.sections.enrol(class_id, lid, Role.STUDENT)
        uow.commit()
    return lid


def _record(app: App, evs: list[Evidence], rng: random.Random) -> None:
    chunks: list[list[Evidence]] = []
    i = 0
    while i < len(evs):
        n = rng.randint(1, 4)
        chunks.append(evs[i:i + n])
        i += n
    if rng.random() < 0.5:
        rng.shuffle(chunks)  # out of order: the projection must rebuild to the same state
    for chunk in chunks:
        with app.uow() as uow:
            record_evidence(uow, app.tracker(), Actor.system("test"), chunk)
            uow.commit()


def _evidence(lid: str, steps: list[tuple[EvidenceKind, str, float, dict]], tag: str) -> list[Evidence]:
    return [Evidence(f"{tag}-{lid}-{i}", lid, kind, (skill,), score, T0 + timedelta(minutes=i), item_id=f"q{i % 4}",
                     data=data) for i, (kind, skill, score, data) in enumerate(steps)]


def _stored(app: App, lid: str) -> dict[str, tuple[float, int]]:
    with app.uow() as uow:
        return {k: (r.p_mastery, r.n_evidence) for k, r in uow.mastery.for_learner(lid).items()}


def _replayed(app: App, lid: str) -> dict[str, tuple[float, int]]:
    with app.uow() as uow:
        rows = mastery.replay(app.tracker(), uow.evidence.for_learner(lid))
    return {k: (v["p_mastery"], v["n_evidence"]) for k, v in rows.items()}


@pytest.mark.parametrize("fitted", [False, True], ids=["defaults", "fitted"])
def test_one_more_answer_moves_only_its_skill_and_only_its_way(app: App, fitted: bool) -> None:
    t = build_tiny(app)
    if fitted:  # the live model after a school's first fit
        with app.uow() as uow:
            rng = random.Random(5)
            record_evidence(uow, app.tracker(), Actor.system("test"),
                            answers(t.bob, "frac.add", [int(rng.random() < 0.6) for _ in range(40)], prefix="fit")
                            + answers(t.bob, "frac.equiv", [int(rng.random() < 0.7) for _ in range(40)], prefix="fit"))
            uow.commit()
        kt.fit(app, Actor.system("test"))

    @settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(history(), st.data())
    def check(steps: list, data: st.DataObject) -> None:
        at = data.draw(st.integers(0, len(steps)))
        skill = data.draw(st.sampled_from(SKILLS))
        score = data.draw(st.sampled_from([0.0, 1.0]))
        extra = (EvidenceKind.ANSWER, skill, score, {})
        with_it, without = _learner(app, t.class1), _learner(app, t.class1)
        rng = random.Random(data.draw(st.integers(0, 10_000)))
        _record(app, _evidence(with_it, steps[:at] + [extra] + steps[at:], "w"), rng)
        _record(app, _evidence(without, steps, "o"), rng)
        a, b = _stored(app, with_it), _stored(app, without)
        p_a = a[skill][0]
        p_b = b[skill][0] if skill in b else app.tracker().estimate(app.tracker().new_learner(), skill).p_mastery
        if score == 1.0:
            assert p_a >= p_b - 1e-12
        else:
            assert p_a <= p_b + 1e-12
        other = next(s for s in SKILLS if s != skill)
        assert a.get(other) == b.get(other)
        for lid in (with_it, without):
            stored, replayed = _stored(app, lid), _replayed(app, lid)
            assert stored.keys() == replayed.keys()
            for k in stored:
                assert stored[k][1] == replayed[k][1] and stored[k][0] == pytest.approx(replayed[k][0], abs=1e-12)

    check()


def test_a_teachers_observation_moves_toward_its_level_and_an_override_sets_it(app: App) -> None:
    from pathwise.services import outside_work as ow

    t = build_tiny(app)
    teacher = Actor(t.teacher, Role.TEACHER, t.school)
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), Actor.system("test"), answers(t.alice, "frac.add", [0, 0, 0, 1, 0]))
        uow.commit()
    low = _stored(app, t.alice)["frac.add"][0]
    assert low < 0.1
    with app.uow() as uow:
        ow.record_observation(uow, app.tracker(), teacher, t.alice, ["frac.add"], 1.0, "secure in class",
                                       now=T0 + timedelta(days=1))
        uow.commit()
    secure = _stored(app, t.alice)["frac.add"][0]
    assert low < secure <= 1.0 and abs(secure - 1.0) < abs(low - 1.0)  # a "Secure" observation raises it
    with app.uow() as uow:
        ow.record_observation(uow, app.tracker(), teacher, t.alice, ["frac.add"], 0.0, "not yet",
                                       now=T0 + timedelta(days=2))
        uow.commit()
    assert _stored(app, t.alice)["frac.add"][0] < secure
    with app.uow() as uow:
        record_evidence(uow, app.tracker(), teacher, [Evidence(
            "ov-1", t.alice, EvidenceKind.OVERRIDE, ("frac.add",), 0.96, T0 + timedelta(days=3),
            recorded_by=t.teacher)])
        uow.commit()
    with app.uow() as uow:
        row = uow.mastery.for_learner(t.alice)["frac.add"]
        assert row.p_mastery == pytest.approx(0.96) and "by a teacher" in row.explanation
