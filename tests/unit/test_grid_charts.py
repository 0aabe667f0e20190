"""The charts as markup (web.pages.charts): accessible SVG with no script, no inline style and no
network; labels escaped; the served stylesheet is the one the charts need."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from pathwise.domain.mastery_states import State
from pathwise.services.class_grid import GRID_STATES, Reading, SkillCounts, WeekPoint
from pathwise.web.pages import charts

STATIC = Path(charts.__file__).parent / "static" / "charts.css"


def _all() -> list[tuple[str, str]]:
    points = [WeekPoint(date(2026, 9, 7), 1, 10), WeekPoint(date(2026, 9, 14), 4, 10)]
    per_skill = [SkillCounts("s1", "Fractions <b>& more</b>", (1, 2, 3, 4)), SkillCounts("s2", "Decimals", (0, 0, 0, 10))]
    readings = [Reading(datetime(2026, 9, d, tzinfo=UTC), "answer", 1.0, 0.4 + d / 100, d, State.GETTING_THERE)
                for d in (1, 2, 3)]
    return [
        ("chart-progress", str(charts.class_progress_chart(points, "Progress <script>"))),
        ("chart-distribution", str(charts.distribution_chart(per_skill, GRID_STATES, "Per skill"))),
        ("chart-history", str(charts.skill_history_chart(readings, ["1 Sep", "2 Sep", "3 Sep"], 0.95, "History"))),
    ]


def test_each_chart_is_an_accessible_image_without_script_or_inline_style() -> None:
    for chart_id, svg in _all():
        opening = re.match(r"<svg\b[^>]*>", svg)
        assert opening, svg[:200]
        assert f'id="{chart_id}"' in opening.group(0)
        assert 'role="img"' in opening.group(0) and 'aria-label="' in opening.group(0)
        assert "<title>" in svg
        assert "<script" not in svg and "<style" not in svg and 'style="' not in svg
        assert "<!--" not in svg
        assert not [u for u in re.findall(r'(?:href|src)="([^"]+)"', svg) if not u.startswith("#")]


def test_labels_are_escaped() -> None:
    progress = dict(_all())["chart-progress"]
    assert "<script>" not in progress and "Progress &lt;script&gt;" in progress
    dist = dict(_all())["chart-distribution"]
    assert "<b>" not in dist


def test_the_served_stylesheet_is_up_to_date() -> None:
    assert STATIC.read_text(encoding="utf-8") == charts.stylesheet(), (
        "regenerate: .venv/bin/python -m pathwise.web.pages.charts")
    for chart_id in charts.CHART_IDS:
        assert f"#{chart_id} " in STATIC.read_text(encoding="utf-8")


def test_the_same_numbers_draw_the_same_chart_once() -> None:
    a = charts.class_progress_chart([WeekPoint(date(2026, 9, 7), 1, 2)], "Again")
    b = charts.class_progress_chart([WeekPoint(date(2026, 9, 7), 1, 2)], "Again")
    assert a is b
    c = charts.class_progress_chart([WeekPoint(date(2026, 9, 7), 2, 2)], "Again")
    assert c != a and "Again" in c


def test_the_distribution_carries_no_tooltip_data_but_draws_each_count() -> None:
    """The tooltips' script is off, so their hidden data (``<desc>`` per bar) is not drawn;
    the bars and the skills' names still are."""
    dist = dict(_all())["chart-distribution"]
    assert "<desc" not in dist
    assert len(re.findall(r"<rect\b[^>]*class=\"rect reactive", dist)) >= 5  # the non-zero counts
    assert "Decimals" in dist and "Fractions" in dist
