"""Repository of messages between guardians and teachers, read marks and sent digests
(``tables_messages``).

Like ``store.repositories``: rows never leave; each method returns domain values or plain
tuples. Who may see which thread is the services' business (``services.messages``); the
reads here take the already-decided scope (a guardian's own threads about children still
linked to them, the threads about the students a teacher teaches).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from pathwise.domain.messages import Message, Thread
from pathwise.store import tables as t
from pathwise.store import tables_messages as tm
from pathwise.store.repositories import _Repo

T, M, R = tm.MessageThreadRow, tm.MessageRow, tm.MessageReadRow


def _taught_learners(teacher_id: str):  # type: ignore[no-untyped-def]
    """The ids of the students in the classes a teacher teaches (a subquery)."""
    teach, learn = aliased(t.EnrollmentRow), aliased(t.EnrollmentRow)
    return (select(learn.user_id)
            .join(teach, teach.section_id == learn.section_id)
            .where(teach.user_id == teacher_id, teach.role == "teacher", learn.role == "student"))


def _linked_children(guardian_id: str):  # type: ignore[no-untyped-def]
    G = t.GuardianLinkRow
    return select(G.student_id).where(G.guardian_id == guardian_id)


def _unread_clause(reader_id: str):  # type: ignore[no-untyped-def]
    """True for a thread holding a message by someone other than ``reader_id`` newer than the
    reader's read mark (``domain.messages.is_unread`` in SQL)."""
    mark = (select(R.read_upto).where(R.thread_id == T.id, R.user_id == reader_id)
            .correlate(T).scalar_subquery())
    return exists(select(M.id).where(
        M.thread_id == T.id,
        (M.author_id != reader_id) | M.author_id.is_(None),
        M.id > func.coalesce(mark, 0),
    ).correlate(T))


class MessageRepository(_Repo):
    # -- writing --------------------------------------------------------------------------------

    def add_thread(self, thread_id: str, school_id: str, learner_id: str, guardian_id: str, subject: str,
                   at: datetime) -> None:
        self.s.add(T(id=thread_id, school_id=school_id, learner_id=learner_id, guardian_id=guardian_id,
                     subject=subject, started_at=at, last_message_at=at))
        self.s.flush()

    def add_message(self, thread_id: str, author_id: str, author_role: str, body: str, at: datetime) -> int:
        row = M(thread_id=thread_id, author_id=author_id, author_role=author_role, body=body, sent_at=at)
        self.s.add(row)
        thread = self.s.get(T, thread_id)
        if thread is not None:
            thread.last_message_at = at
        self.s.flush()
        return row.id

    def mark_read(self, thread_id: str, user_id: str, upto: int, at: datetime) -> None:
        """The reader has seen the thread up to message ``upto`` (never moves backwards)."""
        row = self.s.get(R, (thread_id, user_id))
        if row is None:
            self.s.add(R(thread_id=thread_id, user_id=user_id, read_upto=upto, read_at=at))
        elif upto > row.read_upto:
            row.read_upto, row.read_at = upto, at
        self.s.flush()

    # -- reading --------------------------------------------------------------------------------

    def _threads(self, where: Sequence[object], reader_id: str, limit: int | None = None) -> list[Thread]:
        L, G = aliased(t.UserRow), aliased(t.UserRow)
        n = select(func.count(M.id)).where(M.thread_id == T.id).correlate(T).scalar_subquery()
        q = (select(T, L.display_name, G.display_name, n, _unread_clause(reader_id))
             .join(L, L.id == T.learner_id).join(G, G.id == T.guardian_id)
             .where(*where)  # type: ignore[arg-type]
             .order_by(T.last_message_at.desc(), T.id))
        if limit is not None:
            q = q.limit(limit)
        return [Thread(r.id, r.school_id, r.learner_id, lname, r.guardian_id, gname, r.subject, r.started_at,
                       r.last_message_at, int(count or 0), bool(unread))
                for r, lname, gname, count, unread in self.s.execute(q)]

    def thread(self, thread_id: str, reader_id: str) -> Thread | None:
        found = self._threads([T.id == thread_id], reader_id)
        return found[0] if found else None

    def guardian_threads(self, guardian_id: str, learner_id: str | None = None) -> list[Thread]:
        """The guardian's own threads about children still linked to them (one child, or all)."""
        where = [T.guardian_id == guardian_id, T.learner_id.in_(_linked_children(guardian_id))]
        if learner_id is not None:
            where.append(T.learner_id == learner_id)
        return self._threads(where, guardian_id)

    def teacher_threads(self, teacher_id: str, school_id: str) -> list[Thread]:
        """Threads about the students of the classes the teacher teaches, in the teacher's school."""
        return self._threads([T.school_id == school_id, T.learner_id.in_(_taught_learners(teacher_id))], teacher_id)

    def messages(self, thread_id: str) -> list[Message]:
        U = aliased(t.UserRow)
        q = (select(M, U.display_name).outerjoin(U, U.id == M.author_id)
             .where(M.thread_id == thread_id).order_by(M.id))
        return [Message(m.id, m.thread_id, m.author_id, name or "A former member of staff", m.author_role, m.body,
                        m.sent_at) for m, name in self.s.execute(q)]

    def read_marks(self, user_id: str) -> dict[str, int]:
        """{thread id: the newest message id seen} for one reader."""
        return {tid: upto for tid, upto in self.s.execute(select(R.thread_id, R.read_upto).where(R.user_id == user_id))}

    def unread_count(self, user_id: str, role: str, school_id: str | None) -> int:
        """How many threads in the person's scope are unread for them, in one query."""
        if role == "guardian":
            scope = and_(T.guardian_id == user_id, T.learner_id.in_(_linked_children(user_id)))
        elif role == "teacher":
            scope = and_(T.school_id == (school_id or ""), T.learner_id.in_(_taught_learners(user_id)))
        else:
            return 0
        return int(self.s.scalar(select(func.count(T.id)).where(scope, _unread_clause(user_id))) or 0)

    def unread_by_learner(self, guardian_id: str) -> dict[str, int]:
        """{child id: unread threads} of a guardian's own threads (for the digest)."""
        q = (select(T.learner_id, func.count(T.id))
             .where(T.guardian_id == guardian_id, T.learner_id.in_(_linked_children(guardian_id)),
                    _unread_clause(guardian_id))
             .group_by(T.learner_id))
        return {lid: int(n) for lid, n in self.s.execute(q)}

    # -- the weekly digest ----------------------------------------------------------------------

    def guardians(self, school_id: str | None = None) -> list[tuple[str, str, str, str | None]]:
        """(id, school id, name, e-mail) of every active guardian with at least one linked child."""
        U, G = t.UserRow, t.GuardianLinkRow
        q = (select(U.id, U.school_id, U.display_name, U.email)
             .where(U.role == "guardian", U.active.is_(True), exists(select(G.student_id).where(G.guardian_id == U.id)))
             .order_by(U.school_id, U.id))
        if school_id is not None:
            q = q.where(U.school_id == school_id)
        return [(i, s, n, e) for i, s, n, e in self.s.execute(q)]

    def digest_sent(self, guardian_id: str, week: str) -> bool:
        return self.s.get(tm.DigestSentRow, (guardian_id, week)) is not None

    def record_digest(self, guardian_id: str, week: str, n_children: int, at: datetime) -> bool:
        """Record a digest as sent; False (and nothing written) when it already was."""
        if self.digest_sent(guardian_id, week):
            return False
        self.s.add(tm.DigestSentRow(guardian_id=guardian_id, week=week, n_children=n_children, sent_at=at))
        self.s.flush()
        return True
