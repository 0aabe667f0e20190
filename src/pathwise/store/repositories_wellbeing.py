"""Repository of well-being check-ins (``tables_wellbeing``): the school's well-being staff,
each student's settings, their check-ins and the requests to talk made with them.

Like ``store.repositories``: rows never leave; each method returns plain values. Deleting a
check-in deletes its request to talk in the same statement batch, so nothing of it is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from pathwise.store import tables_wellbeing as tw
from pathwise.store.repositories import _Repo


@dataclass(frozen=True, slots=True)
class WellbeingSettings:
    learner_id: str
    enabled: bool
    share_staff: bool
    share_guardians: bool


@dataclass(frozen=True, slots=True)
class CheckinRecord:
    id: int
    learner_id: str
    school_id: str
    at: datetime
    mood: int | None
    energy: int | None
    confidence: int | None
    wants_talk: bool


@dataclass(frozen=True, slots=True)
class TalkRecord:
    id: int
    learner_id: str
    checkin_id: int
    school_id: str
    note: str
    asked_at: datetime
    status: str  # open | seen | followed_up
    handled_by: str | None
    handled_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def _checkin(r: tw.WellbeingCheckinRow) -> CheckinRecord:
    return CheckinRecord(r.id, r.learner_id, r.school_id, r.at, r.mood, r.energy, r.confidence, bool(r.wants_talk))


def _talk(r: tw.WellbeingTalkRow) -> TalkRecord:
    return TalkRecord(r.id, r.learner_id, r.checkin_id, r.school_id, r.note, r.asked_at, r.status, r.handled_by,
                      r.handled_at)


class WellbeingRepository(_Repo):
    # -- the school's well-being staff -------------------------------------------------------------

    def is_staff(self, user_id: str, school_id: str) -> bool:
        S = tw.WellbeingStaffRow
        return self.s.scalar(select(func.count()).select_from(S).where(S.user_id == user_id,
                                                                       S.school_id == school_id)) == 1

    def staff_of(self, school_id: str) -> list[str]:
        S = tw.WellbeingStaffRow
        return list(self.s.scalars(select(S.user_id).where(S.school_id == school_id).order_by(S.user_id)))

    def designate(self, user_id: str, school_id: str, by: str | None, at: datetime) -> bool:
        """False when the user already is staff."""
        if self.s.get(tw.WellbeingStaffRow, user_id) is not None:
            return False
        self.s.add(tw.WellbeingStaffRow(user_id=user_id, school_id=school_id, designated_by=by, designated_at=at))
        self.s.flush()
        return True

    def undesignate(self, user_id: str, school_id: str) -> bool:
        S = tw.WellbeingStaffRow
        n = self.s.execute(delete(S).where(S.user_id == user_id, S.school_id == school_id)).rowcount
        self.s.flush()
        return bool(n)

    # -- a student's settings -----------------------------------------------------------------------

    def settings(self, learner_id: str) -> WellbeingSettings:
        row = self.s.get(tw.WellbeingSettingsRow, learner_id)
        if row is None:
            return WellbeingSettings(learner_id, False, False, False)
        return WellbeingSettings(learner_id, bool(row.enabled), bool(row.share_staff), bool(row.share_guardians))

    def save_settings(self, learner_id: str, school_id: str, enabled: bool, share_staff: bool,
                      share_guardians: bool, at: datetime) -> None:
        row = self.s.get(tw.WellbeingSettingsRow, learner_id)
        if row is None:
            row = tw.WellbeingSettingsRow(learner_id=learner_id, school_id=school_id)
            self.s.add(row)
        row.enabled, row.share_staff, row.share_guardians, row.updated_at = enabled, share_staff, share_guardians, at
        self.s.flush()

    # -- check-ins and requests to talk ---------------------------------------------------------

    def add_checkin(self, learner_id: str, school_id: str, at: datetime, mood: int | None, energy: int | None,
                    confidence: int | None, wants_talk: bool, note: str) -> int:
        row = tw.WellbeingCheckinRow(learner_id=learner_id, school_id=school_id, at=at, mood=mood, energy=energy,
                                     confidence=confidence, wants_talk=wants_talk)
        self.s.add(row)
        self.s.flush()
        if wants_talk:
            self.s.add(tw.WellbeingTalkRow(learner_id=learner_id, checkin_id=row.id, school_id=school_id, note=note,
                                           asked_at=at, status="open"))
            self.s.flush()
        return row.id

    def checkins_of(self, learner_id: str, limit: int = 200) -> list[CheckinRecord]:
        """Newest first."""
        C = tw.WellbeingCheckinRow
        q = select(C).where(C.learner_id == learner_id).order_by(C.at.desc(), C.id.desc()).limit(limit)
        return [_checkin(r) for r in self.s.scalars(q)]

    def get_checkin(self, checkin_id: int) -> CheckinRecord | None:
        row = self.s.get(tw.WellbeingCheckinRow, checkin_id)
        return None if row is None else _checkin(row)

    def delete_checkins(self, learner_id: str, checkin_ids: Sequence[int] | None = None) -> int:
        """Delete the learner's check-ins (the given ones, or all) with their requests to talk;
        the number of check-ins deleted."""
        C, T = tw.WellbeingCheckinRow, tw.WellbeingTalkRow
        tq = delete(T).where(T.learner_id == learner_id)
        cq = delete(C).where(C.learner_id == learner_id)
        if checkin_ids is not None:
            ids = list(checkin_ids)
            tq, cq = tq.where(T.checkin_id.in_(ids)), cq.where(C.id.in_(ids))
        self.s.execute(tq)
        n = self.s.execute(cq).rowcount or 0
        self.s.flush()
        return n

    def talk_requests_of(self, learner_id: str) -> list[TalkRecord]:
        T = tw.WellbeingTalkRow
        q = select(T).where(T.learner_id == learner_id).order_by(T.asked_at.desc(), T.id.desc())
        return [_talk(r) for r in self.s.scalars(q)]

    def talk_requests_in(self, school_id: str, open_only: bool = True, limit: int = 200) -> list[TalkRecord]:
        """The school's requests to talk, newest first (only the open ones by default)."""
        T = tw.WellbeingTalkRow
        q = select(T).where(T.school_id == school_id)
        if open_only:
            q = q.where(T.status == "open")
        return [_talk(r) for r in self.s.scalars(q.order_by(T.asked_at.desc(), T.id.desc()).limit(limit))]

    def get_talk(self, request_id: int) -> TalkRecord | None:
        row = self.s.get(tw.WellbeingTalkRow, request_id)
        return None if row is None else _talk(row)

    def handle_talk(self, request_id: int, status: str, by: str | None, at: datetime) -> None:
        row = self.s.get(tw.WellbeingTalkRow, request_id)
        if row is not None:
            row.status, row.handled_by, row.handled_at = status, by, at
            self.s.flush()

    def sharing_with_staff(self, school_id: str) -> list[str]:
        """The school's students who share their check-in history with the well-being staff."""
        S = tw.WellbeingSettingsRow
        return list(self.s.scalars(select(S.learner_id).where(S.school_id == school_id, S.share_staff.is_(True))
                                   .order_by(S.learner_id)))
