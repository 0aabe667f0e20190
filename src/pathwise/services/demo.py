"""The demo school: seed an empty database with a realistic school, and name its logins.

``seed_demo`` stores one school (Riverside Middle School), an admin, two teachers,
three classes of about 25 students (most with a linked guardian), the demo
mathematics framework and its items, activities, student profiles (interests,
preferred modalities, accommodations) and several weeks of simulated practice
(``engine.simulate_school``). The framework and the items come in the formats a
school imports and go through the same importers: the framework is a CASE package
the caller has read (``interop.demo`` reads ``demo_data/framework.case.json`` with
the CASE translator) and ``frameworks.import_framework`` stores; the items are
``demo_data/items.yaml``, read and stored by ``services.items``. Evidence goes in
through the evidence repository and mastery is rebuilt by replaying it through the
live model (``services.mastery.rebuild``), exactly as an import does; no mastery row
is written by hand. Everything happens in the caller's unit of work: a failure
stores nothing.

Determinism: the same seed gives the same people, ids, profiles, evidence ids,
answers and mastery values. Timestamps are laid out relative to an *anchor*: by
default Monday 00:00 UTC of the current school week (the coming Monday at a
weekend), and the simulated weeks end just before it, so the work looks recent. Seeding in another week therefore
shifts every timestamp by whole weeks (weekdays and times of day stay the same);
pass ``anchor`` for fully fixed timestamps (the tests do).

Demo passwords are fixed, documented strings (``DEMO_PASSWORDS``), one per role,
hashed once per role with argon2id and shared by that role's accounts. They are
for demo mode only. This module must not be used to create real accounts.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from pathwise.domain.content import Item
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import GuardianLink, Role, School, Section, User
from pathwise.engine.simulate_school import SimRecord, make_students, sim_items, simulate
from pathwise.services import kt as kt_service
from pathwise.services import goals, mastery, mentoring, path_state, wellbeing
from pathwise.services.access import Actor
from pathwise.services.demo_data import load_activities, load_items, load_people
from pathwise.services.errors import Conflict, Invalid
from pathwise.services.frameworks import CaseFramework, import_framework
from pathwise.services.items import import_items
from pathwise.store.uow import UnitOfWork

DEMO_SCHOOL_ID = "demo-school"
DEMO_TIME_ZONE = "Europe/London"  # the demo school's pages show and read times in this zone
DEMO_FRAMEWORK_ID = "pw-demo-ms-math"
DEMO_MASTERY_THRESHOLD = 0.95
DEMO_WEEKS = 6
DEMO_PASSWORDS: dict[Role, str] = {
    Role.ADMIN: "maple-ledger-4417",
    Role.TEACHER: "copper-lantern-2981",
    Role.STUDENT: "river-otter-5730",
    Role.GUARDIAN: "quiet-harbor-6152",
}
EVIDENCE_NAMESPACE = uuid.UUID("8b3c52a4-51e1-4f0e-9d6a-6a1c3f0d7e29")
_PERSONAS_PER_CLASS = {"ahead": 2, "stuck": 2, "struggling": 3}
_NO_GUARDIAN_SHARE = 0.12

Progress = Callable[[int, int, str], None]


def is_seeded(uow: UnitOfWork) -> bool:
    """True when the demo school is already in the database."""
    return uow.schools.get(DEMO_SCHOOL_ID) is not None


def default_anchor(today: date | None = None) -> datetime:
    """Monday 00:00 UTC of the current school week (UTC today by default).

    On Saturday and Sunday the week's school days are over, so the anchor is the
    coming Monday and the simulated work ends on the Friday just past.
    """
    d = (today or datetime.now(UTC).date()) + timedelta(days=2)
    monday = d - timedelta(days=d.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def seed_demo(uow: UnitOfWork, framework: CaseFramework, seed: int = 7, progress: Progress | None = None, *,
              anchor: datetime | None = None, students_per_class: int | None = None,
              weeks: int = DEMO_WEEKS) -> None:
    """Create the demo school in an empty database (refuses if it is already there).

    ``framework``: the demo framework as read from its CASE package. ``anchor``: the
    simulated weeks end just before it (default: this week's Monday, 00:00 UTC).
    ``students_per_class`` shrinks or grows the classes (default 25). The caller
    commits; the live learner model it fits is active once the caller has committed.
    """
    if anchor is not None and anchor.tzinfo is None:
        raise Invalid("anchor must carry a time zone", field="anchor")
    if students_per_class is not None and not 1 <= students_per_class <= 200:
        raise Invalid("students_per_class must be between 1 and 200", field="students_per_class")
    if not 1 <= weeks <= 52:
        raise Invalid("weeks must be between 1 and 52", field="weeks")
    if is_seeded(uow):
        raise Conflict("the demo school is already seeded in this database")
    tick = progress or (lambda done, total, what: None)
    start_at = (anchor or default_anchor()) - timedelta(weeks=weeks)
    system = Actor.system("demo")

    people = load_people()
    plan = _plan_people(people, seed, students_per_class)
    students = plan["students"]
    n_steps = 4 + len(students)
    done = 0
    tick(done, n_steps, "writing the school, people and content")

    school_id = DEMO_SCHOOL_ID
    uow.schools.add(School(school_id, people["school"]), time_zone=DEMO_TIME_ZONE)
    hashes = _hashes()
    # the framework and the items through the importers a school uses
    imported = import_framework(uow, system, framework, mastery_threshold=DEMO_MASTERY_THRESHOLD,
                                framework_id=DEMO_FRAMEWORK_ID)
    fw = uow.frameworks.get(imported.framework_id)
    if fw is None or fw.id != DEMO_FRAMEWORK_ID:
        raise RuntimeError(f"the demo framework was stored as {imported.framework_id}, not {DEMO_FRAMEWORK_ID}")
    parsed = load_items()
    report = import_items(uow, system, parsed.items, parsed.problems, parsed.framework_id)
    if not report.stored:
        raise RuntimeError("the demo items do not import: " + "; ".join(map(str, report.problems[:5])))
    items = [item for item, _, _ in parsed.items]
    for act in load_activities(fw, items):
        uow.activities.add(act, fw.id)
    for u in plan["staff"]:
        uow.users.add(User(u["id"], school_id, u["username"], u["name"], u["role"]),
                      password_hash=hashes[u["role"]], email=f"{u['username']}@riverside.example")
    uow.flush()
    for sec in plan["sections"]:
        uow.sections.add(Section(sec["id"], school_id, sec["name"], "mathematics", sec["grade"], fw.id))
    for p in students:
        uow.users.add(User(p["id"], school_id, p["username"], p["name"], Role.STUDENT, p["grade"]),
                      password_hash=hashes[Role.STUDENT], profile=p["profile"])
    for g in plan["guardians"]:
        uow.users.add(User(g["id"], school_id, g["username"], g["name"], Role.GUARDIAN),
                      password_hash=hashes[Role.GUARDIAN], email=f"{g['username']}@example.org")
    uow.flush()
    for p in students:  # the students answered the welcome survey when the term began (services.survey)
        uow.survey.put(p["id"], "answered", {"interests": list(p["profile"]["interests"]), "improve": [], "note": "",
                                             "modalities": list(p["profile"]["preferred_modalities"])}, start_at)
    for sec in plan["sections"]:
        uow.sections.enrol(sec["id"], sec["teacher_id"], Role.TEACHER)
    for p in students:
        uow.sections.enrol(p["section"], p["id"], Role.STUDENT)
    for g in plan["guardians"]:
        for child in g["children"]:
            uow.guardians.link(GuardianLink(g["id"], child, g["relationship"]))
    uow.flush()
    done += 1
    tick(done, n_steps, "simulating weeks of practice")

    ordered = sorted(fw.skills, key=lambda s: s.position)
    sequence = [s.code for s in ordered]
    unit_start: dict[str | None, int] = {}
    for i, s in enumerate(ordered):
        unit_start.setdefault(s.unit, i)
    starts = [unit_start[p["start_unit"]] for p in students]
    sims = make_students([p["id"] for p in students], starts, {p["id"]: p["persona"] for p in students},
                         sequence, seed)
    records = simulate(fw.graph(), sequence, sim_items(items), sims, start_at, weeks, seed)
    done += 1
    tick(done, n_steps, f"storing {len(records)} answers")
    evidence, seqs = _evidence(records, {i.id: i for i in items}, seed)
    for i in range(0, len(evidence), 2000):
        uow.evidence.add_many(evidence[i : i + 2000], seqs[i : i + 2000])
    uow.flush()
    done += 1
    tick(done, n_steps, "fitting the learner model to the evidence")
    tracker = kt_service.fit_live_model(uow, kt_service.log_from_database(uow), source="demo")
    ids = [p["id"] for p in students]
    for i in range(0, len(ids), 5):
        tick(done, n_steps, "replaying evidence into mastery")
        chunk = ids[i : i + 5]
        mastery.rebuild(uow, tracker, chunk)
        done += len(chunk)
    # review schedules, as recording evidence keeps them, so the first reads only read
    newest: dict[str, datetime] = {}
    for ev in evidence:
        newest[ev.learner_id] = max(newest.get(ev.learner_id, ev.timestamp), ev.timestamp)
    path_state.sync_schedules(uow, newest)
    uow.flush()
    _agency(uow, plan, students, ordered, (anchor or default_anchor()))
    done += 1
    tick(done, n_steps, "demo school ready")


def _agency(uow: UnitOfWork, plan: dict[str, Any], students: list[dict[str, Any]], skills: list[Any],
            now: datetime) -> None:
    """What a school sets up for student agency, through the same use cases as its pages: each
    class's teacher mentors its students, the admin is the school's well-being lead, and each
    other student has set a goal for the term on the first skill of the path they have not mastered."""
    system = Actor.system("demo")
    admin = next(u for u in plan["staff"] if u["role"] == Role.ADMIN)
    wellbeing.designate(uow, Actor(admin["id"], Role.ADMIN, DEMO_SCHOOL_ID), admin["id"], now=now)
    teacher_of = {sec["id"]: sec["teacher_id"] for sec in plan["sections"]}
    rows = mastery.mastery_rows(uow, [p["id"] for p in students])
    mastered = {(lid, m.skill_code) for lid, ms in rows.items() for m in ms if m.mastered}
    for i, p in enumerate(students):
        mentoring.designate(uow, system, p["id"], teacher_of[p["section"]], now=now)
        code = next((sk.code for sk in skills if (p["id"], sk.code) not in mastered), None)
        if code is not None and i % 2 == 0:  # half the class has set a goal so far
            goals.set_goal(uow, Actor(p["id"], Role.STUDENT, DEMO_SCHOOL_ID), p["id"], horizon="term",
                           target_date=(now + timedelta(weeks=6)).date().isoformat(), skill_code=code,
                           today=now.date())


def demo_logins(uow: UnitOfWork) -> list[tuple[str, str, str]]:
    """(role, username, password) to print: the admin, both teachers, three students
    (one ahead, one stuck on a skill, one in between) and two guardians (of the first
    two students). Empty when the demo is not seeded."""
    school = uow.schools.get(DEMO_SCHOOL_ID)
    if school is None:
        return []
    fw = uow.frameworks.get(DEMO_FRAMEWORK_ID)
    threshold = fw.mastery_threshold if fw is not None else DEMO_MASTERY_THRESHOLD
    out: list[tuple[str, str, str]] = []
    admins = sorted(uow.users.in_school(DEMO_SCHOOL_ID, Role.ADMIN), key=lambda u: u.id)
    teachers = sorted(uow.users.in_school(DEMO_SCHOOL_ID, Role.TEACHER), key=lambda u: u.id)
    for u in admins[:1] + teachers:
        out.append((u.role.value, u.username, DEMO_PASSWORDS[u.role]))
    students = sorted(uow.users.in_school(DEMO_SCHOOL_ID, Role.STUDENT), key=lambda u: u.id)
    rows = uow.mastery.for_learners([s.id for s in students])
    mastered: dict[str, int] = {s.id: 0 for s in students}
    misses: dict[str, int] = {s.id: 0 for s in students}
    for r in rows:
        if r.p_mastery >= threshold:
            mastered[r.learner_id] += 1
        misses[r.learner_id] = max(misses[r.learner_id], r.n_evidence - r.n_correct)
    with_guardian = [s for s in students if uow.guardians.guardians_of(s.id)]
    pool = with_guardian or students
    if not pool:
        return out
    ahead = max(pool, key=lambda s: (mastered[s.id], s.id))
    rest = [s for s in pool if s.id != ahead.id]
    stuck = max(rest, key=lambda s: (misses[s.id], s.id)) if rest else None
    others = sorted((s for s in rest if stuck is None or s.id != stuck.id), key=lambda s: (mastered[s.id], s.id))
    middle = others[len(others) // 2] if others else None
    chosen = [s for s in (ahead, stuck, middle) if s is not None]
    for s in chosen:
        out.append((Role.STUDENT.value, s.username, DEMO_PASSWORDS[Role.STUDENT]))
    for s in chosen[:2]:
        gs = sorted(uow.guardians.guardians_of(s.id), key=lambda u: u.id)
        if gs:
            out.append((Role.GUARDIAN.value, gs[0].username, DEMO_PASSWORDS[Role.GUARDIAN]))
    return out


# --------------------------------------------------------------------------- helpers


def _hashes() -> dict[Role, str]:
    ph = PasswordHasher()
    return {role: ph.hash(pw) for role, pw in DEMO_PASSWORDS.items()}


def _username(base: str, taken: set[str]) -> str:
    clean = "".join(ch for ch in base.lower() if ch.isalnum() or ch in "._-")
    name = clean
    n = 2
    while name in taken:
        name = f"{clean}{n}"
        n += 1
    taken.add(name)
    return name


def _plan_people(people: dict[str, Any], seed: int, per_class: int | None) -> dict[str, Any]:
    """Everyone in the school, as plain dicts, decided by ``seed`` alone."""
    rng = random.Random(f"pathwise-demo-people|{seed}")
    taken: set[str] = set()
    staff = [{"id": "demo-admin", "username": _username(people["admin"]["username"], taken),
              "name": people["admin"]["name"], "role": Role.ADMIN}]
    for i, t in enumerate(people["teachers"]):
        staff.append({"id": f"demo-teacher-{i + 1}", "username": _username(t["username"], taken),
                      "name": t["name"], "role": Role.TEACHER})
    sections = [dict(s, teacher_id=staff[1 + int(s["teacher"])]["id"]) for s in people["sections"]]
    firsts, lasts = list(people["first_names"]), list(people["last_names"])
    names_used: set[tuple[str, str]] = set()
    students: list[dict[str, Any]] = []
    for sec in sections:
        size = per_class if per_class is not None else int(sec["size"])
        personas = [p for p, k in _PERSONAS_PER_CLASS.items() for _ in range(k)]
        personas = (personas + ["typical"] * size)[:size]
        rng.shuffle(personas)
        for j in range(size):
            while True:
                first, last = rng.choice(firsts), rng.choice(lasts)
                if (first, last) not in names_used:
                    names_used.add((first, last))
                    break
            sid = f"demo-student-{len(students) + 1:03d}"
            students.append({"id": sid, "first": first, "last": last, "section": sec["id"], "grade": sec["grade"],
                             "start_unit": sec["start_unit"], "persona": personas[j]})
    # a few siblings across classes share a family name and a guardian
    sib_pairs: list[tuple[int, int]] = []
    order = list(range(len(students)))
    rng.shuffle(order)
    while len(order) >= 2 and len(sib_pairs) < max(1, len(students) // 15):
        a, b = order.pop(), order.pop()
        if students[a]["section"] == students[b]["section"]:
            continue
        if (students[b]["first"], students[a]["last"]) in names_used:
            continue
        names_used.add((students[b]["first"], students[a]["last"]))
        students[b]["last"] = students[a]["last"]
        sib_pairs.append((a, b))
    for p in students:
        p["name"] = f"{p['first']} {p['last']}"
        p["username"] = _username(f"{p['first']}.{p['last']}", taken)
        p["profile"] = _profile(rng, people, p)
    guardians: list[dict[str, Any]] = []
    linked: set[int] = set()
    partner = {a: b for a, b in sib_pairs}
    for idx, p in enumerate(students):
        if idx in linked:
            continue
        children = [idx] + ([partner[idx]] if idx in partner else [])
        if len(children) == 1 and p["persona"] == "typical" and rng.random() < _NO_GUARDIAN_SHARE:
            continue
        first = rng.choice(firsts)
        gid = f"demo-guardian-{len(guardians) + 1:03d}"
        guardians.append({"id": gid, "name": f"{first} {p['last']}",
                          "username": _username(f"{first}.{p['last']}", taken),
                          "relationship": rng.choice(people["guardian_relationships"]),
                          "children": [students[c]["id"] for c in children]})
        linked.update(children)
    return {"staff": staff, "sections": sections, "students": students, "guardians": guardians}


def _profile(rng: random.Random, people: dict[str, Any], p: dict[str, Any]) -> dict[str, Any]:
    interests = sorted(rng.sample(people["interests"], rng.randint(1, 3)))
    modalities = rng.sample(people["modalities"], rng.randint(1, 2))
    accommodations = sorted(rng.sample(people["accommodations"], rng.randint(1, 2))) if rng.random() < 0.2 else []
    return {
        "interests": interests,
        "preferred_modalities": modalities,
        "accommodations": accommodations,
        "home_language": rng.choice(people["languages"]),
        "grade": p["grade"],
    }


def _evidence(records: list[SimRecord], items: dict[str, Item], seed: int) -> tuple[list[Evidence], list[int]]:
    """Answers (and the hints asked for before them) as evidence, with their order numbers.

    An answer is stamped when it was submitted (start + duration); hints fall evenly
    inside that time. A wrong answer shows one of the item's typical wrong answers,
    with its misconception, as the practice screens record it.
    """
    rng = random.Random(f"pathwise-demo-responses|{seed}")
    out: list[Evidence] = []
    seqs: list[int] = []
    seq_of: dict[str, int] = {}
    for rec in records:
        item = items[rec.item_id]
        n_hints = min(rec.hints, len(item.hints))
        for k in range(1, n_hints + 1):
            at = rec.timestamp + timedelta(seconds=rec.duration_s * k // (n_hints + 1))
            eid = str(uuid.uuid5(EVIDENCE_NAMESPACE, f"{seed}|{rec.student}|{rec.seq}|hint{k}"))
            out.append(Evidence(eid, rec.student, EvidenceKind.HINT, rec.skill_codes, 0.0, at, rec.item_id,
                                rec.student, "demo", {"hint": k, "of": len(item.hints),
                                                      "bottom_out": k == len(item.hints), "attempts_before": 0}))
            seqs.append(seq_of.get(rec.student, 0))
            seq_of[rec.student] = seqs[-1] + 1
        data: dict[str, Any] = {"attempt": 1, "hints_used": n_hints, "duration_s": rec.duration_s}
        if rec.correct:
            ans = item.answer
            data["response"] = ans if isinstance(ans, str) else (ans[0] if item.type.value == "short_text"
                                                               else ", ".join(ans))
        elif item.feedback and rng.random() < 0.8:
            fb = item.feedback[rng.randrange(len(item.feedback))]
            data["response"] = fb.answer
            if fb.misconception:
                data["misconception"] = fb.misconception
        eid = str(uuid.uuid5(EVIDENCE_NAMESPACE, f"{seed}|{rec.student}|{rec.seq}"))
        at = rec.timestamp + timedelta(seconds=rec.duration_s)
        out.append(Evidence(eid, rec.student, EvidenceKind.ANSWER, rec.skill_codes, 1.0 if rec.correct else 0.0,
                            at, rec.item_id, rec.student, "demo", data))
        seqs.append(seq_of.get(rec.student, 0))
        seq_of[rec.student] = seqs[-1] + 1
    return out, seqs
