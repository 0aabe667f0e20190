"""The languages pages are drawn in: the catalogues, the language of the page being drawn,
and the gettext functions the templates call (``_``, ``gettext``, ``ngettext``,
``{% trans %}``).

English is the source language: templates carry English text, wrapped for translation.
Each other language has a catalogue, ``locale/<code>/LC_MESSAGES/messages.po``, kept as text
in the repository and compiled in memory the first time a page needs it (no binary ``.mo``
files to build or ship). A message without a translation (or marked fuzzy) shows in English.

The language of a page is bound while it is drawn (``page_language``), the same way the time
zone is, so macros, filters and the error page all speak it. Which language a request gets
is decided by ``services.account.choose_language``; this module only draws in it.
Strings that page modules hand to the student templates (headings, notes, the mastery
words) are listed here with ``N_`` so that extraction finds them; templates translate them
with ``_(...)`` when drawing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from gettext import NullTranslations
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from pathwise.domain import mastery_states
from pathwise.services.account import DEFAULT_LANGUAGE, LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"

_LANGUAGE: ContextVar[str] = ContextVar("page_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is drawn."""
    return message


def catalogue_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=8)
def translations(code: str) -> NullTranslations:
    """The compiled catalogue of a language (English, or a language without one: none)."""
    path = catalogue_path(code)
    if code == DEFAULT_LANGUAGE or not path.is_file():
        return NullTranslations()
    with path.open("rb") as f:
        catalog = read_po(f, locale=code, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=DOMAIN)


def current() -> str:
    """The language of the page being drawn."""
    return _LANGUAGE.get()


@contextmanager
def page_language(code: str) -> Iterator[None]:
    token = _LANGUAGE.set(code if code in LANGUAGES else DEFAULT_LANGUAGE)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def gettext(message: str) -> str:
    if not message:
        return message
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current()).pgettext(context, message)


# -- the words page modules and the domain hand to the pages -----------------------------------

# the mastery words (domain.mastery_states), translated where they are drawn, never in the domain
STATE_WORDS: dict[str, str] = {
    "not-started": N_("not started"),
    "getting-there": N_("getting there"),
    "nearly-there": N_("nearly there"),
    "mastered": N_("mastered"),
    "due-for-review": N_("due for review"),
}
STATE_MEANINGS: dict[str, str] = {
    "not-started": N_("no work on this skill yet"),
    "getting-there": N_("some work done; more practice will help"),
    "nearly-there": N_("close to mastered"),
    "mastered": N_("shown often enough to count as mastered"),
    "due-for-review": N_("mastered, and due for a quick re-check so it sticks"),
}


def state_word(state: mastery_states.State) -> str:
    """A mastery state's word in the page's language ("nearly there", "casi lo tienes")."""
    return gettext(STATE_WORDS.get(state.key, state.word))


def state_meaning(state: mastery_states.State) -> str:
    return gettext(STATE_MEANINGS.get(state.key, state.meaning))


# headings, notes and labels the student page modules pass to their templates
PAGE_WORDS: tuple[str, ...] = (
    N_("My progress"), N_("Practice"), N_("My profile"), N_("My classes"), N_("Projects and checks"),
    N_("My children"), N_("School"), N_("Accounts"), N_("Roster import"), N_("Frameworks and items"),
    N_("Privacy"), N_("School progress"), N_("Settings"), N_("Language"), N_("Messages"),
    N_("My learning path"), N_("Other skills"), N_("Learn"), N_("Review"), N_("Step back"), N_("Mastery check"),
    N_("That activity is no longer on today's list, so here is what your path offers now."),
    N_("Noted on your path."),
    N_("Please sign in"), N_("Not allowed"), N_("Not found"), N_("Conflict"), N_("Please check what you sent"),
    N_("Something went wrong"), N_("There is nothing here, or it is not yours to see."),
    # practice (web/pages/practice.py, services/practice_summary.py)
    N_("Guessing"), N_("Not sure"), N_("Fairly sure"), N_("Certain"),
    N_("A short session of questions on this skill, with hints when you want them."), N_("Start practising"),
    N_("It opens as a practice session; your choice is kept on your path."), N_("Start"), N_("Start now"),
    N_("Rate your confidence before checking to see how well you judge your own work."),
    N_("A few more ratings are needed to say how well-calibrated you are."),
    N_("Well calibrated: your confidence matches your results."),
    N_("Often more confident than your results: check your work before submitting."),
    N_("Often less confident than your results: you know more than you think."),
    # the profile (web/pages/profile.py) and the library (services/library.py)
    N_("Practice questions"), N_("Videos"), N_("Reading"), N_("Projects"), N_("Read aloud"), N_("Large print"),
    N_("Calculator allowed"), N_("Breaks"), N_("Video"), N_("Project"),
    # the sign-in page's notices (web/pages/routes.py)
    N_("Your session ended. Please sign in again."), N_("You are signed out."),
    N_("The sign-in form had expired. Please try again."), N_("Enter your username and your password."),
    N_("Wrong username or password."),
    # the guardian's pages and the messages (web/pages/family.py, web/pages/messages.py, web/pages/reviews.py)
    N_("Back to this week"), N_("Message sent. The teachers see it in their messages."),
    N_("Reply sent. The family sees it in their messages."),
    N_("Your request is sent. Your teacher will look at it and answer here."),
    # a learner's recent work and self-assessment (services/school.py, services/practice_views.py)
    N_("answered a question"), N_("asked for a hint"), N_("project scored with a rubric"), N_("observed by a teacher"),
    N_("rated their own work"), N_("work in another learning tool"), N_("a teacher's decision"),
    N_("correct after the worked solution (no credit)"), N_("correct"), N_("partly correct"), N_("not yet correct"),
    N_("felt sure"), N_("felt fairly sure"), N_("felt unsure"), N_("marked as mastered"),
    N_("marked as not mastered yet"),
    N_("Well calibrated: confidence matches results."), N_("Often more confident than the results show."),
    N_("Often less confident than the results show."), N_("Too few confidence ratings yet to judge calibration."),
    # the roles, as the top bar names them
    N_("student"), N_("teacher"), N_("guardian"), N_("admin"),
)


def check_languages() -> list[str]:
    """The languages offered whose catalogue is missing (empty when all are there)."""
    return [c for c in LANGUAGES if c != DEFAULT_LANGUAGE and not catalogue_path(c).is_file()]
