"""Repositories: the questions services ask the database, and the rows they add.

Each repository turns rows into domain objects (or small read models) and back, so
nothing above the store sees a row. Queries on hot paths are few and pinned by tests.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import chain
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, case, delete, event, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from pathwise.domain.content import Activity, ActivityKind, Feedback, Item, ItemType
from pathwise.domain.evidence import ClientKey, Evidence, EvidenceKind
from pathwise.domain.framework import Framework, Skill, Unit
from pathwise.domain.people import GuardianLink, Role, School, Section, User
from pathwise.store import tables as t
from pathwise.store.records import (
    AuditRecord,
    MasteryRecord,
    ModelParamsRecord,
    TokenRecord,
    WebSessionRecord,
    as_record,
)


_USER = t.UserRow.__table__.c
_USER_COLUMNS = (_USER.id, _USER.school_id, _USER.username, _USER.display_name, _USER.role, _USER.grade, _USER.active)


def _user_of(cols: Sequence[Any]) -> User | None:
    """A user from ``_USER_COLUMNS`` read as plain columns (None: an outer join found none)."""
    uid, school_id, username, name, role, grade, active = cols
    if uid is None:
        return None
    return User(id=uid, school_id=school_id, username=username, display_name=name, role=Role(role), grade=grade,
                active=bool(active))


def _user(row: t.UserRow) -> User:
    user = _user_of((row.id, row.school_id, row.username, row.display_name, row.role, row.grade, row.active))
    assert user is not None
    return user


def _section(row: t.SectionRow) -> Section:
    return Section(row.id, row.school_id, row.name, row.subject, row.grade, row.framework_id)


def split_codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.split(";") if c)


# the columns ``_evidence`` takes, in its order (a query of them skips the ORM's objects)
_EVIDENCE_COLUMNS = tuple(t.EvidenceRow.__table__.c[name] for name in (
    "id", "learner_id", "kind", "skill_codes", "score", "timestamp", "item_id", "recorded_by", "source", "data",
    "client_id", "client_digest"))


def _evidence(eid: str, learner_id: str, kind: str, codes: str, score: float, at: datetime, item_id: str | None,
              recorded_by: str | None, source: str, data: dict[str, Any] | None, client_id: str | None,
              client_digest: str | None) -> Evidence:
    return Evidence(id=eid, learner_id=learner_id, kind=EvidenceKind(kind), skill_codes=split_codes(codes),
                    score=score, timestamp=at, item_id=item_id, recorded_by=recorded_by, source=source,
                    data=dict(data or {}),
                    client=ClientKey(client_id, client_digest) if client_id is not None else None)


def evidence_from_row(row: t.EvidenceRow) -> Evidence:
    return _evidence(row.id, row.learner_id, row.kind, row.skill_codes, row.score, row.timestamp, row.item_id,
                     row.recorded_by, row.source, row.data, row.client_id, row.client_digest)


def _insert_ignoring_duplicates(session: Session, table: Any) -> Any:
    """INSERT that skips rows whose primary key is already stored (both dialects)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()


class _Repo:
    def __init__(self, session: Session) -> None:
        self.s = session


def transaction_memo(session: Session, name: str) -> dict[Any, Any]:
    """A dict that lives as long as the session's current transaction: what one transaction
    read twice without changing it is read once (a new transaction starts empty, so nothing
    another process wrote in between is missed). Before the transaction begins: a throwaway."""
    txn = session.get_transaction()
    if txn is None:
        session.info.pop(name, None)  # what the last transaction held is let go
        return {}
    box = session.info.get(name)
    if box is None or box[0] is not txn:
        box = session.info[name] = (txn, {})
    return box[1]


USERS_HELD = "users_held"  # UserRepository.get's rows, held for one transaction


def held_object(session: Session, row_class: type, key: Any) -> Any | None:
    """The object the session already holds for this row, if any (no query). A row read as
    plain columns or changed by a statement on its table must yield to such an object, or
    the two would disagree within the transaction."""
    return session.identity_map.get(identity_key(row_class, key))

# Memos that only a write to certain tables makes wrong. Any write to one of them in the
# transaction forgets the memo: an ORM flush, or a statement sent through the session
# (``_forget_on_write``). A statement sent on ``session.connection()`` is not seen, so
# these tables are never written that way.
_MEMO_TABLES: dict[str, frozenset[str]] = {}


def _memo_until_written(name: str, *tables: str) -> str:
    _MEMO_TABLES[name] = frozenset(tables)
    return name


SECTIONS_HELD = _memo_until_written("sections_held", "sections", "enrollments")  # SectionRepository.sections_of
CONTENT_STAMPS = _memo_until_written("content_stamps", "frameworks", "skills", "prerequisites", "activities",
                                     "items")  # PathRepository.content_stamp


def _forget(session: Session, tables: set[str] | None) -> None:
    """Drop the memos that watch any of ``tables`` (every one, when they are not known)."""
    for name, watched in _MEMO_TABLES.items():
        if name in session.info and (tables is None or not watched.isdisjoint(tables)):
            del session.info[name]


@event.listens_for(Session, "do_orm_execute")
def _forget_on_write(state: Any) -> None:
    if state.is_select or not any(n in state.session.info for n in _MEMO_TABLES):
        return
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    _forget(state.session, {name} if isinstance(name, str) else None)  # text or unknown: forget all


@event.listens_for(Session, "before_flush")
def _forget_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    if any(n in session.info for n in _MEMO_TABLES):
        _forget(session, {getattr(o, "__tablename__", "") for o in chain(session.new, session.dirty, session.deleted)})


class SchoolRepository(_Repo):
    def add(self, school: School, external_id: str | None = None, time_zone: str = "UTC") -> None:
        self.s.add(t.SchoolRow(id=school.id, name=school.name, external_id=external_id, time_zone=time_zone))

    def get(self, school_id: str) -> School | None:
        row = self.s.get(t.SchoolRow, school_id)
        return School(row.id, row.name) if row else None

    def list(self) -> list[School]:
        return [School(r.id, r.name) for r in self.s.scalars(select(t.SchoolRow).order_by(t.SchoolRow.name))]

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(t.SchoolRow)) or 0

    def time_zone(self, school_id: str) -> str | None:
        """The school's time zone (an IANA name), or None when there is no such school."""
        return self.s.scalar(select(t.SchoolRow.time_zone).where(t.SchoolRow.id == school_id))

    def set_time_zone(self, school_id: str, zone: str) -> None:
        self.s.execute(update(t.SchoolRow).where(t.SchoolRow.id == school_id).values(time_zone=zone))


class UserRepository(_Repo):
    def add(self, user: User, password_hash: str | None = None, email: str | None = None,
            external_id: str | None = None, profile: dict[str, Any] | None = None) -> None:
        self.s.add(
            t.UserRow(
                id=user.id, school_id=user.school_id, username=user.username,
                display_name=user.display_name, role=user.role.value, grade=user.grade,
                active=user.active, password_hash=password_hash, email=email,
                external_id=external_id, profile=profile or {},
            )
        )

    def get(self, user_id: str) -> User | None:
        transaction_memo(self.s, USERS_HELD)  # first: a new transaction lets go of the last one's rows
        row = self.s.get(t.UserRow, user_id)
        if row is None:
            return None
        # The session's identity map holds rows weakly: held here for the transaction, the
        # access checks that ask for the same person again (a use case's own, then recording
        # its evidence) find the row without another query. The session keeps it current as
        # any row it tracks (the writes of this transaction change it); the next transaction
        # reads it afresh.
        held = transaction_memo(self.s, USERS_HELD)
        if len(held) >= 256:  # a long import reads thousands: only the latest few stay held
            held.clear()
        held[user_id] = row
        return _user(row)

    def get_many(self, ids: Iterable[str]) -> dict[str, User]:
        ids = list(ids)
        if not ids:
            return {}
        rows = self.s.scalars(select(t.UserRow).where(t.UserRow.id.in_(ids)))
        return {r.id: _user(r) for r in rows}

    def by_username(self, username: str) -> User | None:
        row = self.s.scalar(select(t.UserRow).where(t.UserRow.username == username))
        return _user(row) if row else None

    def by_external_ids(self, school_id: str, external_ids: Iterable[str]) -> dict[str, str]:
        """Map external (SIS or log) ids to user ids within one school."""
        wanted = list(set(external_ids))
        out: dict[str, str] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            q = select(t.UserRow.external_id, t.UserRow.id).where(
                t.UserRow.school_id == school_id, t.UserRow.external_id.in_(chunk)
            )
            out.update({e: u for e, u in self.s.execute(q)})
        return out

    def external_id(self, user_id: str) -> str | None:
        return self.s.scalar(select(t.UserRow.external_id).where(t.UserRow.id == user_id))

    def credentials(self, username: str) -> tuple[User, str | None] | None:
        """The user with this login name and their password hash."""
        row = self.s.scalar(select(t.UserRow).where(t.UserRow.username == username))
        if row is None:
            return None
        return _user(row), row.password_hash

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        self.s.execute(update(t.UserRow).where(t.UserRow.id == user_id).values(password_hash=password_hash))

    def set_active(self, user_id: str, active: bool) -> None:
        self.s.execute(update(t.UserRow).where(t.UserRow.id == user_id).values(active=active))

    def profile(self, user_id: str) -> dict[str, Any]:
        return dict(self.s.scalar(select(t.UserRow.profile).where(t.UserRow.id == user_id)) or {})

    def set_profile(self, user_id: str, profile: dict[str, Any]) -> None:
        self.s.execute(update(t.UserRow).where(t.UserRow.id == user_id).values(profile=profile))

    def in_school(self, school_id: str, role: Role | None = None) -> list[User]:
        q = select(t.UserRow).where(t.UserRow.school_id == school_id)
        if role is not None:
            q = q.where(t.UserRow.role == role.value)
        return [_user(r) for r in self.s.scalars(q.order_by(t.UserRow.display_name))]

    def count(self, role: Role | None = None) -> int:
        q = select(func.count()).select_from(t.UserRow)
        if role is not None:
            q = q.where(t.UserRow.role == role.value)
        return self.s.scalar(q) or 0

    def delete(self, user_id: str) -> None:
        self.s.execute(delete(t.UserRow).where(t.UserRow.id == user_id))


class SectionRepository(_Repo):
    def add(self, section: Section, external_id: str | None = None) -> None:
        self.s.add(
            t.SectionRow(
                id=section.id, school_id=section.school_id, name=section.name, subject=section.subject,
                grade=section.grade, framework_id=section.framework_id, external_id=external_id,
            )
        )

    def get(self, section_id: str) -> Section | None:
        row = self.s.get(t.SectionRow, section_id)
        return _section(row) if row else None

    def in_school(self, school_id: str) -> list[Section]:
        q = select(t.SectionRow).where(t.SectionRow.school_id == school_id).order_by(t.SectionRow.name)
        return [_section(r) for r in self.s.scalars(q)]

    def enrol(self, section_id: str, user_id: str, role: Role) -> None:
        if self.s.get(t.EnrollmentRow, (section_id, user_id)) is None:
            self.s.add(t.EnrollmentRow(section_id=section_id, user_id=user_id, role=role.value))

    def sections_of(self, user_id: str, role: Role | None = None) -> list[Section]:
        """The user's classes (as ``role``), by name; read once a transaction (an answer's
        strengths and its path both ask) until the transaction writes classes or enrolments."""
        hit = transaction_memo(self.s, SECTIONS_HELD).get((user_id, role))
        if hit is None:
            q = (
                select(t.SectionRow)
                .join(t.EnrollmentRow, t.EnrollmentRow.section_id == t.SectionRow.id)
                .where(t.EnrollmentRow.user_id == user_id)
            )
            if role is not None:
                q = q.where(t.EnrollmentRow.role == role.value)
            hit = [_section(r) for r in self.s.scalars(q.order_by(t.SectionRow.name))]
            transaction_memo(self.s, SECTIONS_HELD)[(user_id, role)] = hit  # the transaction has begun now
        return list(hit)

    def members(self, section_id: str, role: Role) -> list[User]:
        q = (
            select(t.UserRow)
            .join(t.EnrollmentRow, t.EnrollmentRow.user_id == t.UserRow.id)
            .where(t.EnrollmentRow.section_id == section_id, t.EnrollmentRow.role == role.value)
            .order_by(t.UserRow.display_name)
        )
        return [_user(r) for r in self.s.scalars(q)]

    def teaches_student(self, teacher_id: str, student_id: str) -> bool:
        te = t.EnrollmentRow.__table__.alias("te")
        st = t.EnrollmentRow.__table__.alias("st")
        q = (
            select(func.count())
            .select_from(te.join(st, te.c.section_id == st.c.section_id))
            .where(te.c.user_id == teacher_id, te.c.role == Role.TEACHER.value,
                   st.c.user_id == student_id, st.c.role == Role.STUDENT.value)
        )
        return (self.s.scalar(q) or 0) > 0

    def is_member(self, section_id: str, user_id: str, role: Role | None = None) -> bool:
        row = self.s.get(t.EnrollmentRow, (section_id, user_id))
        return row is not None and (role is None or row.role == role.value)


class GuardianRepository(_Repo):
    def link(self, link: GuardianLink) -> None:
        if self.s.get(t.GuardianLinkRow, (link.guardian_id, link.student_id)) is None:
            self.s.add(t.GuardianLinkRow(guardian_id=link.guardian_id, student_id=link.student_id,
                                         relationship=link.relationship))

    def children_of(self, guardian_id: str) -> list[User]:
        q = (
            select(t.UserRow)
            .join(t.GuardianLinkRow, t.GuardianLinkRow.student_id == t.UserRow.id)
            .where(t.GuardianLinkRow.guardian_id == guardian_id)
            .order_by(t.UserRow.display_name)
        )
        return [_user(r) for r in self.s.scalars(q)]

    def guardians_of(self, student_id: str) -> list[User]:
        q = (
            select(t.UserRow)
            .join(t.GuardianLinkRow, t.GuardianLinkRow.guardian_id == t.UserRow.id)
            .where(t.GuardianLinkRow.student_id == student_id)
        )
        return [_user(r) for r in self.s.scalars(q)]

    def is_linked(self, guardian_id: str, student_id: str) -> bool:
        return self.s.get(t.GuardianLinkRow, (guardian_id, student_id)) is not None

    def unlink(self, guardian_id: str, student_id: str) -> None:
        """Take the guardian off the student (nothing happens when they were not linked)."""
        row = self.s.get(t.GuardianLinkRow, (guardian_id, student_id))
        if row is not None:
            self.s.delete(row)


def _visible_to(school_col: Any, school_id: str | None, learner_id: str | None) -> Any:
    """Content a school may read: its own and the system's shared content (school NULL).
    ``learner_id`` names the school as the learner's (a subquery: no extra statement)."""
    if learner_id is not None:
        mine: Any = select(t.UserRow.school_id).where(t.UserRow.id == learner_id).scalar_subquery()
    else:
        mine = school_id
    return school_col.is_(None) if mine is None else (school_col.is_(None) | (school_col == mine))


class FrameworkRepository(_Repo):
    def add(self, fw: Framework, school_id: str | None = None) -> None:
        """Store a new framework, owned by ``school_id`` (None: the system's, shared)."""
        self.s.add(t.FrameworkRow(id=fw.id, title=fw.title, subject=fw.subject,
                                  mastery_threshold=fw.mastery_threshold, source_uri=fw.source_uri,
                                  school_id=school_id))
        self._add_content(fw)

    def owner(self, framework_id: str) -> tuple[bool, str | None]:
        """(whether the framework exists, the school that owns it: None for shared content)."""
        row = self.s.execute(select(t.FrameworkRow.school_id).where(t.FrameworkRow.id == framework_id)).first()
        return (row is not None, row[0] if row is not None else None)

    def replace(self, fw: Framework) -> None:
        """Store ``fw`` over the stored framework of the same id (units, skills and
        prerequisites rewritten; the framework row keeps its mastery threshold)."""
        for table in (t.PrerequisiteRow, t.SkillRow, t.UnitRow):
            self.s.execute(delete(table).where(table.framework_id == fw.id))
        self.s.execute(update(t.FrameworkRow).where(t.FrameworkRow.id == fw.id)
                       .values(title=fw.title, subject=fw.subject, source_uri=fw.source_uri))
        self.s.flush()
        self._add_content(fw)
        self.s.flush()

    def _add_content(self, fw: Framework) -> None:
        for u in fw.units:
            self.s.add(t.UnitRow(framework_id=fw.id, code=u.code, title=u.title, position=u.position))
        for sk in fw.skills:
            self.s.add(t.SkillRow(framework_id=fw.id, code=sk.code, title=sk.title, unit_code=sk.unit,
                                  description=sk.description, position=sk.position,
                                  home_tips=list(sk.home_tips) or None))
            for gi, group in enumerate(sk.prerequisites):
                for req in sorted(group):
                    self.s.add(t.PrerequisiteRow(framework_id=fw.id, skill_code=sk.code, group_no=gi,
                                                 requires_code=req))

    def get(self, framework_id: str) -> Framework | None:
        row = self.s.get(t.FrameworkRow, framework_id)
        if row is None:
            return None
        units = tuple(
            Unit(u.code, u.title, u.position)
            for u in self.s.scalars(select(t.UnitRow).where(t.UnitRow.framework_id == framework_id).order_by(t.UnitRow.position))
        )
        groups: dict[str, dict[int, set[str]]] = {}
        for p in self.s.scalars(select(t.PrerequisiteRow).where(t.PrerequisiteRow.framework_id == framework_id)):
            groups.setdefault(p.skill_code, {}).setdefault(p.group_no, set()).add(p.requires_code)
        skills = tuple(
            Skill(
                code=s.code, title=s.title, unit=s.unit_code, description=s.description,
                prerequisites=tuple(frozenset(g) for _, g in sorted(groups.get(s.code, {}).items())),
                position=s.position, home_tips=tuple(str(x) for x in s.home_tips or ()),
            )
            for s in self.s.scalars(select(t.SkillRow).where(t.SkillRow.framework_id == framework_id).order_by(t.SkillRow.position))
        )
        return Framework(row.id, row.title, row.subject, row.mastery_threshold, units, skills, row.source_uri)

    def list_ids(self, school_id: str | None = None, *, every_school: bool = True) -> list[str]:
        """Framework ids: all of them, or (``every_school`` off) the school's own and the shared."""
        q = select(t.FrameworkRow.id)
        if not every_school:
            q = q.where(_visible_to(t.FrameworkRow.school_id, school_id, None))
        return list(self.s.scalars(q.order_by(t.FrameworkRow.id)))

    def skill_titles(self, codes: Iterable[str], *, school_id: str | None = None,
                     learner_id: str | None = None) -> dict[str, str]:
        """Each known skill's title. Given a school (or a learner, for the learner's school),
        from that school's frameworks and the shared ones only, the school's own first;
        otherwise from any framework (for the system), the shared ones first."""
        codes = list(set(codes))
        if not codes:
            return {}
        S, F = t.SkillRow, t.FrameworkRow
        q = select(S.code, S.title).join(F, F.id == S.framework_id).where(S.code.in_(codes))
        if school_id is not None or learner_id is not None:
            q = q.where(_visible_to(F.school_id, school_id, learner_id))
        # later rows win: shared content first, a school's own after it
        q = q.order_by(F.school_id.is_not(None), F.id)
        return {c: title for c, title in self.s.execute(q)}


def item_to_spec(item: Item) -> dict[str, Any]:
    return {
        "answer": item.answer,
        "choices": list(item.choices),
        "feedback": [{"answer": f.answer, "message": f.message, "misconception": f.misconception} for f in item.feedback],
        "hints": list(item.hints),
        **({"extra": item.spec} if item.spec else {}),
    }


def item_from_row(row: Any) -> Item:
    """An item from its row (an object, or a row of columns by name)."""
    spec = row.spec or {}
    return Item(
        id=row.id,
        skill_codes=split_codes(row.skill_codes),
        type=ItemType(row.type),
        prompt=row.prompt,
        answer=spec.get("answer"),
        choices=tuple(spec.get("choices", ())),
        feedback=tuple(Feedback(f["answer"], f["message"], f.get("misconception")) for f in spec.get("feedback", ())),
        hints=tuple(spec.get("hints", ())),
        difficulty=row.difficulty,
        spec=dict(spec.get("extra", {})),
    )


_ITEM_BY_ID = select(t.ItemRow.id, t.ItemRow.skill_codes, t.ItemRow.type, t.ItemRow.prompt, t.ItemRow.difficulty,
                    t.ItemRow.spec).where(t.ItemRow.id == bindparam("iid"))


class ItemRepository(_Repo):
    def add(self, item: Item, framework_id: str | None = None, school_id: str | None = None) -> None:
        self.s.add(t.ItemRow(id=item.id, framework_id=framework_id, type=item.type.value, prompt=item.prompt,
                             skill_codes=";".join(item.skill_codes), difficulty=item.difficulty,
                             spec=item_to_spec(item), school_id=school_id))

    def owner(self, item_id: str) -> tuple[bool, str | None]:
        """(whether the item exists, the school that owns it: None for shared content)."""
        row = self.s.execute(select(t.ItemRow.school_id).where(t.ItemRow.id == item_id)).first()
        return (row is not None, row[0] if row is not None else None)

    def get(self, item_id: str) -> Item | None:
        # an item this transaction holds as an object (an import changing it) is read from
        # the object; otherwise as plain columns (every answer reads the item it checks)
        held = held_object(self.s, t.ItemRow, item_id)
        row = held if held is not None else self.s.connection().execute(_ITEM_BY_ID, {"iid": item_id}).first()
        return item_from_row(row) if row else None

    def for_skill(self, skill_code: str, *, school_id: str | None = None,
                  learner_id: str | None = None) -> list[Item]:
        """The items on a skill; given a school (or a learner, for the learner's school), only
        that school's own and the shared ones."""
        q = select(t.ItemRow).where(
            (t.ItemRow.skill_codes == skill_code)
            | t.ItemRow.skill_codes.like(f"{skill_code};%")
            | t.ItemRow.skill_codes.like(f"%;{skill_code}")
            | t.ItemRow.skill_codes.like(f"%;{skill_code};%")
        )
        if school_id is not None or learner_id is not None:
            q = q.where(_visible_to(t.ItemRow.school_id, school_id, learner_id))
        return [item_from_row(r) for r in self.s.scalars(q.order_by(t.ItemRow.id))]

    def count(self) -> int:
        return self.s.scalar(select(func.count()).select_from(t.ItemRow)) or 0


class ActivityRepository(_Repo):
    def add(self, a: Activity, framework_id: str | None = None) -> None:
        self.s.add(t.ActivityRow(id=a.id, framework_id=framework_id, title=a.title, kind=a.kind.value,
                                 skill_codes=";".join(a.skill_codes), item_ids=list(a.item_ids), url=a.url,
                                 minutes=a.minutes, tags=list(a.tags)))

    def get(self, activity_id: str) -> Activity | None:
        r = self.s.get(t.ActivityRow, activity_id)
        return self._to(r) if r else None

    def in_framework(self, framework_id: str) -> list[Activity]:
        q = select(t.ActivityRow).where(t.ActivityRow.framework_id == framework_id).order_by(t.ActivityRow.id)
        return [self._to(r) for r in self.s.scalars(q)]

    @staticmethod
    def _to(r: t.ActivityRow) -> Activity:
        return Activity(r.id, r.title, ActivityKind(r.kind), split_codes(r.skill_codes), tuple(r.item_ids or ()),
                        r.url, r.minutes, tuple(r.tags or ()))


class EvidenceRepository(_Repo):
    def existing_ids(self, ids: Sequence[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            out.update(self.s.scalars(select(t.EvidenceRow.id).where(t.EvidenceRow.id.in_(chunk))))
        return out

    def stored_keys(self, ids: Sequence[str]) -> dict[str, ClientKey | None]:
        """Which of these ids are stored, each with its client's key (None when no client named
        it), in one query per 500 ids."""
        out: dict[str, ClientKey | None] = {}
        E = t.EvidenceRow
        for i in range(0, len(ids), 500):
            chunk = list(ids[i : i + 500])
            q = select(E.id, E.client_id, E.client_digest).where(E.id.in_(chunk))
            for eid, cid, digest in self.s.execute(q):
                out[eid] = ClientKey(cid, digest) if cid is not None else None
        return out

    def add_many(self, evidence: Sequence[Evidence], seqs: Sequence[int] | None = None) -> None:
        """Insert new evidence in bulk (callers drop ids already stored first)."""
        if not evidence:
            return
        rows = [
            {
                "id": e.id, "learner_id": e.learner_id, "kind": e.kind.value, "item_id": e.item_id,
                "skill_codes": ";".join(e.skill_codes), "score": float(e.score), "timestamp": e.timestamp,
                "recorded_by": e.recorded_by, "source": e.source, "data": e.data,
                "seq": seqs[i] if seqs is not None else 0, "recorded_at": t.utcnow(),
                "client_id": e.client.id if e.client else None, "client_digest": e.client.digest if e.client else None,
            }
            for i, e in enumerate(evidence)
        ]
        # Core insert on the table: the ORM's bulk path costs twice as much per row.
        self.s.connection().execute(_insert_ignoring_duplicates(self.s, t.EvidenceRow.__table__), rows)

    def lock_learners(self, learner_ids: Iterable[str]) -> None:
        """Serialise writers per learner for the rest of the transaction.

        PostgreSQL: row locks on the learners' user rows. SQLite: a no-op write takes
        the database's write lock now, before anything is read, so two writers never
        interleave a read-check-write of the same learner.
        """
        ids = sorted(set(learner_ids))
        if not ids:
            return
        # PostgreSQL's NO KEY UPDATE: two writers of one learner still wait for each other, but
        # rows that only point at the learner (an audit row, a class page's reads) do not wait
        # for them. SQLite's no-op write changes nothing, so the learners' rows this session
        # holds stay as they are.
        pg = self.s.get_bind().dialect.name == "postgresql"
        self.s.connection().execute(_LOCK_FOR_UPDATE if pg else _LOCK_BY_WRITING, {"ids": ids})

    def get(self, evidence_id: str) -> Evidence | None:
        row = self.s.get(t.EvidenceRow, evidence_id)
        return evidence_from_row(row) if row else None

    def for_learner(self, learner_id: str, limit: int | None = None, newest_first: bool = False) -> list[Evidence]:
        q: Select[tuple[t.EvidenceRow]] = select(t.EvidenceRow).where(t.EvidenceRow.learner_id == learner_id)
        if newest_first:
            q = q.order_by(t.EvidenceRow.timestamp.desc(), t.EvidenceRow.seq.desc())
        else:
            q = q.order_by(t.EvidenceRow.timestamp, t.EvidenceRow.seq)
        if limit is not None:
            q = q.limit(limit)
        return [evidence_from_row(r) for r in self.s.scalars(q)]

    def for_learners(self, learner_ids: Sequence[str]) -> dict[str, list[Evidence]]:
        """Each learner's evidence in time order (every id given has a list, maybe empty), in
        one query of plain columns: a rebuild reads hundreds of learners' whole histories."""
        out: dict[str, list[Evidence]] = {lid: [] for lid in learner_ids}
        if not out:
            return out
        E = t.EvidenceRow.__table__.c
        q = (select(*_EVIDENCE_COLUMNS).where(E.learner_id.in_(list(out)))
             .order_by(E.learner_id, E.timestamp, E.seq))
        for r in self.s.connection().execute(q):
            out[r.learner_id].append(_evidence(*r))
        return out

    def learner_ids(self) -> list[str]:
        return list(self.s.scalars(select(t.EvidenceRow.learner_id).distinct()))

    def count(self, learner_id: str | None = None) -> int:
        q = select(func.count()).select_from(t.EvidenceRow)
        if learner_id is not None:
            q = q.where(t.EvidenceRow.learner_id == learner_id)
        return self.s.scalar(q) or 0

    def stream(self, school_id: str | None = None, batch: int = 5000,
               learner_ids: Sequence[str] | None = None) -> Iterable[tuple[Evidence, str | None]]:
        """All evidence in learner/time order with the learner's external id (for export);
        only that of ``learner_ids`` when given (read 500 learners at a time)."""
        if learner_ids is not None:
            ids = sorted(learner_ids)
            for i in range(0, len(ids), 500):
                yield from self._stream(school_id, batch, ids[i:i + 500])
            return
        yield from self._stream(school_id, batch, None)

    def _stream(self, school_id: str | None, batch: int,
                learner_ids: Sequence[str] | None) -> Iterable[tuple[Evidence, str | None]]:
        q = (
            select(t.EvidenceRow, t.UserRow.external_id, t.UserRow.username)
            .join(t.UserRow, t.UserRow.id == t.EvidenceRow.learner_id)
            .order_by(t.EvidenceRow.learner_id, t.EvidenceRow.timestamp, t.EvidenceRow.seq)
        )
        if school_id is not None:
            q = q.where(t.UserRow.school_id == school_id)
        if learner_ids is not None:
            q = q.where(t.EvidenceRow.learner_id.in_(list(learner_ids)))
        for row, ext, username in self.s.execute(q.execution_options(yield_per=batch)):
            yield evidence_from_row(row), ext or username

    def learner_counts(self, school_id: str | None = None) -> dict[str, int]:
        """How many pieces of evidence each learner has (of the school, when given)."""
        q = select(t.EvidenceRow.learner_id, func.count()).group_by(t.EvidenceRow.learner_id)
        if school_id is not None:
            q = q.join(t.UserRow, t.UserRow.id == t.EvidenceRow.learner_id).where(t.UserRow.school_id == school_id)
        return {str(k): int(n) for k, n in self.s.execute(q)}


_MASTERY_COLUMNS = tuple(getattr(t.MasteryRow, f.name) for f in dataclass_fields(MasteryRecord))


_USERS = t.UserRow.__table__
# EvidenceRepository.lock_learners, built once (every answer locks its learner)
_LOCK_FOR_UPDATE = (select(_USERS.c.id).where(_USERS.c.id.in_(bindparam("ids", expanding=True)))
                    .order_by(_USERS.c.id).with_for_update(key_share=True))
_LOCK_BY_WRITING = update(_USERS).where(_USERS.c.id.in_(bindparam("ids", expanding=True))).values(
    active=_USERS.c.active)


MASTERY_NUMBERS = "mastery_numbers"  # the memo of PathRepository.mastery_numbers; every mastery write clears it


class MasteryRepository(_Repo):
    def for_learner(self, learner_id: str) -> dict[str, MasteryRecord]:
        q = select(t.MasteryRow).where(t.MasteryRow.learner_id == learner_id)
        return {r.skill_code: as_record(MasteryRecord, r) for r in self.s.scalars(q)}

    def for_learners(self, learner_ids: Sequence[str]) -> list[MasteryRecord]:
        if not learner_ids:
            return []
        # plain columns past the ORM's row loading: a class grid reads thousands of these on every view
        q = select(*_MASTERY_COLUMNS).where(t.MasteryRow.learner_id.in_(list(learner_ids)))
        return [MasteryRecord(*r) for r in self.s.connection().execute(q)]

    def shown_for_learners(self, learner_ids: Sequence[str]) -> list[tuple[str, str, float, int, int, datetime | None,
                                                                           str, float | None]]:
        """What pages show of each estimate, as (learner, skill, p_mastery, n_evidence, n_correct,
        last evidence time, explanation, uncertainty or None): the model's own state is left in
        the database but for its uncertainty, so a class of a thousand cells reads quickly."""
        if not learner_ids:
            return []
        M = t.MasteryRow
        q = select(M.learner_id, M.skill_code, M.p_mastery, M.n_evidence, M.n_correct, M.last_evidence_at,
                   M.explanation, M.state["uncertainty"].as_float()).where(M.learner_id.in_(list(learner_ids)))
        return [tuple(r) for r in self.s.connection().execute(q)]  # type: ignore[misc]

    def upsert(self, learner_id: str, skill_code: str, **values: Any) -> None:
        """Set one estimate: an update, and an insert when there was no row (an answer's
        mastery write, without reading the row first). A row this transaction holds as an
        object is changed in place, so the object and the database never disagree."""
        transaction_memo(self.s, MASTERY_NUMBERS).clear()
        held = held_object(self.s, t.MasteryRow, (learner_id, skill_code))
        if held is not None:
            for k, v in values.items():
                setattr(held, k, v)
            return
        M = t.MasteryRow.__table__
        done = self.s.connection().execute(
            update(M).where(M.c.learner_id == learner_id, M.c.skill_code == skill_code).values(**values))
        if done.rowcount == 0:
            self.s.connection().execute(insert(M).values(learner_id=learner_id, skill_code=skill_code, **values))

    def replace_for_learners(self, rows: Mapping[str, Iterable[dict[str, Any]]]) -> None:
        """Replace these learners' mastery rows with the given ones (by learner): one delete,
        one insert."""
        transaction_memo(self.s, MASTERY_NUMBERS).clear()
        if not rows:
            return
        self.s.execute(delete(t.MasteryRow).where(t.MasteryRow.learner_id.in_(list(rows))))
        flat = [dict(r, learner_id=lid) for lid, rs in rows.items() for r in rs]
        if flat:  # the table's insert: thousands of rows, no ORM objects to make
            self.s.connection().execute(insert(t.MasteryRow.__table__), flat)

    def insert_many(self, rows: Sequence[dict[str, Any]]) -> None:
        transaction_memo(self.s, MASTERY_NUMBERS).clear()
        if rows:
            self.s.connection().execute(insert(t.MasteryRow.__table__), list(rows))

    def delete_for_learners(self, learner_ids: Sequence[str]) -> None:
        transaction_memo(self.s, MASTERY_NUMBERS).clear()
        self.s.execute(delete(t.MasteryRow).where(t.MasteryRow.learner_id.in_(list(learner_ids))))


class ModelParamsRepository(_Repo):
    def active(self, model: str) -> ModelParamsRecord | None:
        q = select(t.ModelParamsRow).where(t.ModelParamsRow.model == model, t.ModelParamsRow.active.is_(True))
        row = self.s.scalar(q.order_by(t.ModelParamsRow.fitted_at.desc()))
        return None if row is None else as_record(ModelParamsRecord, row)

    def add_active(self, model: str, version: str, params: dict[str, Any], summary: dict[str, Any]) -> None:
        self.s.execute(update(t.ModelParamsRow).where(t.ModelParamsRow.model == model).values(active=False))
        self.s.add(t.ModelParamsRow(model=model, version=version, active=True, params=params, summary=summary))


AUDIT_PENDING = "audit_pending"  # AuditRepository.add_many's rows, written at commit


class AuditRepository(_Repo):
    def add(self, actor_id: str | None, action: str, learner_id: str | None, resource: str,
            detail: dict[str, Any] | None = None) -> None:
        self.s.add(t.AuditRow(actor_id=actor_id, action=action, learner_id=learner_id, resource=resource,
                              detail=detail or {}))

    def add_many(self, actor_id: str | None, action: str, learner_ids: Sequence[str], resource: str,
                 detail: dict[str, Any] | None = None) -> None:
        """The same audit row for each learner (a class read by its teacher), written in one
        statement when the unit of work commits (``write_pending``): a read that is audited
        takes no write lock while it works (SQLite has one for the whole database), only for
        the moment of its commit. A rolled-back read writes none."""
        if learner_ids:
            self.s.info.setdefault(AUDIT_PENDING, []).extend(
                {"actor_id": actor_id, "action": action, "learner_id": lid, "resource": resource,
                 "detail": detail or {}} for lid in learner_ids)

    def write_pending(self) -> None:
        """Write the rows ``add_many`` kept (the unit of work calls this as it commits)."""
        rows = self.s.info.pop(AUDIT_PENDING, None)
        if rows:
            self.s.execute(insert(t.AuditRow), rows)

    def recent(self, learner_id: str | None = None, limit: int = 100) -> list[AuditRecord]:
        self.write_pending()  # what this transaction audited is part of the trail it reads
        q = select(t.AuditRow)
        if learner_id is not None:
            q = q.where(t.AuditRow.learner_id == learner_id)
        return [as_record(AuditRecord, r) for r in self.s.scalars(q.order_by(t.AuditRow.id.desc()).limit(limit))]


class SessionRepository(_Repo):
    def add(self, session_hash: str, user_id: str, csrf_token: str, now: datetime) -> None:
        self.s.add(t.WebSessionRow(id=session_hash, user_id=user_id, csrf_token=csrf_token, created_at=now,
                                   last_seen_at=now))

    def get(self, session_hash: str) -> WebSessionRecord | None:
        row = self.s.get(t.WebSessionRow, session_hash)
        return None if row is None else as_record(WebSessionRecord, row)

    def with_user(self, session_hash: str) -> tuple[WebSessionRecord, User | None] | None:
        """The session and its user in one statement (every signed-in page asks this)."""
        W = t.WebSessionRow.__table__.c
        found = self.s.connection().execute(
            select(W.id, W.user_id, W.csrf_token, W.created_at, W.last_seen_at, W.revoked_at, *_USER_COLUMNS)
            .select_from(t.WebSessionRow.__table__.outerjoin(t.UserRow.__table__, _USER.id == W.user_id))
            .where(W.id == session_hash)).first()
        if found is None:
            return None
        return WebSessionRecord(*found[:6]), _user_of(found[6:])

    def touch(self, session_hash: str, now: datetime) -> None:
        self.s.execute(update(t.WebSessionRow).where(t.WebSessionRow.id == session_hash).values(last_seen_at=now))

    def revoke(self, session_hash: str, now: datetime) -> None:
        self.s.execute(update(t.WebSessionRow).where(t.WebSessionRow.id == session_hash).values(revoked_at=now))

    def revoke_all(self, user_id: str, now: datetime) -> None:
        self.s.execute(update(t.WebSessionRow).where(t.WebSessionRow.user_id == user_id,
                                                     t.WebSessionRow.revoked_at.is_(None)).values(revoked_at=now))


class TokenRepository(_Repo):
    def add(self, token_id: str, user_id: str, name: str, token_hash: str, scopes: list[str],
            created_at: datetime, expires_at: datetime) -> None:
        self.s.add(t.ApiTokenRow(id=token_id, user_id=user_id, name=name, token_hash=token_hash, scopes=scopes,
                                 created_at=created_at, expires_at=expires_at))

    def revoke_all(self, user_id: str, now: datetime) -> None:
        self.s.execute(update(t.ApiTokenRow).where(t.ApiTokenRow.user_id == user_id,
                                                   t.ApiTokenRow.revoked_at.is_(None)).values(revoked_at=now))

    def with_user(self, token_hash: str) -> tuple[TokenRecord, User | None] | None:
        """The token and its user in one statement (every API request asks this)."""
        A = t.ApiTokenRow.__table__.c
        found = self.s.connection().execute(
            select(A.id, A.user_id, A.name, A.token_hash, A.scopes, A.created_at, A.last_used_at, A.revoked_at,
                   A.expires_at, *_USER_COLUMNS)
            .select_from(t.ApiTokenRow.__table__.outerjoin(t.UserRow.__table__, _USER.id == A.user_id))
            .where(A.token_hash == token_hash)).first()
        if found is None:
            return None
        return TokenRecord(*found[:9]), _user_of(found[9:])

    def mark_used(self, token_id: str, now: datetime) -> None:
        self.s.execute(update(t.ApiTokenRow).where(t.ApiTokenRow.id == token_id).values(last_used_at=now))

    def revoke(self, token_id: str, now: datetime) -> None:
        self.s.execute(update(t.ApiTokenRow).where(t.ApiTokenRow.id == token_id).values(revoked_at=now))

    def for_user(self, user_id: str) -> list[TokenRecord]:
        return [as_record(TokenRecord, r)
                for r in self.s.scalars(select(t.ApiTokenRow).where(t.ApiTokenRow.user_id == user_id))]


class LoginThrottleRepository(_Repo):
    """Failure counts of sign-in clients under opaque keys (keyed hashes made by services.auth)."""

    def blocked_until(self, keys: Sequence[str]) -> datetime | None:
        """The latest time any of these clients must wait until, or None."""
        T = t.LoginThrottleRow
        return self.s.scalar(select(func.max(T.blocked_until)).where(T.key.in_(list(keys))))

    def add_failure(self, key: str, now: datetime, fresh_before: datetime) -> int:
        """Count one failure for ``key`` and return its count; a count whose last failure came
        before ``fresh_before`` starts again at one. Safe when several workers count at once."""
        T = t.LoginThrottleRow
        self.s.execute(_insert_ignoring_duplicates(self.s, T.__table__).values(key=key, failures=0, last_failure_at=now))
        counted = case((T.last_failure_at < fresh_before, 1), else_=T.failures + 1)
        return int(self.s.scalar(update(T).where(T.key == key).values(failures=counted, last_failure_at=now)
                                 .returning(T.failures)) or 1)

    def block(self, key: str, until: datetime) -> None:
        T = t.LoginThrottleRow
        self.s.execute(update(T).where(T.key == key).values(blocked_until=until))

    def clear(self, key: str) -> None:
        self.s.execute(delete(t.LoginThrottleRow).where(t.LoginThrottleRow.key == key))

    def prune(self, now: datetime, fresh_before: datetime) -> None:
        """Forget clients that are not waiting and whose failures are stale."""
        T = t.LoginThrottleRow
        self.s.execute(delete(T).where(T.last_failure_at < fresh_before,
                                       (T.blocked_until.is_(None)) | (T.blocked_until < now)))


