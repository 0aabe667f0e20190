"""What the pages' forms share: reading a typed value into what a use case takes."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pathwise.services.errors import Invalid
from pathwise.web.pages.timefmt import local_to_utc, zone


def form_datetime(text: str, what: str, tz: ZoneInfo | None = None) -> datetime | None:
    """A date and time typed in a form (``datetime-local``: a wall-clock time in the school's
    zone ``tz``, UTC when none is given), as the UTC instant the use cases take; None when
    left empty; a clear refusal naming ``what`` ("opening", "closing") otherwise."""
    if not text.strip():
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"the {what} date is not a date and time", "window") from None
    return local_to_utc(dt, tz or zone("UTC"))
