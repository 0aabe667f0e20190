"""Repositories of mentor designations, journal entries and mentor check-ins (``tables_mentoring``).

Like ``store.repositories``: rows never leave; each method returns plain values. No rule about
who may read what lives here (that is ``services.access``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from pathwise.store import tables_mentoring as tm
from pathwise.store.repositories import _Repo


@dataclass(frozen=True, slots=True)
class MentorLink:
    learner_id: str
    mentor_id: str
    school_id: str
    designated_by: str | None
    designated_at: datetime


@dataclass(frozen=True, slots=True)
class JournalRecord:
    id: int
    learner_id: str
    prompt: str
    ref_id: str | None
    helped: str
    next_try: str
    written_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    id: int
    learner_id: str
    mentor_id: str | None
    note: str
    next_step: str
    at: datetime
    reply: str | None
    replied_at: datetime | None


def _link(r: tm.MentorLinkRow) -> MentorLink:
    return MentorLink(r.learner_id, r.mentor_id, r.school_id, r.designated_by, r.designated_at)


def _entry(r: tm.JournalEntryRow) -> JournalRecord:
    return JournalRecord(r.id, r.learner_id, r.prompt, r.ref_id, r.helped, r.next_try, r.written_at, r.updated_at)


def _checkin(r: tm.MentorCheckinRow) -> CheckinRecord:
    return CheckinRecord(r.id, r.learner_id, r.mentor_id, r.note, r.next_step, r.at, r.reply, r.replied_at)


class MentoringRepository(_Repo):
    # -- designations -----------------------------------------------------------------------------

    def is_mentor(self, mentor_id: str, learner_id: str) -> bool:
        L = tm.MentorLinkRow
        q = select(L.id).where(L.mentor_id == mentor_id, L.learner_id == learner_id)
        return self.s.scalars(q).first() is not None

    def designate(self, school_id: str, learner_id: str, mentor_id: str, by: str | None, at: datetime) -> bool:
        """Store a designation; False when it was already there (nothing changes)."""
        if self.is_mentor(mentor_id, learner_id):
            return False
        try:
            with self.s.begin_nested():
                self.s.add(tm.MentorLinkRow(school_id=school_id, learner_id=learner_id, mentor_id=mentor_id,
                                            designated_by=by, designated_at=at))
                self.s.flush()
        except IntegrityError:  # another writer designated the same pair first
            return False
        return True

    def remove(self, learner_id: str, mentor_id: str) -> bool:
        L = tm.MentorLinkRow
        gone = self.s.execute(delete(L).where(L.learner_id == learner_id, L.mentor_id == mentor_id)).rowcount
        self.s.flush()
        return bool(gone)

    def mentors_of(self, learner_id: str) -> list[str]:
        L = tm.MentorLinkRow
        return list(self.s.scalars(select(L.mentor_id).where(L.learner_id == learner_id).order_by(L.id)))

    def mentees_of(self, mentor_id: str) -> list[str]:
        L = tm.MentorLinkRow
        return list(self.s.scalars(select(L.learner_id).where(L.mentor_id == mentor_id).order_by(L.id)))

    def in_school(self, school_id: str) -> list[MentorLink]:
        L = tm.MentorLinkRow
        return [_link(r) for r in self.s.scalars(select(L).where(L.school_id == school_id).order_by(L.id))]

    # -- the journal ------------------------------------------------------------------------------

    def add_entry(self, school_id: str, learner_id: str, prompt: str, ref_id: str | None, helped: str,
                  next_try: str, at: datetime) -> int:
        row = tm.JournalEntryRow(school_id=school_id, learner_id=learner_id, prompt=prompt, ref_id=ref_id,
                                 helped=helped, next_try=next_try, written_at=at, updated_at=at)
        self.s.add(row)
        self.s.flush()
        return row.id

    def entry(self, entry_id: int) -> JournalRecord | None:
        row = self.s.get(tm.JournalEntryRow, entry_id)
        return None if row is None else _entry(row)

    def update_entry(self, entry_id: int, helped: str, next_try: str, at: datetime) -> None:
        row = self.s.get(tm.JournalEntryRow, entry_id)
        if row is not None:
            row.helped, row.next_try, row.updated_at = helped, next_try, at
            self.s.flush()

    def delete_entry(self, entry_id: int) -> bool:
        J = tm.JournalEntryRow
        gone = self.s.execute(delete(J).where(J.id == entry_id)).rowcount
        self.s.flush()
        return bool(gone)

    def entries(self, learner_id: str) -> list[JournalRecord]:
        """A learner's journal, newest first."""
        J = tm.JournalEntryRow
        q = select(J).where(J.learner_id == learner_id).order_by(J.written_at.desc(), J.id.desc())
        return [_entry(r) for r in self.s.scalars(q)]

    def written_since(self, learner_id: str, since: datetime) -> bool:
        J = tm.JournalEntryRow
        q = select(J.id).where(J.learner_id == learner_id, J.written_at >= since)
        return self.s.scalars(q).first() is not None

    # -- check-ins --------------------------------------------------------------------------------

    def add_checkin(self, school_id: str, learner_id: str, mentor_id: str | None, note: str, next_step: str,
                    at: datetime) -> int:
        row = tm.MentorCheckinRow(school_id=school_id, learner_id=learner_id, mentor_id=mentor_id, note=note,
                                  next_step=next_step, at=at)
        self.s.add(row)
        self.s.flush()
        return row.id

    def checkin(self, checkin_id: int) -> CheckinRecord | None:
        row = self.s.get(tm.MentorCheckinRow, checkin_id)
        return None if row is None else _checkin(row)

    def reply(self, checkin_id: int, reply: str, at: datetime) -> None:
        row = self.s.get(tm.MentorCheckinRow, checkin_id)
        if row is not None:
            row.reply, row.replied_at = reply, at
            self.s.flush()

    def checkins(self, learner_id: str) -> list[CheckinRecord]:
        """A learner's check-ins, newest first."""
        C = tm.MentorCheckinRow
        q = select(C).where(C.learner_id == learner_id).order_by(C.at.desc(), C.id.desc())
        return [_checkin(r) for r in self.s.scalars(q)]
