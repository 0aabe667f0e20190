"""How pages say when: the school's zone, relative words near today, DST-safe; the typed
time of a form read in the zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.web.pages import timefmt
from pathwise.web.pages.forms import form_datetime
from pathwise.services.errors import Invalid

LONDON = timefmt.zone("Europe/London")
NEW_YORK = timefmt.zone("America/New_York")
AUCKLAND = timefmt.zone("Pacific/Auckland")
UTC_ZONE = timefmt.zone("UTC")
# Wednesday 3 December 2025, 18:00 UTC (18:00 in London, 13:00 in New York)
NOW = datetime(2025, 12, 3, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(("at", "words"), [
    (datetime(2025, 12, 3, 14, 5, tzinfo=UTC), "today, 14:05"),
    (datetime(2025, 12, 2, 14, 5, tzinfo=UTC), "yesterday, 14:05"),
    (datetime(2025, 12, 4, 9, 0, tzinfo=UTC), "tomorrow, 09:00"),
    (datetime(2025, 12, 1, 14, 5, tzinfo=UTC), "Monday, 14:05"),
    (datetime(2025, 11, 27, 8, 30, tzinfo=UTC), "Thursday, 08:30"),  # six days back
    (datetime(2025, 11, 26, 8, 30, tzinfo=UTC), "26 Nov, 08:30"),  # seven: a date
    (datetime(2025, 12, 9, 9, 0, tzinfo=UTC), "Tuesday, 09:00"),  # six days ahead
    (datetime(2025, 12, 10, 9, 0, tzinfo=UTC), "10 Dec, 09:00"),
    (datetime(2025, 3, 3, 14, 5, tzinfo=UTC), "3 Mar, 14:05"),
    (datetime(2024, 12, 3, 14, 5, tzinfo=UTC), "3 Dec 2024"),
    (datetime(2026, 1, 20, 14, 5, tzinfo=UTC), "20 Jan 2026"),
])
def test_when_reads_relative_near_today(at: datetime, words: str) -> None:
    assert timefmt.when_text(at, LONDON, NOW) == words


def test_the_day_and_the_clock_are_the_schools() -> None:
    # 02:30 UTC on Thursday is 21:30 on Wednesday in New York: "today", not "tomorrow"
    at = datetime(2025, 12, 4, 2, 30, tzinfo=UTC)
    assert timefmt.when_text(at, NEW_YORK, NOW) == "today, 21:30"
    assert timefmt.when_text(at, LONDON, NOW) == "tomorrow, 02:30"
    # Auckland is already on Thursday 4 December (07:00): what was "today" in London is "yesterday"
    assert timefmt.when_text(datetime(2025, 12, 3, 9, 0, tzinfo=UTC), LONDON, NOW) == "today, 09:00"
    assert timefmt.when_text(datetime(2025, 12, 3, 9, 0, tzinfo=UTC), AUCKLAND, NOW) == "yesterday, 22:00"
    assert timefmt.when_text(datetime(2025, 12, 3, 12, 0, tzinfo=UTC), AUCKLAND, NOW) == "today, 01:00"


def test_summer_time_is_followed() -> None:
    summer_now = datetime(2025, 7, 2, 12, 0, tzinfo=UTC)
    assert timefmt.when_text(datetime(2025, 7, 2, 8, 0, tzinfo=UTC), LONDON, summer_now) == "today, 09:00"
    assert timefmt.when_text(datetime(2025, 7, 2, 8, 0, tzinfo=UTC), UTC_ZONE, summer_now) == "today, 08:00"
    # across the change in spring: Sunday 30 March 2025, clocks go from 01:00 to 02:00
    after = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)
    assert timefmt.when_text(datetime(2025, 3, 30, 0, 30, tzinfo=UTC), LONDON, after) == "yesterday, 00:30"
    assert timefmt.when_text(datetime(2025, 3, 30, 1, 30, tzinfo=UTC), LONDON, after) == "yesterday, 02:30"


def test_day_words() -> None:
    assert timefmt.day_text(date(2025, 12, 3), LONDON, NOW) == "today"
    assert timefmt.day_text(date(2025, 12, 2), LONDON, NOW) == "yesterday"
    assert timefmt.day_text(date(2025, 12, 4), LONDON, NOW) == "tomorrow"
    assert timefmt.day_text(date(2025, 11, 29), LONDON, NOW) == "Saturday"
    assert timefmt.day_text(date(2025, 10, 1), LONDON, NOW) == "1 Oct"
    assert timefmt.day_text(date(2026, 10, 1), LONDON, NOW) == "1 Oct 2026"
    # a datetime is first put in the zone: 03:00 UTC Thursday is still Wednesday in New York
    assert timefmt.day_text(datetime(2025, 12, 4, 3, 0, tzinfo=UTC), NEW_YORK, NOW) == "today"


def test_a_period_reads_as_two_calendar_days_never_half_relative() -> None:
    """An experiment running from today to 31 December reads "3 Dec – 31 Dec", not "today –
    31 Dec"; a period crossing the year, or in another year, names the year on both ends."""
    start = datetime(2025, 12, 3, 0, 0, tzinfo=UTC)  # today, in London
    assert timefmt.span_text(start, date(2025, 12, 31), LONDON, NOW) == "3 Dec – 31 Dec"
    assert timefmt.span_text(start, date(2026, 1, 9), LONDON, NOW) == "3 Dec 2025 – 9 Jan 2026"
    assert timefmt.span_text(date(2026, 2, 1), date(2026, 2, 28), LONDON, NOW) == "1 Feb 2026 – 28 Feb 2026"
    assert timefmt.span_text(start, date(2025, 12, 31), LONDON, NOW, "es") == "3 dic – 31 dic"
    html = str(timefmt.span_html(start, date(2025, 12, 31), LONDON, NOW))
    assert html.count("<time ") == 2 and "today" not in html and "Wednesday 3 December 2025" in html
    assert str(timefmt.span_html(None, None, LONDON, NOW)) == "—"


def test_time_element_keeps_the_instant_and_names_the_zone() -> None:
    html = str(timefmt.when_html(datetime(2025, 12, 2, 14, 5, tzinfo=UTC), NEW_YORK, NOW))
    assert html == ('<time datetime="2025-12-02T14:05:00+00:00" title="Tuesday 2 December 2025, 09:05 '
                    '(America/New_York)">yesterday, 09:05</time>')
    assert str(timefmt.when_html(None, LONDON, NOW)) == "never"
    assert str(timefmt.day_html(None, LONDON, NOW)) == "—"
    day = str(timefmt.day_html(date(2025, 12, 1), LONDON, NOW))
    assert day == '<time datetime="2025-12-01" title="Monday 1 December 2025">Monday</time>'
    clock = str(timefmt.clock_html(datetime(2025, 7, 1, 13, 45, tzinfo=UTC), LONDON))
    assert ">14:45</time>" in clock and 'datetime="2025-07-01T13:45:00+00:00"' in clock


def test_a_naive_stored_time_is_utc_and_an_unknown_zone_is_utc() -> None:
    assert timefmt.when_text(datetime(2025, 12, 3, 14, 5), LONDON, NOW) == "today, 14:05"
    assert timefmt.zone("Mars/Olympus_Mons").key == "UTC"
    assert timefmt.zone("../etc/passwd").key == "UTC"


def test_typed_times_are_read_in_the_schools_zone() -> None:
    assert form_datetime("2025-07-01T09:00", "opening", LONDON) == datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    assert form_datetime("2025-12-01T09:00", "opening", LONDON) == datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    assert form_datetime("2025-12-01T09:00", "opening", NEW_YORK) == datetime(2025, 12, 1, 14, 0, tzinfo=UTC)
    assert form_datetime("2025-12-01T09:00", "opening") == datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    assert form_datetime("   ", "opening", LONDON) is None
    with pytest.raises(Invalid, match="the closing date is not a date and time"):
        form_datetime("next tuesday", "closing", LONDON)


def test_typed_times_at_the_clock_changes() -> None:
    # 01:30 on 26 October 2025 happens twice in London: the first (summer time) is meant
    assert timefmt.local_to_utc(datetime(2025, 10, 26, 1, 30), LONDON) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    # 01:30 on 30 March 2025 never happens in London: read as 02:30 summer time
    moved = timefmt.local_to_utc(datetime(2025, 3, 30, 1, 30), LONDON)
    assert moved == datetime(2025, 3, 30, 1, 30, tzinfo=UTC)
    assert timefmt.clock_text(moved, LONDON) == "02:30"


ZONES = st.sampled_from(["UTC", "Europe/London", "America/New_York", "Pacific/Auckland", "Asia/Kolkata",
                         "Australia/Lord_Howe", "America/St_Johns", "Pacific/Chatham", "Africa/Casablanca"])
INSTANTS = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC))
PATTERN = re.compile(r"^(today|yesterday|tomorrow|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
                     r"|\d{1,2} [A-Z][a-z]{2}), \d\d:\d\d$|^\d{1,2} [A-Z][a-z]{2} \d{4}$")


@settings(max_examples=300, deadline=None)
@given(at=INSTANTS, now=INSTANTS, name=ZONES)
def test_words_always_take_one_of_the_shapes_and_show_the_local_clock(at: datetime, now: datetime,
                                                                       name: str) -> None:
    tz = timefmt.zone(name)
    words = timefmt.when_text(at, tz, now)
    assert PATTERN.match(words), words
    local = at.astimezone(tz)
    if "," in words:
        assert words.endswith(f"{local:%H:%M}")
    day_gap = (local.date() - now.astimezone(tz).date()).days
    assert (words.startswith("today")) == (day_gap == 0)
    assert (words.startswith("yesterday")) == (day_gap == -1)
    assert (words.startswith("tomorrow")) == (day_gap == 1)
    if abs(day_gap) > timefmt.NEAR_DAYS:
        assert str(local.day) == words.split(" ", 1)[0]


@settings(max_examples=300, deadline=None)
@given(at=INSTANTS, name=ZONES)
def test_a_shown_local_time_typed_back_is_the_same_instant(at: datetime, name: str) -> None:
    """What a page shows (to the minute) and a person types back lands on the same minute,
    except in the hour the clocks go back, when the first of the two is meant."""
    tz = timefmt.zone(name)
    shown = at.astimezone(tz).replace(second=0, microsecond=0, tzinfo=None)
    back = timefmt.local_to_utc(shown, tz)
    target = at.replace(second=0, microsecond=0)
    if back != target:  # only an ambiguous wall time may differ, and then by the clock change
        assert shown.replace(tzinfo=tz, fold=1).astimezone(UTC) == target
        assert back < target
    assert back.astimezone(tz).replace(tzinfo=None) == shown


def test_the_iso_instant_is_utc_whatever_the_zone() -> None:
    at = datetime(2025, 6, 1, 12, 0, tzinfo=AUCKLAND)
    assert timefmt.iso_instant(at) == "2025-06-01T00:00:00+00:00"
    assert timefmt.iso_instant(at + timedelta(hours=1)) == "2025-06-01T01:00:00+00:00"
