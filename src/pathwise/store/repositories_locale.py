"""Repository of the languages pages are drawn in: each account's chosen language and its
school's default.

Plain reads and writes of two nullable columns (``users.locale``, ``schools.locale``); which
codes are allowed and who may change them is the services' business.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pathwise.store import tables as t


class LocaleRepository:
    def __init__(self, session: Session) -> None:
        self.s = session

    def of_user(self, user_id: str) -> tuple[str | None, str | None] | None:
        """(the account's language, its school's default language), or None for no such user."""
        q = (select(t.UserRow.locale, t.SchoolRow.locale)
             .join(t.SchoolRow, t.SchoolRow.id == t.UserRow.school_id)
             .where(t.UserRow.id == user_id))
        row = self.s.execute(q).first()
        return None if row is None else (row[0], row[1])

    def of_school(self, school_id: str) -> str | None:
        return self.s.execute(select(t.SchoolRow.locale).where(t.SchoolRow.id == school_id)).scalar_one_or_none()

    def set_user(self, user_id: str, locale: str | None) -> None:
        self.s.execute(update(t.UserRow).where(t.UserRow.id == user_id).values(locale=locale))

    def set_school(self, school_id: str, locale: str | None) -> None:
        self.s.execute(update(t.SchoolRow).where(t.SchoolRow.id == school_id).values(locale=locale))
