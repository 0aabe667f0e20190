"""The family's sentences about a child, built in the page's language from the service's data
(``services.school``'s summary and skills): the services hand over numbers and titles, the page
layer writes the words, so no service needs gettext."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from babel import dates as babel_dates

from pathwise.domain.mastery_states import State
from pathwise.web.pages import i18n
from pathwise.web.pages.i18n import gettext, ngettext


def _first(summary: Any) -> str:
    return str(summary.learner.display_name).split(" ")[0]


def _long_day(d: date | datetime) -> str:
    lang = i18n.current()
    if lang == "en":
        return f"{d:%-d %B %Y}"
    return babel_dates.format_date(d.date() if isinstance(d, datetime) else d, "long", locale=lang)


def in_states(summary: Any) -> str:
    """The started skills counted in the mastery words: "3 mastered, 1 nearly there" ("no work yet")."""
    parts = [(n, st) for n, st in ((summary.n_mastered, State.MASTERED), (summary.n_nearly_there, State.NEARLY_THERE),
                                    (summary.n_getting_there, State.GETTING_THERE)) if n]
    if not parts:
        return gettext("no work yet")
    return ", ".join(gettext("%(num)d %(word)s") % {"num": n, "word": i18n.state_word(st)} for n, st in parts)


def not_started(n: int) -> str:
    return ngettext("%(num)d not started", "%(num)d not started", n) % {"num": n}


def in_plain_words(summary: Any, skills: Sequence[Any]) -> list[str]:
    """Sentences a family can read: what was learned, what is being worked on, how recently."""
    name = _first(summary)
    if summary.n_evidence == 0:
        return [gettext("%(name)s has no recorded work yet. Progress appears here after the first practice.")
                % {"name": name}]
    words = [gettext("%(name)s has mastered %(done)d of %(total)d skills so far.")
             % {"name": name, "done": summary.n_mastered, "total": summary.n_skills}]
    learned = sorted((s for s in skills if s.mastered),
                     key=lambda s: s.last_evidence_at.timestamp() if s.last_evidence_at else 0.0, reverse=True)
    if learned:
        words.append(gettext("Recently learned: %(skills)s.") % {"skills": ", ".join(s.title for s in learned[:3])})
    working = sorted((s for s in skills if s.n_evidence > 0 and not s.mastered), key=lambda s: -(s.p_mastery or 0.0))
    if working:
        words.append(gettext("Working on now: %(skills)s.")
                     % {"skills": ", ".join(f"{s.title} ({i18n.state_word(s.state)})" for s in working[:3])})
    if summary.last_active is not None:
        words.append(gettext("Last practised on %(day)s.") % {"day": _long_day(summary.last_active)})
    return words
