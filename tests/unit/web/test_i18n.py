"""The languages of the pages: which language a request gets (the account's, else the
school's, else the browser's for a visitor, else English), the Spanish catalogue complete for
the pages it covers (every message extracted by babel.cfg translated, no fuzzy or stale
entries, placeholders kept), mastery words translated in the page layer, and dates in the
reader's language with the English output unchanged."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st

from pathwise.domain import mastery_states
from pathwise.services.account import LANGUAGES, choose_language, from_accept_language
from pathwise.web.pages import i18n, timefmt

ROOT = Path(__file__).resolve().parents[3]
OTHER_LANGUAGES = [c for c in LANGUAGES if c != "en"]


# -- which language ------------------------------------------------------------------------------


@pytest.mark.parametrize(("mine", "school", "header", "expected"), [
    ("es", None, None, "es"),  # the account's choice
    ("es", "en", "en-GB", "es"),  # ... wins over the school's and the browser's
    (None, "es", "en-GB", "es"),  # the school's default when the account chose none
    (None, None, "es-MX,es;q=0.9", "es"),  # a visitor: the browser
    (None, None, "fr-FR, de;q=0.7", "en"),  # nothing we speak: English
    (None, None, None, "en"),
    ("xx", None, "es", "es"),  # a stored code no longer offered counts for nothing
])
def test_choose_language(mine: str | None, school: str | None, header: str | None, expected: str) -> None:
    assert choose_language(mine, school, header) == expected


@pytest.mark.parametrize(("header", "expected"), [
    ("en;q=0.4, es;q=0.8", "es"),  # by weight, not by order
    ("es;q=0, en", "en"),  # q=0 means "not this"
    ("*", None),
    ("ES-es", "es"),
    ("es;q=abc, en;q=0.1", "en"),  # a broken weight counts as zero
    ("", None),
])
def test_accept_language(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


@given(st.text(max_size=200))
def test_accept_language_never_offers_an_unknown_language(header: str) -> None:
    assert from_accept_language(header) in (None, *LANGUAGES)


# -- the catalogue ---------------------------------------------------------------------------------


def _extracted() -> Catalog:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    cat = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2), "N_": None}):
        cat.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return cat


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return _extracted()


def test_extraction_finds_the_pages_messages(extracted: Catalog) -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extracted if m.id}
    # one message of each translated template: a template that babel.cfg misses would look complete
    assert {"Skill map", "What's next", "Check my answer", "Well done for practising", "Not now", "Practise",
            "Send my review", "About me", "No goals yet.", "Not said yet.", "Interests", "Hand in",
            "Sign in to Pathwise", "Go to my home page", "Language of my pages", "nearly there",
            # the guardian's pages: guardian.html, family/, messages/, learner.html, reviews/student.html
            "No child is linked to your account yet. Ask the school to link your child.", "Ways to help at home",
            "To print this report or keep it as a PDF, use your browser's Print command. The menu and buttons are "
            "left out of the printed copy.", "Skills %(name)s has mastered", "Start a new conversation", "Nothing unread.",
            "Reply to %(name)s", "(family)", "In a few words", "Your teacher's decision",
            "%(name)s has mastered %(done)d of %(total)d skills so far."} <= ids
    assert len(ids) > 150


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_catalogue_is_complete_and_clean(code: str, extracted: Catalog) -> None:
    with i18n.catalogue_path(code).open("rb") as f:
        cat = read_po(f, locale=code)
    assert not cat.obsolete, f"obsolete entries: {list(cat.obsolete)[:5]}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries: {fuzzy[:5]}"
    wanted = {m.id for m in extracted if m.id}
    have = {m.id for m in cat if m.id}
    untranslated = [m.id for m in cat if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert not (wanted - have), f"not in the {code} catalogue: {sorted(map(str, wanted - have))[:10]}"
    assert not untranslated, f"untranslated: {untranslated[:5]}"
    assert not (have - wanted), f"stale, no longer in the pages: {sorted(map(str, have - wanted))[:10]}"
    problems = [(m.id, errs) for m, errs in cat.check()]
    assert not problems, problems[:5]  # placeholders ("%(name)s") kept in every translation


@pytest.mark.parametrize("code", OTHER_LANGUAGES)
def test_placeholders_match(code: str) -> None:
    with i18n.catalogue_path(code).open("rb") as f:
        cat = read_po(f, locale=code)
    names = re.compile(r"%\((\w+)\)[sd]")
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set().union(*(set(names.findall(i)) for i in ids))
        for s in strings:
            assert set(names.findall(s)) <= want and set(names.findall(s)) >= set(names.findall(ids[0])) - {"num"}, m.id


def test_every_offered_language_has_a_catalogue() -> None:
    assert i18n.check_languages() == []


# -- drawing in a language -----------------------------------------------------------------------


def test_mastery_words_translate_in_the_page_layer_only() -> None:
    with i18n.page_language("es"):
        spanish = {s: i18n.state_word(s) for s in mastery_states.State}
        meanings = {s: i18n.state_meaning(s) for s in mastery_states.State}
    assert spanish[mastery_states.State.NEARLY_THERE] == "casi lo tienes"
    assert all(spanish[s] != s.word for s in mastery_states.State)
    assert all(meanings[s] != s.meaning for s in mastery_states.State)
    assert set(i18n.STATE_WORDS) == set(mastery_states.WORDS)  # every state has its word marked
    assert all(i18n.STATE_WORDS[k] == w for k, w in mastery_states.WORDS.items())
    with i18n.page_language("en"):
        assert [i18n.state_word(s) for s in mastery_states.State] == [s.word for s in mastery_states.State]


def test_plurals() -> None:
    with i18n.page_language("es"):
        assert i18n.ngettext("Time: %(num)d minute.", "Time: %(num)d minutes.", 1) % {"num": 1} == "Tiempo: 1 minuto."
        assert i18n.ngettext("Time: %(num)d minute.", "Time: %(num)d minutes.", 3) % {"num": 3} == "Tiempo: 3 minutos."
    assert i18n.ngettext("Time: %(num)d minute.", "Time: %(num)d minutes.", 3) == "Time: %(num)d minutes."


def test_an_unknown_language_draws_in_english() -> None:
    with i18n.page_language("xx"):
        assert i18n.current() == "en"
        assert i18n.gettext("Skill map") == "Skill map"


ENGLISH_NAMES = (*timefmt.WEEKDAYS, *timefmt.MONTHS_LONG, *timefmt.MONTHS, "today", "yesterday", "tomorrow")
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC))


@given(instants, st.integers(-800, 800))
def test_spanish_dates_use_no_english_names(dt: datetime, days: int) -> None:
    tz = timefmt.zone("America/Mexico_City")
    now = dt + timedelta(days=days)
    words = timefmt.when_text(dt, tz, now, "es") + " " + timefmt.day_text(dt, tz, now, "es") + " " + \
        timefmt.full_text(dt, tz, "es")
    assert not any(re.search(rf"\b{name}\b", words) for name in ENGLISH_NAMES), words


@given(instants, st.integers(-800, 800))
def test_english_dates_are_unchanged_by_the_language_parameter(dt: datetime, days: int) -> None:
    tz = timefmt.zone("Europe/London")
    now = dt + timedelta(days=days)
    assert timefmt.when_text(dt, tz, now) == timefmt.when_text(dt, tz, now, "en")
    assert timefmt.day_html(dt, tz, now) == timefmt.day_html(dt, tz, now, lang="en")
    assert timefmt.when_html(dt, tz, now) == timefmt.when_html(dt, tz, now, lang="en")


def test_spanish_dates_and_numbers() -> None:
    tz = timefmt.zone("Europe/Madrid")
    now = datetime(2025, 12, 3, 12, tzinfo=UTC)
    assert timefmt.when_text(datetime(2025, 12, 2, 9, tzinfo=UTC), tz, now, "es") == "ayer, 10:00"
    assert timefmt.when_text(datetime(2025, 12, 3, 9, tzinfo=UTC), tz, now) == "today, 10:00"
    assert timefmt.day_text(datetime(2025, 10, 3, 9, tzinfo=UTC), tz, now, "es") == "3 oct"
    assert timefmt.percent_text(72, "en") == "72%"
    assert timefmt.percent_text(72, "es") == "72\xa0%"
    assert timefmt.number_text(1234.5, "es") == "1.234,5"
    assert timefmt.number_text(1.5, "en") == "1.5"


def test_numbers_keep_their_english_form() -> None:
    assert timefmt.number_text(2.0) == "2.0" and timefmt.number_text(2.0, trim=True) == "2"
    assert timefmt.number_text(1.25, trim=True) == "1.25"
    assert timefmt.number_text(2.0, "es", trim=True) == "2" and timefmt.number_text(1.25, "es") == "1,25"


def test_the_surveys_kid_words_are_all_marked_for_translation() -> None:
    from pathwise.domain.survey import MODALITY_KID_WORDS
    from pathwise.web.pages.survey import WORDS

    assert set(WORDS) == set(MODALITY_KID_WORDS.values())
