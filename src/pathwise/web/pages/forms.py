"""What the pages' forms share: reading a typed value into what a use case takes."""

from __future__ import annotations

from datetime import UTC, datetime

from pathwise.services.errors import Invalid


def form_datetime(text: str, what: str) -> datetime | None:
    """A date and time typed in a form (``datetime-local``: no zone means UTC); None when
    left empty; a clear refusal naming ``what`` ("opening", "closing") otherwise."""
    if not text.strip():
        return None
    try:
        dt = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid(f"the {what} date is not a date and time", "window") from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt
