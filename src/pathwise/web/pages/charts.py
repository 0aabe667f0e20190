"""The class grid's charts, drawn on the server as inline SVG with pygal.

Each function takes a series from ``services.class_grid`` (built in
``engine.insight.series``) and returns the SVG markup, ready to put in a page: no script
(pygal's JavaScript is switched off), no network, no XML declaration, ``role="img"`` with an
``aria-label`` and a ``<title>`` naming what it shows. The page puts a table with the same
numbers next to each chart for screen readers and for anyone who prefers numbers. Colours
follow the grid's state colours; the words are those of ``domain.mastery_states``.
Nothing here reads storage or decides a number.
"""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pygal
from markupsafe import Markup, escape
from pygal.style import Style

from pathwise.domain.mastery_states import State

# pygal adds an old-style import hook for its map plugins (unused here) that makes every later
# failed import warn (ImportWarning, an error under the tests' warnings policy): take it out.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

# the grid's colours (pathwise.css: state-*), a shade darker so bars and lines read on white
STATE_COLOURS: dict[State, str] = {
    State.MASTERED: "#2f8a4c",
    State.DUE_FOR_REVIEW: "#2f8a4c",
    State.NEARLY_THERE: "#d9a21b",
    State.GETTING_THERE: "#c8473b",
    State.NOT_STARTED: "#b8bcc4",
}
INK = "#1f2933"
LINE = "#2f5fa8"


def _style(colours: Sequence[str]) -> Style:
    return Style(background="white", plot_background="white", foreground=INK, foreground_strong=INK,
                 foreground_subtle="#6b7280", colors=tuple(colours), font_family="system-ui, sans-serif",
                 label_font_size=12, major_label_font_size=12, legend_font_size=13, title_font_size=15,
                 value_font_size=11, tooltip_font_size=12)


def _config(**kw: object) -> dict[str, object]:
    """What every chart shares: no script, no XML declaration, a fixed size that scales."""
    base: dict[str, object] = dict(js=[], disable_xml_declaration=True, explicit_size=False, width=720, height=320,
                                   show_legend=True, legend_at_bottom=True, print_values=False, margin=12)
    return {**base, **kw}


_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")
_UUID_ID = re.compile(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)
_SCRIPT = re.compile(r"<script[^>]*>.*?</script>|<script[^>]*/>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
CHART_IDS = ("chart-progress", "chart-distribution", "chart-history")


def _split(svg: str, chart_id: str) -> tuple[str, str]:
    """(the SVG without script, comments or style, the style it carried) for ``chart_id``.

    The pages' content security policy allows no inline style or script: pygal's style is
    served as a file instead (``static/charts.css``, written by ``stylesheet``), keyed by the
    chart's fixed id, and its script (switched off, but still declared) is dropped."""
    svg = _UUID_ID.sub(chart_id, svg)
    css = "\n".join(m.group(1) for m in _STYLE.finditer(svg)).replace("&gt;", ">")
    svg = _COMMENT.sub("", _SCRIPT.sub("", _STYLE.sub("", svg)))
    # the (script-driven) tooltip starts hidden: as an attribute, which the policy allows
    return svg.replace('style="opacity: 0"', 'opacity="0"'), css


def _finish(svg: str, label: str, chart_id: str) -> Markup:
    """An accessible image: role, label, a title and the chart's fixed id."""
    body, _css = _split(svg, chart_id)

    def opening(m: re.Match[str]) -> str:
        attrs = re.sub(r'\s(id|role|aria-label|class)="[^"]*"', "", m.group(1))
        return (f'<svg{attrs} id="{chart_id}" class="chart-svg" role="img" aria-label="{escape(label)}" '
                f'focusable="false"><title>{escape(label)}</title>')

    return Markup(_SVG_OPEN.sub(opening, body, count=1))  # nosec B704 - pygal escapes every label it draws


def class_progress_chart(points: Sequence[object], label: str, chart_id: str = "chart-progress") -> Markup:
    """Share of class x skill cells mastered at the end of each week (a line, 0-100 %)."""
    return _drawn("progress", tuple(points), label, chart_id)


@functools.lru_cache(maxsize=256)
def _drawn(kind: str, data: tuple[Any, ...], label: str, chart_id: str, *extra: Any) -> Markup:
    """A chart drawn once for the same numbers (pygal takes tens of milliseconds for a big
    class, and a teacher reloads the page far more often than its numbers change)."""
    if kind == "progress":
        chart = _progress(data, label)
    elif kind == "distribution":
        chart = _distribution(data, extra[0], label)
    else:
        chart = _history(data, extra[0], extra[1], label)
    return _finish(chart.render(is_unicode=True), label, chart_id)


def _progress(points: Sequence[object], label: str) -> pygal.Line:
    chart = pygal.Line(**_config(style=_style([LINE]), range=(0, 100), include_x_axis=True, dots_size=4,
                                 x_label_rotation=0, show_minor_x_labels=True, y_title="% of cells mastered",
                                 truncate_label=-1, show_legend=False))
    chart.title = label
    chart.x_labels = [f"{p.week_of:%-d %b}" for p in points]  # type: ignore[attr-defined]
    chart.add("mastered", [{"value": p.percent, "label": f"{p.n_mastered} of {p.n_cells} cells"}  # type: ignore[attr-defined]
                           for p in points])
    return chart


def distribution_chart(per_skill: Sequence[object], states: Sequence[State], label: str,
                       chart_id: str = "chart-distribution") -> Markup:
    """Per skill, a stacked bar of how many learners are in each state."""
    return _drawn("distribution", tuple(per_skill), label, chart_id, tuple(states))


class _StackedBars(pygal.HorizontalStackedBar):  # type: ignore[misc]
    """pygal's stacked bars without the hidden data its script reads for tooltips (four
    ``<desc>`` per bar): the script is off, so they only made the page heavier and the chart
    slower to draw (about a fifth of its time, half its markup)."""

    def _tooltip_data(self, *args: Any, **kwargs: Any) -> None:
        return None


def _distribution(per_skill: Sequence[object], states: Sequence[State], label: str) -> pygal.HorizontalStackedBar:
    height = max(260, 60 + 26 * len(per_skill))
    chart = _StackedBars(**_config(style=_style([STATE_COLOURS[s] for s in states]),
                                                 truncate_label=28, x_title="students", height=height))
    chart.title = label
    top_down = list(reversed(per_skill))  # pygal draws the first bar at the bottom
    chart.x_labels = [s.title for s in top_down]  # type: ignore[attr-defined]
    for i, st in enumerate(states):
        chart.add(st.word, [s.counts[i] for s in top_down])  # type: ignore[attr-defined]
    return chart


def skill_history_chart(readings: Sequence[object], x_labels: Sequence[str], threshold: float, label: str,
                        chart_id: str = "chart-history") -> Markup:
    """One learner's estimate on one skill after each piece of evidence (a line), the
    evidence's scores as points, and the mastery threshold as a dashed line; ``x_labels``
    are the readings' days in the school's zone."""
    return _drawn("history", tuple(readings), label, chart_id, tuple(x_labels), threshold)


def _history(readings: Sequence[object], x_labels: Sequence[str], threshold: float, label: str) -> pygal.Line:
    chart = pygal.Line(**_config(style=_style([LINE, INK, STATE_COLOURS[State.MASTERED]]), range=(0, 100),
                                 include_x_axis=True, dots_size=3, x_label_rotation=30, truncate_label=-1,
                                 y_title="%", show_minor_x_labels=len(readings) <= 12,
                                 x_labels_major_every=max(1, len(readings) // 8)))
    chart.title = label
    chart.x_labels = list(x_labels)
    chart.add("estimate after the work", [r.percent for r in readings])  # type: ignore[attr-defined]
    chart.add("score of the work", [r.score_percent for r in readings],  # type: ignore[attr-defined]
              stroke=False, dots_size=5)
    chart.add("mastered from here", [round(threshold * 100)] * len(readings), show_dots=False,
              stroke_style={"width": 2, "dasharray": "6, 4"})
    return chart


@dataclass(frozen=True, slots=True)
class HistoryFigure:
    svg: Markup
    readings: Sequence[Any]
    threshold: float


def skill_history_figure(uow: Any, request: Any, actor: Any, learner_id: str, skill_code: str,
                         title: str) -> HistoryFigure | None:
    """The mastery-over-time chart of the skill page (``services.class_grid``), days in the
    school's zone; None before any evidence."""
    from pathwise.services.class_grid import learner_skill_history
    from pathwise.web.auth import system_of
    from pathwise.web.pages.render import school_zone

    history = learner_skill_history(uow, actor, learner_id, skill_code, title, system_of(request).tracker(uow))
    if not history.readings:
        return None
    zone = school_zone(request)
    labels = [f"{r.at.astimezone(zone):%-d %b}" for r in history.readings]
    svg = skill_history_chart(history.readings, labels, history.threshold, f"{title}: the estimate after each piece of work")
    return HistoryFigure(svg, history.readings, history.threshold)


def stylesheet() -> str:
    """The style of the three charts (pygal's, keyed by their fixed ids), for ``static/charts.css``.

    Regenerate after changing a chart's look: ``.venv/bin/python -m pathwise.web.pages.charts``."""
    from datetime import UTC, date, datetime

    from pathwise.services.class_grid import GRID_STATES, Reading, SkillCounts, WeekPoint

    point = WeekPoint(date(2026, 1, 5), 1, 2)
    reading = Reading(datetime(2026, 1, 5, tzinfo=UTC), "answer", 1.0, 0.5, 1, State.GETTING_THERE)
    drawn = [
        ("chart-progress", _progress([point], "progress")),
        ("chart-distribution", _distribution([SkillCounts("s", "skill", (1, 1, 1, 1))], GRID_STATES, "states")),
        ("chart-history", _history([reading], ["5 Jan"], 0.95, "history")),
    ]
    parts = ["/* The charts' style (pygal's), generated by pathwise.web.pages.charts.stylesheet: do not edit. */"]
    for chart_id, chart in drawn:
        parts.append(_split(chart.render(is_unicode=True), chart_id)[1])
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # pragma: no cover - writes the stylesheet next to the pages' own
    from pathlib import Path

    out = Path(__file__).parent / "static" / "charts.css"
    out.write_text(stylesheet(), encoding="utf-8")
    print(f"wrote {out}")
