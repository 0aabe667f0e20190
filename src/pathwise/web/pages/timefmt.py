"""How a page says when something happened or will happen: in the school's time zone, and
relative where that reads better ("today, 14:05", "yesterday, 14:05", "Monday, 14:05",
"3 Dec, 14:05", "3 Dec 2025"; "tomorrow, 09:00" for what is coming).

Pure functions of an instant, a zone and "now": no clock, no database, no request. The
page renderer (``render.py``) binds them to the signed-in user's school zone as Jinja
filters. Words depend on calendar days in the zone, so they are right across daylight
saving changes (``zoneinfo``). A form's typed date and time is read in the zone by
``local_to_utc``. Nothing here decides what a time means (open, due, late): only how it reads.

Each function takes the page's language (``lang``, English by default, whose output is
exactly the English above); another language reads its day and month names, its date order
and its numbers from Babel's locale data (CLDR): "hoy, 14:05", "miércoles, 14:05", "3 dic".
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from markupsafe import Markup, escape

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTHS_LONG = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
               "October", "November", "December")
NEAR_DAYS = 6  # within this many days before or after today, a weekday name reads better than a date


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The zone of an IANA name; an unknown name falls back to UTC (the setting refuses unknown
    names, so this only keeps a page drawing when a stored value is no longer known)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _aware(dt: datetime) -> datetime:
    """A stored instant; a naive one is taken as UTC (the store writes UTC)."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def local(dt: datetime, tz: ZoneInfo) -> datetime:
    return _aware(dt).astimezone(tz)


@lru_cache(maxsize=16)
def _relative_days(lang: str) -> dict[int, str]:
    """The language's words for yesterday, today and tomorrow (CLDR's relative day fields)."""
    try:
        fields = Locale.parse(lang)._data["date_fields"]["day"]["relative"]  # noqa: SLF001 (no public accessor)
        return {k: str(fields[k]) for k in (-1, 0, 1)}
    except (UnknownLocaleError, KeyError, ValueError, TypeError):
        return {-1: "yesterday", 0: "today", 1: "tomorrow"}


def _day_words_in(d: date, today: date, lang: str) -> tuple[str, bool]:
    delta = (d - today).days
    if delta in (-1, 0, 1):
        return _relative_days(lang)[delta], True
    if -NEAR_DAYS <= delta <= NEAR_DAYS:
        return babel_dates.format_date(d, "EEEE", locale=lang), True
    if d.year == today.year:
        return babel_dates.format_skeleton("dMMM", d, locale=lang), False
    return babel_dates.format_skeleton("yMMMd", d, locale=lang), False


def _day_words(d: date, today: date, lang: str = "en") -> tuple[str, bool]:
    """(words for the day, whether they are relative to today)."""
    if lang != "en":
        return _day_words_in(d, today, lang)
    delta = (d - today).days
    if delta == 0:
        return "today", True
    if delta == -1:
        return "yesterday", True
    if delta == 1:
        return "tomorrow", True
    if -NEAR_DAYS <= delta <= NEAR_DAYS:
        return WEEKDAYS[d.weekday()], True
    if d.year == today.year:
        return f"{d.day} {MONTHS[d.month - 1]}", False
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}", False


def when_text(dt: datetime, tz: ZoneInfo, now: datetime, lang: str = "en") -> str:
    """A moment in words: "today, 14:05", "yesterday, 14:05", "Monday, 14:05" (the last or the
    next six days), "3 Dec, 14:05" (this year), "3 Dec 2025" (another year)."""
    at, today = local(dt, tz), local(now, tz).date()
    words, relative = _day_words(at.date(), today, lang)
    if relative or at.year == today.year:
        return f"{words}, {at:%H:%M}"
    return words


def day_text(d: date | datetime, tz: ZoneInfo, now: datetime, lang: str = "en") -> str:
    """A day in words: "today", "yesterday", "tomorrow", "Monday", "3 Dec", "3 Dec 2025". A
    datetime is first put in the zone; a plain date is a calendar day as it is."""
    day = local(d, tz).date() if isinstance(d, datetime) else d
    return _day_words(day, local(now, tz).date(), lang)[0]


def _calendar_day(d: date, year: bool, lang: str) -> str:
    if lang != "en":
        return babel_dates.format_skeleton("yMMMd" if year else "dMMM", d, locale=lang)
    return f"{d.day} {MONTHS[d.month - 1]}" + (f" {d.year}" if year else "")


def _span_ends(first: date | datetime, last: date | datetime, tz: ZoneInfo, now: datetime,
               lang: str) -> tuple[str, str]:
    a = local(first, tz).date() if isinstance(first, datetime) else first
    b = local(last, tz).date() if isinstance(last, datetime) else last
    year = not (a.year == b.year == local(now, tz).date().year)
    return _calendar_day(a, year, lang), _calendar_day(b, year, lang)


def span_text(first: date | datetime, last: date | datetime, tz: ZoneInfo, now: datetime,
              lang: str = "en") -> str:
    """A period of days, both ends as calendar days: "1 Dec – 31 Dec" (this year), "1 Dec 2026 –
    10 Jan 2027" (across years or another year). Never "today – 31 Dec": a period read with
    one end relative and the other absolute is hard to take in at a glance."""
    return " – ".join(_span_ends(first, last, tz, now, lang))


def span_html(first: date | datetime | None, last: date | datetime | None, tz: ZoneInfo, now: datetime,
              empty: str = "—", *, lang: str = "en") -> Markup:
    """``span_text`` with each end in a ``<time>`` whose title is the full day."""
    if first is None or last is None:
        return escape(empty)
    words = _span_ends(first, last, tz, now, lang)
    ends = [Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso_instant(d) if isinstance(d, datetime) else d.isoformat(), full_day_text(d, tz, lang), w)
        for d, w in zip((first, last), words, strict=True)]
    return Markup("{} – {}").format(*ends)


def full_text(dt: datetime, tz: ZoneInfo, lang: str = "en") -> str:
    """The whole moment, for a tooltip: "Wednesday 3 December 2025, 14:05 (Europe/London)"."""
    at = local(dt, tz)
    if lang != "en":
        return f"{babel_dates.format_date(at.date(), 'full', locale=lang)}, {at:%H:%M} ({tz.key})"
    return f"{WEEKDAYS[at.weekday()]} {at.day} {MONTHS_LONG[at.month - 1]} {at.year}, {at:%H:%M} ({tz.key})"


def full_day_text(d: date | datetime, tz: ZoneInfo, lang: str = "en") -> str:
    day = local(d, tz).date() if isinstance(d, datetime) else d
    if lang != "en":
        return babel_dates.format_date(day, "full", locale=lang)
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS_LONG[day.month - 1]} {day.year}"


def clock_text(dt: datetime, tz: ZoneInfo) -> str:
    """Only the time of day in the zone: "14:05"."""
    return f"{local(dt, tz):%H:%M}"


def iso_instant(dt: datetime) -> str:
    """The instant for ``<time datetime>``: UTC, ISO 8601, whatever zone the page speaks."""
    return _aware(dt).astimezone(UTC).isoformat()


def when_html(dt: datetime | None, tz: ZoneInfo, now: datetime, empty: str = "never", *,
              lang: str = "en") -> Markup:
    """``<time>`` with the ISO instant, the full date and zone as its title, and the words."""
    if dt is None:
        return escape(empty)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso_instant(dt), full_text(dt, tz, lang), when_text(dt, tz, now, lang))


def day_html(d: date | datetime | None, tz: ZoneInfo, now: datetime, empty: str = "—", *,
             lang: str = "en") -> Markup:
    if d is None:
        return escape(empty)
    stamp = iso_instant(d) if isinstance(d, datetime) else d.isoformat()
    title = full_day_text(d, tz, lang) + (f" ({tz.key})" if isinstance(d, datetime) else "")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(stamp, title, day_text(d, tz, now, lang))


def clock_html(dt: datetime | None, tz: ZoneInfo, empty: str = "—", *, lang: str = "en") -> Markup:
    if dt is None:
        return escape(empty)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        iso_instant(dt), full_text(dt, tz, lang), clock_text(dt, tz))


def number_text(n: float | int | None, lang: str = "en", *, trim: bool = False) -> str:
    """A number as the language writes it ("1234.5"; "1.234,5" in Spanish). English keeps what
    the pages showed before: the number as Python prints it, or with ``trim`` as ``%g`` does
    ("2" for 2.0); other languages drop a fractional part of zero anyway."""
    if n is None:
        return ""
    if lang == "en":
        return f"{n:g}" if trim else str(n)
    return babel_numbers.format_decimal(n, locale=lang)


def percent_text(n: float | int | None, lang: str = "en") -> str:
    """A whole percent as the language writes it ("72%"; "72 %" in Spanish)."""
    if n is None:
        return ""
    if lang == "en":
        return f"{n}%"
    return babel_numbers.format_percent(float(n) / 100, locale=lang)


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time typed in the zone, as a UTC instant. A time that happens twice (the
    hour the clocks go back) is the first of the two; a time that does not happen (the hour
    the clocks go forward) is read with the offset from before the change, so it lands just
    after it, as a wall clock moved forward would show. An aware time keeps its instant."""
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def now_in(tz: ZoneInfo, now: datetime) -> datetime:
    return local(now, tz)


__all__ = ["clock_html", "clock_text", "day_html", "day_text", "full_text", "iso_instant", "local",
           "local_to_utc", "now_in", "number_text", "percent_text", "when_html", "when_text", "zone"]
