"""Read models of the school for the home pages and the API.

What a student, a teacher, a guardian and an admin see first: a learner's skills with
mastery and recent work; a teacher's classes with rosters and a class x skill mastery
grid; a guardian's children in plain words; an admin's school in counts. Every learner
read goes through the access policy (``require_learner`` audits reads by others);
a class through ``require_section``. Nothing here writes except those audit rows, and
nothing here decides access by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, School, Section, User
from pathwise.services.access import (
    Actor,
    Need,
    require_class_learners,
    require_learner,
    require_role,
    require_class_roster,
    visible_learners,
)
from pathwise.services.errors import NotFound
from pathwise.services.evidence import learner_evidence
from pathwise.domain.mastery_states import State, state_of
from pathwise.services.mastery import DEFAULT_THRESHOLD, SkillMastery, mastery_rows
from pathwise.store.errors import StoreError
from pathwise.store.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class SkillStatus:
    code: str
    title: str
    unit: str | None
    p_mastery: float | None
    n_evidence: int
    n_correct: int
    threshold: float
    explanation: str
    last_evidence_at: datetime | None

    @property
    def mastered(self) -> bool:
        return self.p_mastery is not None and self.n_evidence > 0 and self.p_mastery >= self.threshold

    @property
    def state(self) -> State:
        """Where the learner stands, in the words every page uses (``domain.mastery_states``)."""
        return state_of(self.p_mastery, self.threshold, self.n_evidence)

    @property
    def level(self) -> str:
        return self.state.word

    @property
    def percent(self) -> int | None:
        return None if self.p_mastery is None or self.n_evidence == 0 else round(self.p_mastery * 100)


KIND_WORDS = {
    EvidenceKind.ANSWER: "answered a question",
    EvidenceKind.HINT: "asked for a hint",
    EvidenceKind.RUBRIC: "project scored with a rubric",
    EvidenceKind.OBSERVATION: "observed by a teacher",
    EvidenceKind.SELF_ASSESSMENT: "rated their own work",
    EvidenceKind.STATEMENT: "work in another learning tool",
    EvidenceKind.OVERRIDE: "a teacher's decision",
}


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    id: str
    kind: str
    item_id: str | None
    skill_codes: tuple[str, ...]
    skill_titles: tuple[str, ...]
    score: float
    timestamp: datetime
    source: str
    checked_score: float | None = None  # an answer's score before hints took their share
    hints_used: int = 0

    @property
    def what(self) -> str:
        """The kind of work in plain words (the same on every page)."""
        return KIND_WORDS.get(self.kind, self.kind.replace("_", " "))

    @property
    def helped(self) -> bool:
        """A right answer whose credit hints lowered."""
        return (self.kind == EvidenceKind.ANSWER and self.checked_score is not None
                and self.checked_score >= 0.999 and self.score < 0.999 and self.hints_used > 0)

    @property
    def outcome(self) -> str:
        if self.helped:
            if self.score <= 0:
                return "correct after the worked solution (no credit)"
            return f"correct with {self.hints_used} hint{'s' if self.hints_used != 1 else ''}"
        if self.kind in (EvidenceKind.ANSWER, EvidenceKind.STATEMENT):
            return "correct" if self.score >= 0.999 else ("partly correct" if self.score > 0 else "not yet correct")
        if self.kind == EvidenceKind.HINT:
            return "asked for a hint"
        if self.kind == EvidenceKind.SELF_ASSESSMENT:  # how sure they felt: never shown as a score
            return "felt sure" if self.score >= 0.75 else ("felt fairly sure" if self.score >= 0.4 else "felt unsure")
        if self.kind == EvidenceKind.OVERRIDE:
            return "marked as mastered" if self.score >= 0.5 else "marked as not mastered yet"
        return f"{round(self.score * 100)}%"

    @property
    def tone(self) -> str:
        """How the result is marked: good, part, not, or hint (help asked or a self-rating, not a result)."""
        if self.kind in (EvidenceKind.HINT, EvidenceKind.SELF_ASSESSMENT):
            return "hint"
        if self.helped:
            return "part"
        return "good" if self.score >= 0.999 else ("part" if self.score > 0 else "not")


@dataclass(frozen=True, slots=True)
class LearnerSummary:
    learner: User
    n_skills: int
    n_mastered: int
    n_nearly_there: int
    n_getting_there: int
    mean_mastery: float | None
    n_evidence: int
    last_active: datetime | None

    @property
    def mean_percent(self) -> int | None:
        return None if self.mean_mastery is None else round(self.mean_mastery * 100)

    @property
    def n_started(self) -> int:
        return self.n_mastered + self.n_nearly_there + self.n_getting_there

    @property
    def n_not_started(self) -> int:
        return self.n_skills - self.n_started

    @property
    def in_states(self) -> str:
        """The started skills counted in the words every page uses: "3 mastered, 1 nearly
        there, 4 getting there" (states with none left out); "no work yet" before any."""
        parts = [(n, st.word) for n, st in ((self.n_mastered, State.MASTERED), (self.n_nearly_there, State.NEARLY_THERE),
                                             (self.n_getting_there, State.GETTING_THERE)) if n]
        return ", ".join(f"{n} {w}" for n, w in parts) if parts else "no work yet"


@dataclass(frozen=True, slots=True)
class LearnerOverview:
    """One learner's page: their classes, skills with mastery and recent work."""

    learner: User
    classes: list[Section]
    skills: list[SkillStatus]
    recent: list[EvidenceItem]
    summary: LearnerSummary
    in_words: list[str] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)  # skill -> a teacher's override that stands


@dataclass(frozen=True, slots=True)
class RosterRow:
    learner: User
    summary: LearnerSummary
    cells: dict[str, SkillStatus]


@dataclass(frozen=True, slots=True)
class SkillColumn:
    code: str
    title: str
    n_mastered: int
    n_started: int
    mean_mastery: float | None
    unit: str | None = None  # the framework's unit (None: a skill from outside the class's framework)
    threshold: float = DEFAULT_THRESHOLD


@dataclass(frozen=True, slots=True)
class ClassView:
    section: Section
    framework_title: str | None
    teachers: list[User]
    skills: list[SkillColumn]
    roster: list[RosterRow]
    units: list[tuple[str, str]] = field(default_factory=list)  # (code, title) of the framework's units, in order

    @property
    def n_students(self) -> int:
        return len(self.roster)


@dataclass(frozen=True, slots=True)
class ClassRoster:
    section: Section
    teachers: list[User]
    students: list[User]


@dataclass(frozen=True, slots=True)
class ChildCard:
    learner: User
    summary: LearnerSummary
    in_words: list[str]
    skills: list[SkillStatus] = field(default_factory=list)  # the page writes the family's sentences from these


@dataclass(frozen=True, slots=True)
class ClassCard:
    section: Section
    teachers: list[User]
    n_students: int


@dataclass(frozen=True, slots=True)
class AdminHome:
    school: School
    n_students: int
    n_teachers: int
    n_guardians: int
    n_admins: int
    n_classes: int
    n_evidence: int
    classes: list[ClassCard]
    teachers: list[tuple[User, int]]


# -- helpers ------------------------------------------------------------------------------------


def _skill_catalogue(uow: UnitOfWork, framework_ids: Iterable[str | None],
                     units: list[tuple[str, str]] | None = None) -> tuple[list[tuple[str, str, str | None]],
                                                                          dict[str, float], str | None]:
    """(code, title, unit) of every skill in the frameworks, their thresholds, first title;
    the frameworks' units (code, title), in order, are added to ``units`` when one is given."""
    skills: list[tuple[str, str, str | None]] = []
    ths: dict[str, float] = {}
    seen: set[str] = set()
    title: str | None = None
    for fid in dict.fromkeys(f for f in framework_ids if f):
        fw = uow.frameworks.get(fid)
        if fw is None:
            continue
        title = title or fw.title
        if units is not None:
            units.extend((u.code, u.title) for u in sorted(fw.units, key=lambda u: (u.position, u.code)))
        for sk in fw.skills:
            if sk.code not in seen:
                seen.add(sk.code)
                skills.append((sk.code, sk.title, sk.unit))
                ths[sk.code] = fw.mastery_threshold
    return skills, ths, title


def _statuses(catalogue: Sequence[tuple[str, str, str | None]], ths: dict[str, float],
              rows: Sequence[SkillMastery]) -> list[SkillStatus]:
    """Skills of the catalogue (estimated or not) followed by any other estimated skill."""
    by_code = {m.skill_code: m for m in rows}
    out: list[SkillStatus] = []
    for code, title, unit in catalogue:
        m = by_code.pop(code, None)
        th = ths.get(code, DEFAULT_THRESHOLD)
        if m is None:
            out.append(SkillStatus(code, title, unit, None, 0, 0, th, "", None))
        else:
            out.append(SkillStatus(code, title, unit, m.p_mastery, m.n_evidence, m.n_correct, m.threshold,
                                   m.explanation, m.last_evidence_at))
    for m in sorted(by_code.values(), key=lambda m: m.skill_code):
        out.append(SkillStatus(m.skill_code, m.title, None, m.p_mastery, m.n_evidence, m.n_correct, m.threshold,
                               m.explanation, m.last_evidence_at))
    return out


def _activity(uow: UnitOfWork, learner_ids: Sequence[str]) -> dict[str, tuple[int, datetime | None]]:
    """Evidence count and newest evidence time per learner, in one query."""
    return uow.school_reads.activity(learner_ids)


def _summary(learner: User, skills: Sequence[SkillStatus], activity: tuple[int, datetime | None]) -> LearnerSummary:
    started = [s for s in skills if s.n_evidence > 0 and s.p_mastery is not None]
    mastered = sum(1 for s in started if s.mastered)
    nearly = sum(1 for s in started if s.state is State.NEARLY_THERE)
    getting = sum(1 for s in started if s.state is State.GETTING_THERE)
    mean = sum(s.p_mastery or 0.0 for s in started) / len(started) if started else None
    return LearnerSummary(learner, len(skills), mastered, nearly, getting, mean, activity[0], activity[1])


def _number(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _evidence_items(uow: UnitOfWork, evidence: Sequence[Evidence]) -> list[EvidenceItem]:
    learners = {e.learner_id for e in evidence}
    titles = uow.frameworks.skill_titles({c for e in evidence for c in e.skill_codes},
                                         learner_id=next(iter(learners)) if len(learners) == 1 else None)
    return [
        EvidenceItem(e.id, e.kind.value, e.item_id, e.skill_codes, tuple(titles.get(c, c) for c in e.skill_codes),
                     e.score, e.timestamp, e.source, _number(e.data.get("checked_score")),
                     int(_number(e.data.get("hints_used")) or 0))
        for e in evidence
    ]


def in_plain_words(summary: LearnerSummary, skills: Sequence[SkillStatus]) -> list[str]:
    """Sentences a family can read: what was learned, what is being worked on, how recently."""
    name = summary.learner.display_name.split(" ")[0]
    if summary.n_evidence == 0:
        return [f"{name} has no recorded work yet. Progress appears here after the first practice."]
    words = [f"{name} has mastered {summary.n_mastered} of {summary.n_skills} skills so far."]
    learned = sorted((s for s in skills if s.mastered),
                     key=lambda s: s.last_evidence_at.timestamp() if s.last_evidence_at else 0.0, reverse=True)
    if learned:
        words.append("Recently learned: " + ", ".join(s.title for s in learned[:3]) + ".")
    working = sorted((s for s in skills if s.n_evidence > 0 and not s.mastered),
                     key=lambda s: -(s.p_mastery or 0.0))
    if working:
        words.append("Working on now: " + ", ".join(f"{s.title} ({s.level})" for s in working[:3]) + ".")
    if summary.last_active is not None:
        words.append(f"Last practised on {summary.last_active:%-d %B %Y}.")
    return words


# -- learners -----------------------------------------------------------------------------------


def learner_overview(uow: UnitOfWork, actor: Actor, learner_id: str, recent: int = 10) -> LearnerOverview:
    """A learner's classes, skills (with mastery) and recent evidence; audited for others."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "overview")
    rows = mastery_rows(uow, [learner.id]).get(learner.id, [])  # access checked (and audited) above
    classes = uow.sections.sections_of(learner.id, Role.STUDENT)
    catalogue, ths, _ = _skill_catalogue(uow, (c.framework_id for c in classes))
    skills = _statuses(catalogue, ths, rows)
    evidence = uow.evidence.for_learner(learner.id, limit=recent, newest_first=True) if recent > 0 else []
    summary = _summary(learner, skills, _activity(uow, [learner.id]).get(learner.id, (0, None)))
    from pathwise.services.overrides import standing_overrides

    return LearnerOverview(learner, classes, skills, _evidence_items(uow, evidence), summary,
                           in_plain_words(summary, skills), standing_overrides(uow, learner.id))


def student_home(uow: UnitOfWork, actor: Actor, recent: int = 10) -> LearnerOverview:
    require_role(actor, Role.STUDENT)
    return learner_overview(uow, actor, actor.user_id or "", recent)


def learners(uow: UnitOfWork, actor: Actor) -> list[User]:
    """Every learner the actor may see (names only; no record is read)."""
    return visible_learners(uow, actor)


def learner(uow: UnitOfWork, actor: Actor, learner_id: str) -> User:
    return require_learner(uow, actor, learner_id, Need.READ, "learner")


def recent_evidence(uow: UnitOfWork, actor: Actor, learner_id: str, limit: int = 50) -> list[EvidenceItem]:
    return _evidence_items(uow, learner_evidence(uow, actor, learner_id, limit=limit))


# -- classes ------------------------------------------------------------------------------------


def class_roster(uow: UnitOfWork, actor: Actor, section_id: str) -> ClassRoster:
    """A class with its teachers and students (``access.require_class_roster``: a student
    sees only themself in it)."""
    return ClassRoster(*require_class_roster(uow, actor, section_id))


def class_view(uow: UnitOfWork, actor: Actor, section_id: str) -> ClassView:
    """A class's roster with each student's mastery summary and the class x skill grid."""
    sec, students = require_class_learners(uow, actor, section_id, Need.READ, "class-mastery")
    teachers = uow.sections.members(sec.id, Role.TEACHER)
    units: list[tuple[str, str]] = []
    catalogue, ths, fw_title = _skill_catalogue(uow, [sec.framework_id], units)
    ids = [s.id for s in students]
    mastery = mastery_rows(uow, ids, sec.school_id)
    activity = _activity(uow, ids)
    roster: list[RosterRow] = []
    extra: dict[str, str] = {}
    for s in students:
        statuses = _statuses(catalogue, ths, mastery.get(s.id, []))
        for st in statuses[len(catalogue):]:
            extra.setdefault(st.code, st.title)
        roster.append(RosterRow(s, _summary(s, statuses, activity.get(s.id, (0, None))),
                                {st.code: st for st in statuses}))
    columns: list[SkillColumn] = []
    unit_of = {c: u for c, _, u in catalogue}
    for code, title in [(c, ti) for c, ti, _ in catalogue] + sorted(extra.items()):
        cells = [r.cells[code] for r in roster if code in r.cells and r.cells[code].n_evidence > 0]
        mean = sum(c.p_mastery or 0.0 for c in cells) / len(cells) if cells else None
        th = cells[0].threshold if cells else ths.get(code, DEFAULT_THRESHOLD)
        columns.append(SkillColumn(code, title, sum(1 for c in cells if c.mastered), len(cells), mean,
                                   unit_of.get(code), th))
    return ClassView(sec, fw_title, teachers, columns, roster, units)


def teacher_home(uow: UnitOfWork, actor: Actor) -> list[ClassView]:
    """Each of the teacher's own classes with roster and mastery summary."""
    require_role(actor, Role.TEACHER)
    return [class_view(uow, actor, sec.id) for sec in uow.sections.sections_of(actor.user_id or "", Role.TEACHER)]


# -- guardians ----------------------------------------------------------------------------------


def guardian_home(uow: UnitOfWork, actor: Actor) -> list[ChildCard]:
    """The guardian's linked children, each with a plain-words summary."""
    require_role(actor, Role.GUARDIAN)
    cards: list[ChildCard] = []
    for child in visible_learners(uow, actor):
        ov = learner_overview(uow, actor, child.id, recent=0)
        cards.append(ChildCard(ov.learner, ov.summary, ov.in_words, ov.skills))
    return cards


# -- admins -------------------------------------------------------------------------------------


def admin_home(uow: UnitOfWork, actor: Actor) -> AdminHome:
    """The admin's school: head counts, classes with their teachers, teachers with load."""
    require_role(actor, Role.ADMIN)
    school = uow.schools.get(actor.school_id or "")
    if school is None:
        raise NotFound(f"no school {actor.school_id}")
    counts = uow.school_reads.role_counts(school.id)
    n_evidence = uow.school_reads.evidence_count(school.id)
    sections = uow.sections.in_school(school.id)
    enrolled = uow.school_reads.enrolled([s.id for s in sections], Role.STUDENT.value)
    classes = [ClassCard(s, uow.sections.members(s.id, Role.TEACHER), int(enrolled.get(s.id, 0))) for s in sections]
    load: dict[str, int] = {}
    for c in classes:
        for te in c.teachers:
            load[te.id] = load.get(te.id, 0) + 1
    teachers = [(u, load.get(u.id, 0)) for u in uow.users.in_school(school.id, Role.TEACHER)]
    return AdminHome(school, counts.get(Role.STUDENT.value, 0), counts.get(Role.TEACHER.value, 0),
                     counts.get(Role.GUARDIAN.value, 0), counts.get(Role.ADMIN.value, 0), len(sections),
                     int(n_evidence), classes, teachers)


def me(uow: UnitOfWork, actor: Actor) -> User:
    """The actor's own account."""
    user = uow.users.get(actor.user_id or "")
    if user is None:
        raise NotFound("no such user")
    return user


def database_ok(uow: UnitOfWork) -> bool:
    """True when the database answers a trivial query (for health checks)."""
    try:
        uow.school_reads.ping()
    except StoreError:
        return False
    return True
