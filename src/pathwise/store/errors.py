"""What the store tells the services when a write breaks a rule of the database.

Services never see SQLAlchemy: a repository turns the driver's errors into these.
"""

from __future__ import annotations


class StoreError(Exception):
    """The database refused a write or a read."""


class AlreadyStored(StoreError):
    """A row with this key (or a unique value) is already stored."""


class Unavailable(StoreError):
    """The database did not answer (the server is down or restarting, or SQLite stayed locked
    past its timeout). Nothing of the unit of work was kept; the same request may be sent
    again."""
