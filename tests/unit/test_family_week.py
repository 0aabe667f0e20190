"""The rules of a child's week (``engine.insight.family``) on constructed evidence: which days the
week covers in the school's time zone, what was learned in it, what was worked on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.engine.insight.family import week_start, week_summary

ORDER = ("a", "b", "c", "d", "e")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)  # a Thursday


def test_the_week_is_today_and_six_days_before_in_the_school_zone() -> None:
    assert week_start(NOW, UTC) == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
    # 12:00 UTC is already 01:00 on Friday 4 December in Auckland (UTC+13 in summer): the week
    # starts on 28 November there, at local midnight
    auckland = ZoneInfo("Pacific/Auckland")
    start = week_start(NOW + timedelta(hours=2), auckland)
    assert start.astimezone(auckland).replace(tzinfo=None) == datetime(2026, 11, 28, 0, 0)
    assert start == datetime(2026, 11, 27, 11, 0, tzinfo=UTC)
    # in Los Angeles it is still 3 December (02:00): the week starts on 27 November, local midnight
    la = ZoneInfo("America/Los_Angeles")
    assert week_start(NOW, la).astimezone(la).replace(tzinfo=None) == datetime(2026, 11, 27, 0, 0)
    with pytest.raises(ValueError):
        week_start(NOW.replace(tzinfo=None), UTC)


def test_learned_worked_on_and_counted() -> None:
    since = week_start(NOW, UTC)
    mastered_at = {"a": NOW - timedelta(days=20), "b": NOW - timedelta(days=2), "c": NOW - timedelta(hours=1)}
    evidence = [
        (("a",), NOW - timedelta(days=1)),  # a review of a skill mastered long ago: not "worked on"
        (("b",), NOW - timedelta(days=2)),
        (("d",), NOW - timedelta(days=3)),
        (("d", "e"), NOW - timedelta(days=3, hours=1)),  # same day: one practice day
        (("e",), NOW - timedelta(days=1)),
        (("d",), NOW - timedelta(days=9)),  # before the week
        (("zz",), NOW - timedelta(days=1)),  # a skill of another framework
    ]
    week = week_summary(order=ORDER, mastered={"a", "b", "c"}, mastered_at=mastered_at, evidence=evidence,
                        since=since, until=NOW, tz=UTC)
    assert week.learned == ("c", "b")  # the most recent first; "a" was mastered before the week
    assert week.worked_on == ("d", "e")  # two pieces of evidence on d this week, then e (order breaks ties)
    assert week.n_evidence == 5
    assert week.practice_days == 3  # days 1, 2 and 3 before now


def test_practice_days_are_counted_in_the_school_zone() -> None:
    la = ZoneInfo("America/Los_Angeles")
    # 02:00 and 09:00 UTC on 2 December are both 1 December in Los Angeles: one day there, two in UTC
    ev = [(("d",), datetime(2026, 12, 2, 2, 0, tzinfo=UTC)), (("d",), datetime(2026, 12, 1, 9, 0, tzinfo=UTC))]
    kw = dict(order=ORDER, mastered=set(), mastered_at={}, evidence=ev, until=NOW)
    assert week_summary(since=week_start(NOW, la), tz=la, **kw).practice_days == 1  # type: ignore[arg-type]
    assert week_summary(since=week_start(NOW, UTC), tz=UTC, **kw).practice_days == 2  # type: ignore[arg-type]


def test_a_week_without_work_says_nothing_was_learned() -> None:
    week = week_summary(order=ORDER, mastered={"a"}, mastered_at={"a": None}, evidence=[],
                        since=week_start(NOW, UTC), until=NOW)
    assert (week.learned, week.worked_on, week.n_evidence, week.practice_days) == ((), (), 0, 0)


instants = st.integers(min_value=-20 * 24, max_value=0).map(lambda h: NOW + timedelta(hours=h))


@settings(max_examples=150, deadline=None)
@given(mastered=st.sets(st.sampled_from(ORDER)),
       when=st.dictionaries(st.sampled_from(ORDER), st.one_of(st.none(), instants)),
       evidence=st.lists(st.tuples(st.lists(st.sampled_from(ORDER + ("x",)), min_size=1, max_size=3), instants),
                         max_size=30))
def test_learned_and_worked_on_never_overlap_and_stay_in_the_week(
        mastered: set[str], when: dict[str, datetime | None],
        evidence: list[tuple[list[str], datetime]]) -> None:
    since = week_start(NOW, UTC)
    week = week_summary(order=ORDER, mastered=mastered, mastered_at=when, evidence=evidence, since=since, until=NOW)
    assert not set(week.learned) & set(week.worked_on)
    assert set(week.learned) <= mastered and not set(week.worked_on) & mastered
    assert all(since <= when[c] <= NOW for c in week.learned)  # type: ignore[operator]
    inside = [(codes, at) for codes, at in evidence if since <= at <= NOW and set(codes) & set(ORDER)]
    assert week.n_evidence == len(inside)
    assert set(week.worked_on) == {c for codes, _ in inside for c in codes if c in ORDER} - mastered
    assert 0 <= week.practice_days <= 7 and (week.practice_days == 0) == (week.n_evidence == 0)
    # evidence before the week changes nothing
    older = [(codes, at - timedelta(days=30)) for codes, at in evidence]
    assert week_summary(order=ORDER, mastered=mastered, mastered_at=when, evidence=older, since=since,
                        until=NOW).worked_on == ()
