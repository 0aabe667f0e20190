"""End to end on a simulated cohort where the better arm is known (SQLite and PostgreSQL).

A class of simulated students follows its path through the product's services: each asks
"What's next" (``services.paths.next_activities``, so each gets the path settings of their
arm), takes the first activity offered (a mastery check through ``choose_activity``), and
answers its items as evidence recorded the way the product records it
(``services.evidence.record_evidence``, with the answer's duration). Arm A is the school's
settings; arm B asks for a review as soon as a mastered skill's recall probability drops
below 0.99, which spends much of a student's practice on re-answering what they know. The
report must name arm A as mastering more skills per hour, and the arms' sizes must match.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import Role, School, Section, User
from pathwise.services import experiments as ex
from pathwise.services import paths
from pathwise.services.access import Actor
from pathwise.services.context import App, transaction
from pathwise.services.evidence import record_evidence
from pathwise.services.items import import_items, parse_items_document

START = datetime(2026, 2, 2, 8, tzinfo=UTC)
CHAIN = [f"sim.s{i}" for i in range(20)]
STUDENTS = 10
DAYS = 3
PER_DAY = 10


def _school(app: App) -> list[str]:
    ids = [f"u_sim{i:02d}" for i in range(STUDENTS)]
    with app.uow() as uow:
        uow.schools.add(School("simsch", "Simulated Middle"))
        uow.flush()
        uow.frameworks.add(Framework("simfw", "A chain of skills", units=(Unit("u", "Chain"),), skills=tuple(
            Skill(code, f"Skill {i}", "u", prerequisites=(frozenset({CHAIN[i - 1]}),) if i else ())
            for i, code in enumerate(CHAIN))))
        uow.users.add(User("u_simadmin", "simsch", "simadmin", "Sim Admin", Role.ADMIN))
        for lid in ids:
            uow.users.add(User(lid, "simsch", lid, f"Sim {lid}", Role.STUDENT))
        uow.flush()
        uow.sections.add(Section("simc", "simsch", "Sim class", framework_id="simfw"))
        uow.flush()
        for lid in ids:
            uow.sections.enrol("simc", lid, Role.STUDENT)
        uow.commit()
    doc = "framework: simfw\nitems:\n" + "".join(
        f"  - id: {code}.q{i}\n    skills: [{code}]\n    type: short_text\n    prompt: \"{code} {i}\"\n"
        f"    answer: \"yes\"\n" for code in CHAIN for i in range(3))
    parsed = parse_items_document(doc, "sim.yaml")
    with transaction(app) as uow:
        assert import_items(uow, Actor.system(), parsed.items, parsed.problems, "simfw").stored
    return ids


class Learner:
    """Knows a skill or not; learns a skill whose prerequisite it knows with each try."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.known: set[str] = set()

    def answer(self, code: str) -> float:
        i = CHAIN.index(code)
        right = self.rng.random() < (0.97 if code in self.known else 0.2)
        if code not in self.known and (i == 0 or CHAIN[i - 1] in self.known) and self.rng.random() < 0.5:
            self.known.add(code)
        return 1.0 if right else 0.0


def _run(app: App, lid: str, learner: Learner) -> None:
    me = Actor(lid, Role.STUDENT, "simsch")
    n = 0
    for day in range(DAYS):
        at = START + timedelta(days=day)
        for _step in range(PER_DAY):
            at += timedelta(minutes=1)
            with transaction(app) as uow:
                offer = paths.next_activities(uow, me, lid, now=at, k=3)
                if not offer.items:
                    return
                top = offer.items[0]
                codes = [c for c in top.skills if c in CHAIN] or [CHAIN[0]]
                data: dict[str, object] = {"duration_s": 60}
                if top.purpose == "check":
                    paths.choose_activity(uow, me, lid, top.activity_id, now=at)
                    data.update(mode="check", session_id=f"chk-{lid}-{n}")
                evs = []
                for code in codes * (2 if top.purpose == "check" else 1):  # a check asks two items a skill
                    n += 1
                    evs.append(Evidence(f"sim-{lid}-{n}", lid, EvidenceKind.ANSWER, (code,), learner.answer(code),
                                        at, item_id=f"{code}.q{n % 3}", data=dict(data)))
                    at += timedelta(seconds=1)
                record_evidence(uow, app.tracker(), Actor.system("simulation"), evs)


def test_the_report_names_the_arm_known_to_be_better(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ex.secrets, "token_hex", lambda n: "f" * (2 * n))  # the same arms on every run
    ids = _school(app)
    admin = Actor("u_simadmin", Role.ADMIN, "simsch")
    with transaction(app) as uow:
        view = ex.create_experiment(uow, admin, name="Reviews at 0.99", question="Does reviewing early cost time?",
                                    arm_a={"checks": False},
                                    arm_b={"checks": True, "after_new_mastered": 1, "size": 4},
                                    starts_on=START.date().isoformat(),
                                    ends_on=(START + timedelta(days=DAYS)).date().isoformat(),
                                    now=START - timedelta(hours=1))
        arms = {m.learner_id: m.arm for m in ex.experiment_detail(uow, admin, view.id, now=START).members}
    assert sorted(arms) == ids and list(arms.values()).count("A") == STUDENTS // 2
    for k, lid in enumerate(ids):
        _run(app, lid, Learner(k))
    with transaction(app) as uow:
        rep = ex.experiment_report(uow, admin, view.id, now=START + timedelta(days=DAYS + 1))
    r = rep.report
    assert r.students == {"A": STUDENTS // 2, "B": STUDENTS // 2}
    assert r.durations == "recorded"
    per_hour = r.metrics[0]
    assert per_hour.a.value is not None and per_hour.b.value is not None
    assert per_hour.a.value > per_hour.b.value
    assert r.conclusion.startswith("arm A mastered more skills per hour of practice"), r.conclusion
