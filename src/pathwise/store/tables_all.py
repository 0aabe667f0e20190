"""Imports every module that declares tables, so ``Base.metadata`` knows them all.

Each area of the store that adds tables adds its module here (one line) and a
migration of its own in ``migrations/versions`` (a branch from ``0001``; the
database is upgraded to all heads).
"""

from pathwise.store import tables  # noqa: F401
from pathwise.store import tables_interop  # noqa: F401
from pathwise.store import tables_xapi  # noqa: F401
from pathwise.store import tables_practice  # noqa: F401
from pathwise.store import tables_paths  # noqa: F401
from pathwise.store import tables_kt  # noqa: F401
from pathwise.store import tables_handins  # noqa: F401
from pathwise.store import tables_groups  # noqa: F401
from pathwise.store import tables_agency  # noqa: F401
from pathwise.store import tables_messages  # noqa: F401
from pathwise.store import tables_wellbeing  # noqa: F401
from pathwise.store import tables_mentoring  # noqa: F401
from pathwise.store import tables_goals  # noqa: F401
from pathwise.store import tables_survey  # noqa: F401
from pathwise.store import tables_experiments  # noqa: F401
