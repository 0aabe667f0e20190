"""The goal forecast (``engine.agency.forecast``) and goal values (``domain.goals``): ordered range,
more work never sooner, more practice never later, no date without data, repeatable."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.domain import goals as dg
from pathwise.domain.errors import ValidationError
from pathwise.engine.agency.forecast import (
    ForecastSettings,
    SkillSpan,
    SkillWork,
    answers_per_skill,
    forecast,
    skills_on_the_way,
    weekly_counts,
)

TODAY = date(2026, 3, 2)
FAST = ForecastSettings(draws=300)


def history(per_week: list[int]) -> list[datetime]:
    """``per_week[i]`` answers in the week ``len - i`` weeks before today (oldest first)."""
    out: list[datetime] = []
    n = len(per_week)
    for i, k in enumerate(per_week):
        day = TODAY - timedelta(days=7 * (n - 1 - i) + 1)
        out.extend(datetime(day.year, day.month, day.day, 15, j % 60) for j in range(k))
    return out


weeks_st = st.lists(st.integers(0, 40), min_size=2, max_size=8).filter(lambda w: sum(1 for x in w if x) >= 2
                                                                       and sum(w) >= 8)


@settings(max_examples=40, deadline=None)
@given(weeks=weeks_st, n_left=st.integers(1, 6), given_=st.integers(0, 10))
def test_range_is_ordered_and_more_work_is_never_sooner(weeks: list[int], n_left: int, given_: int) -> None:
    work = [SkillWork(f"s{i}", given_ if i == 0 else 0, False) for i in range(n_left)]
    f = forecast(work, history(weeks), TODAY, settings=FAST)
    more = forecast([*work, SkillWork("extra", 0, False)], history(weeks), TODAY, settings=FAST)
    if f.has_date:
        assert f.early is not None and f.likely is not None
        assert TODAY <= f.early <= f.likely <= (TODAY + timedelta(days=FAST.horizon_days))
        # a range whose late end falls past the horizon is left open ("it could take much longer")
        assert f.late is None or f.likely <= f.late
        assert f.boosted is not None and f.boosted <= f.likely
        if more.has_date:
            assert more.likely is not None and more.likely >= f.likely
    else:
        assert f.reason == "not_within_horizon" and more.reason == "not_within_horizon"


@settings(max_examples=30, deadline=None)
@given(weeks=weeks_st, factor=st.integers(2, 4))
def test_practising_more_each_week_is_never_later(weeks: list[int], factor: int) -> None:
    work = [SkillWork("a", 0, False), SkillWork("b", 0, False)]
    slow = forecast(work, history(weeks), TODAY, settings=FAST)
    fast = forecast(work, history([w * factor for w in weeks]), TODAY, settings=FAST)
    assert fast.has_date
    if slow.has_date:
        assert fast.likely is not None and slow.likely is not None and fast.likely <= slow.likely


def test_too_little_data_gives_no_date() -> None:
    work = [SkillWork("a", 0, False)]
    assert forecast(work, [], TODAY).reason == "too_little_data"
    one_week = forecast(work, history([0, 0, 30]), TODAY)  # practice in one week only
    assert one_week.reason == "too_little_data" and one_week.likely is None and one_week.on_track(TODAY) is None


def test_everything_mastered_is_reached_and_on_track() -> None:
    f = forecast([SkillWork("a", 9, True)], [], TODAY)
    assert f.reason == "reached" and f.likely == TODAY and f.on_track(TODAY)


def test_practice_only_before_the_window_gives_no_date() -> None:
    f = forecast([SkillWork("a", 0, False)], history([20, 20, 0, 0, 0, 0, 0, 0]), TODAY)
    assert f.reason == "too_little_data" and f.likely is None


def test_on_track_reads_the_early_end() -> None:
    f = forecast([SkillWork("a", 0, False), SkillWork("b", 0, False)], history([10, 12, 8, 11]), TODAY)
    assert f.early is not None
    assert f.on_track(f.early) is True and f.on_track(f.early - timedelta(days=1)) is False


def test_the_same_history_gives_the_same_forecast() -> None:
    work = [SkillWork("a", 3, False)]
    assert forecast(work, history([5, 9, 2, 7]), TODAY) == forecast(work, history([5, 9, 2, 7]), TODAY)


def test_a_wider_level_gives_a_wider_range() -> None:
    work = [SkillWork("a", 0, False), SkillWork("b", 0, False)]
    h = history([5, 15, 3, 12, 9])
    narrow = forecast(work, h, TODAY, settings=ForecastSettings(level=0.5))
    wide = forecast(work, h, TODAY, settings=ForecastSettings(level=0.95))
    assert narrow.early and narrow.late and wide.early and wide.late
    assert wide.early <= narrow.early and wide.late >= narrow.late


def test_pace_pieces() -> None:
    assert answers_per_skill([], prior=8) == (8.0, 0)
    est, n = answers_per_skill([4, 4, 4, 4], prior=8, prior_skills=2)
    assert n == 4 and est == pytest.approx((16 + 16) / 6)
    assert weekly_counts(history([3, 0, 5]), TODAY, 6) == [3, 0, 5]
    assert weekly_counts(history([3, 0, 5]), TODAY, 2) == [0, 5]
    assert skills_on_the_way(["c"], {"c": {"a", "b"}}, {"a"}) == ["b", "c"]


def test_goal_values_name_the_field() -> None:
    ok = dg.GoalSpec(dg.Horizon.WEEK, TODAY + timedelta(days=3), skill_code="frac.add")
    ok.check_dates(TODAY)
    with pytest.raises(ValidationError) as exc:
        dg.GoalSpec(dg.Horizon.WEEK, TODAY, skill_code="frac.add", unit_code="u.frac")
    assert exc.value.field == "skill_code"
    with pytest.raises(ValidationError) as exc:
        dg.GoalSpec(dg.Horizon.WEEK, TODAY + timedelta(days=30), skill_code="frac.add").check_dates(TODAY)
    assert exc.value.field == "target_date"
    with pytest.raises(ValidationError):
        dg.parse_horizon("month")
    assert not dg.can_move(dg.GoalStatus.DECLINED, dg.GoalStatus.ACTIVE)
    assert dg.can_move(dg.GoalStatus.PROPOSED, dg.GoalStatus.ACTIVE)
    assert dg.progress_share(2, 4) == 0.5 and dg.progress_share(0, 0) == 0.0


@settings(max_examples=25, deadline=None)
@given(weeks=weeks_st, quick=st.integers(2, 6), slow=st.integers(10, 30), n_left=st.integers(1, 4))
def test_a_history_of_quick_mastery_forecasts_no_later(weeks: list[int], quick: int, slow: int, n_left: int) -> None:
    work = [SkillWork(f"g{i}", 0, False) for i in range(n_left)]
    fast_history = [SkillWork(f"h{i}", quick, True) for i in range(6)]
    slow_history = [SkillWork(f"h{i}", slow, i < 2) for i in range(6)]  # most practised, not mastered yet
    a = forecast(work, history(weeks), TODAY, practised=fast_history, settings=FAST)
    b = forecast(work, history(weeks), TODAY, practised=slow_history, settings=FAST)
    assert a.has_date and a.early is not None and a.likely is not None
    assert a.early <= a.likely and (a.late is None or a.likely <= a.late)
    if b.has_date:
        assert b.likely is not None and b.likely >= a.likely


def test_a_long_tail_leaves_the_late_end_open() -> None:
    stalled = [SkillWork(f"h{i}", 25, False) for i in range(8)] + [SkillWork("m", 40, True)]
    f = forecast([SkillWork("g", 0, False), SkillWork("g2", 0, False)], history([3, 2, 4, 1]), TODAY,
                 practised=stalled)
    assert f.has_date and f.late is None  # "it could take much longer", not an invented end


# -- calendar time: days from a skill's first practice to its mastery, from the learner's own skills --


def spans_of(days: list[int | None], started_ago: int = 40) -> list[SkillSpan]:
    """One skill per entry, first practised ``started_ago`` days before today: mastered after that
    many days, or (``None``) not mastered yet."""
    first = TODAY - timedelta(days=started_ago)
    return [SkillSpan(f"h{i}", first, None if d is None else first + timedelta(days=d)) for i, d in enumerate(days)]


STEADY = history([10, 12, 8, 11, 9, 10])
goal_st = st.lists(st.booleans(), min_size=1, max_size=4)  # True: started already


def goal_work(started: list[bool]) -> tuple[list[SkillWork], list[SkillSpan]]:
    work = [SkillWork(f"g{i}", 3 if s_ else 0, False) for i, s_ in enumerate(started)]
    opened = [SkillSpan(f"g{i}", TODAY - timedelta(days=5)) for i, s_ in enumerate(started) if s_]
    return work, opened


@settings(max_examples=30, deadline=None)
@given(started=goal_st, quick=st.integers(1, 6), base=st.lists(st.integers(1, 30), max_size=5),
       more=st.integers(1, 6))
def test_more_evidence_of_quick_mastery_moves_the_forecast_earlier(started: list[bool], quick: int,
                                                                   base: list[int], more: int) -> None:
    work, opened = goal_work(started)
    few = spans_of(list(base))
    many = few + [SkillSpan(f"q{i}", TODAY - timedelta(days=quick + 1), TODAY - timedelta(days=1))
                  for i in range(more)]
    a = forecast(work, STEADY, TODAY, spans=few + opened, settings=FAST)
    b = forecast(work, STEADY, TODAY, spans=many + opened, settings=FAST)
    assert b.has_date and b.likely is not None and b.early is not None
    assert TODAY < b.early <= b.likely and (b.late is None or b.likely <= b.late)
    if a.has_date:
        assert a.likely is not None and b.likely <= a.likely
        assert a.early is not None and b.early <= a.early


@settings(max_examples=30, deadline=None)
@given(started=goal_st, mastered=st.lists(st.integers(1, 20), min_size=1, max_size=6),
       stalled=st.integers(1, 6), ago=st.integers(43, 90))
def test_skills_left_unmastered_lengthen_and_widen_the_forecast(started: list[bool], mastered: list[int],
                                                                stalled: int, ago: int) -> None:
    work, opened = goal_work(started)
    done = spans_of(list(mastered), started_ago=50)
    # practised before the window (42 days): they change the mastery pace only, not the rate of new starts
    censored = done + [SkillSpan(f"c{i}", TODAY - timedelta(days=ago)) for i in range(stalled)]
    a = forecast(work, STEADY, TODAY, spans=done + opened, settings=FAST)
    b = forecast(work, STEADY, TODAY, spans=censored + opened, settings=FAST)
    assert a.has_date and a.likely is not None and a.early is not None
    if b.has_date:
        assert b.likely is not None and b.likely >= a.likely
        if a.late is None:
            assert b.late is None  # open stays open
        elif b.late is not None:
            assert b.late >= a.late and (b.late - b.likely) >= (a.late - a.likely) - timedelta(days=1)
    else:
        assert b.reason == "not_within_horizon"


def test_calendar_forecast_is_repeatable_and_counts_only_skills_left() -> None:
    spans = spans_of([4, 9, 6, None])
    work = [SkillWork("g0", 0, False), SkillWork("g1", 0, False)]
    f = forecast(work, STEADY, TODAY, spans=spans)
    assert f == forecast(work, STEADY, TODAY, spans=spans)
    assert f.has_date and f.early is not None and f.likely is not None and f.late is not None
    assert TODAY < f.early <= f.likely <= f.late
    assert f.boosted is not None and f.boosted < f.likely
    done_one = forecast([*work[:1], SkillWork("g1", 5, True)], STEADY, TODAY, spans=spans)
    assert done_one.likely is not None and done_one.likely <= f.likely
    assert forecast([SkillWork("g0", 9, True)], STEADY, TODAY, spans=spans).reason == "reached"
    assert forecast(work, [], TODAY, spans=spans).reason == "too_little_data"


def test_skills_left_open_for_weeks_make_the_forecast_later() -> None:
    work = [SkillWork("g0", 0, False), SkillWork("g1", 0, False)]
    quick = spans_of([3, 5, 4], started_ago=50)
    left_open = quick + [SkillSpan(f"c{i}", TODAY - timedelta(days=45)) for i in range(4)]
    a = forecast(work, STEADY, TODAY, spans=quick)
    b = forecast(work, STEADY, TODAY, spans=left_open)
    assert a.likely is not None and b.likely is not None and a.early is not None and b.early is not None
    assert b.likely > a.likely and b.early > a.early


def test_calendar_forecast_leaves_the_late_end_open_when_skills_stay_open() -> None:
    stalled = [SkillSpan(f"c{i}", TODAY - timedelta(days=50)) for i in range(6)] + spans_of([30], 80)
    f = forecast([SkillWork("g0", 0, False)], STEADY, TODAY, spans=stalled)
    assert f.has_date and f.late is None  # "it could take much longer"
    never = [SkillSpan(f"c{i}", TODAY - timedelta(days=120)) for i in range(12)]
    far = forecast([SkillWork(f"g{i}", 0, False) for i in range(4)], STEADY, TODAY, spans=never)
    assert far.reason == "not_within_horizon" and far.on_track(TODAY + timedelta(days=400)) is False


def test_a_new_learner_gets_the_prior_and_a_wide_range() -> None:
    f = forecast([SkillWork("g0", 0, False)], STEADY, TODAY, spans=[])
    s = ForecastSettings()
    assert f.likely is not None and f.early is not None
    assert abs((f.likely - TODAY).days - s.prior_days * 1.5) < s.prior_days  # a start, then the skill
    assert f.late is None or (f.late - f.early).days > s.prior_days
