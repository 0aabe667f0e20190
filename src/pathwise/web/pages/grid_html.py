"""The body of the class grid (one row per student, one cell per skill), drawn in Python.

A class of 35 students and 60 skills is 2,100 cells; drawn by a template loop it costs most of
the page's time, so the rows are written here with every shown value escaped. The markup is
what ``templates/class.html`` documents: each cell carries its state (``data-state``, the
``state-*`` class), percent, amount of evidence and whether it needs attention, links to the
learner's evidence on the skill, and says all of it in words for screen readers. No storage.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from markupsafe import Markup, escape

from pathwise.domain.mastery_states import State


# (class, attribute, visible mark, words) of a cell that needs attention, and of one that does not
_FLAGGED = (" needs-attention", ' data-attention="1"', '<span class="attention-mark" aria-hidden="true"></span>',
            ", needs attention")
_PLAIN = ("", "", "", "")


def _plural(n: int, one: str, many: str) -> str:
    return one if n == 1 else many


def grid_body(grid: object, symbols: Mapping[str, str]) -> Markup:
    """``<tr>`` rows of ``grid`` (a ``services.class_grid.ClassGrid``); ``symbols`` maps a
    state key to its inline icon."""
    out: list[str] = []
    columns = grid.columns  # type: ignore[attr-defined]
    heads = [(escape(c.code), quote(c.code, safe=""), escape(c.title)) for c in columns]
    not_started = State.NOT_STARTED
    for row in grid.rows:  # type: ignore[attr-defined]
        lid = escape(row.learner.id)
        lid_url = quote(row.learner.id, safe="")
        name = escape(row.learner.display_name)
        out.append(f'<tr data-learner="{lid}" data-attention="{row.n_attention}">')
        badge = ""
        if row.n_attention:
            badge = (f' <span class="attention-count" title="skills needing attention">{row.n_attention}'
                     f'<span class="visually-hidden"> skill{_plural(row.n_attention, "", "s")} needing attention'
                     f'</span></span>')
        out.append(f'<th scope="row"><a href="/learners/{lid_url}" class="grid-name">{name}</a>{badge}</th>')
        for i, c in enumerate(row.cells):
            code, code_url, title = heads[i]
            href = f"/learners/{lid_url}/skills/{code_url}"
            percent = None if c is None else c.percent
            if percent is None:
                key = not_started.key
                out.append(f'<td class="cell state-{key}" data-learner="{lid}" data-skill="{code}" data-percent="" '
                           f'data-state="{key}" data-evidence="0"><a class="cell-link" href="{href}">'
                           f'<span class="cell-sym" aria-hidden="true">{symbols[key]}</span>'
                           f'<span class="visually-hidden"><span class="state-word">{not_started.word}</span>: '
                           f'{name}, {title}</span></a></td>')
                continue
            state = c.state
            key = state.key
            flag = row.attention(i)
            n = c.n_evidence
            extra, attr, mark, said = _FLAGGED if flag else _PLAIN
            out.append(
                f'<td class="cell state-{key}{extra}" data-learner="{lid}" data-skill="{code}" '
                f'data-percent="{percent}" data-state="{key}" data-evidence="{n}"{attr}>'
                f'<a class="cell-link" href="{href}"><span class="cell-sym" aria-hidden="true">{symbols[key]}</span> '
                f'{percent}%{mark} <span class="cell-n" aria-hidden="true">{n}</span><span class="visually-hidden"> '
                f'<span class="state-word">{state.word}</span>{said}, from {n} piece{_plural(n, "", "s")} of work: '
                f'{name}, {title}</span></a></td>')
        out.append("</tr>")
    return Markup("".join(out))  # nosec B704 - every value above is escaped
