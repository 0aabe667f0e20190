"""The pure rules of well-being check-ins (no database): the scales in words, the answers a check-in
accepts, and that nothing outside the check-ins' own modules reads them (the learner model, the
paths, insight, early warning, the leaders' views and every export stay blind to them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathwise.services import wellbeing as wb
from pathwise.services.errors import Invalid

SRC = Path(wb.__file__).resolve().parents[1]  # src/pathwise


def test_every_scale_has_five_answers_in_words() -> None:
    assert set(wb.SCALES) == {"mood", "energy", "confidence"}
    for question, words in wb.SCALES.values():
        assert question.endswith("?") and len(words) == 5 and len(set(words)) == 5
        assert not any(w.isdigit() for w in words)
    assert wb.scale_word("mood", 1) == "Low" and wb.scale_word("mood", 5) == "Great"
    assert wb.scale_word("energy", None) == "—"


@given(st.sampled_from(sorted(wb.SCALES)), st.integers(min_value=-1000, max_value=1000))
def test_a_scale_takes_one_to_five_and_refuses_the_rest_naming_it(name: str, value: int) -> None:
    if 1 <= value <= 5:
        assert wb.scale_value(name, value) == value == wb.scale_value(name, f" {value} ")
        assert wb.scale_word(name, value) == wb.SCALES[name][1][value - 1]
    else:
        with pytest.raises(Invalid) as exc:
            wb.scale_value(name, str(value))
        assert exc.value.field == name


@given(st.text(max_size=20).filter(lambda s: not s.strip().lstrip("+-").isdigit() and s.strip() != ""))
def test_words_that_are_not_a_number_are_refused(raw: str) -> None:
    with pytest.raises(Invalid) as exc:
        wb.scale_value("mood", raw)
    assert exc.value.field == "mood"


@given(st.fixed_dictionaries({}, optional={k: st.one_of(st.none(), st.integers(1, 5)) for k in wb.SCALES}),
       st.booleans(), st.text(max_size=600))
def test_a_check_in_needs_an_answer_or_a_request_and_a_note_only_with_a_request(
        answers: dict[str, int | None], talk: bool, note: str) -> None:
    tidy = " ".join(note.split())
    answered = any(v is not None for v in answers.values())
    try:
        values, wants_talk, text = wb.checkin_answers(answers, talk, note)
    except Invalid as exc:
        assert (len(tidy) > wb.MAX_NOTE) or (tidy and not talk) or (not talk and not answered)
        assert exc.field in ("note", "mood")
        return
    assert wants_talk == talk and text == tidy and len(text) <= wb.MAX_NOTE
    assert values == {k: answers.get(k) for k in wb.SCALES}
    assert talk or answered


def test_every_question_and_answer_is_listed_for_translation() -> None:
    from pathwise.web.pages.wellbeing import SCALE_WORDS

    words = {q for q, _ in wb.SCALES.values()} | {w for _, ws in wb.SCALES.values() for w in ws}
    assert words <= set(SCALE_WORDS)


def test_nothing_but_the_check_ins_own_modules_reads_them() -> None:
    """Check-ins are not evidence: no module of the learner model, the paths, insight, early
    warning, the leaders' views or any export may name their tables, repository or use cases."""
    allowed = {
        "services/wellbeing.py", "services/access.py", "store/tables_wellbeing.py",
        "store/repositories_wellbeing.py", "store/tables_all.py", "store/uow.py", "web/pages/wellbeing.py",
        "web/app.py", "web/pages/render.py",  # the router, and the navigation links to the pages
        "web/pages/routes.py",  # the teacher's home links the staff page for the well-being staff
        "store/migrations/versions/0021_wellbeing.py",
        "services/demo.py",  # the demo school designates its well-being lead; it reads no check-in
    }
    pattern = re.compile(r"wellbeing|tables_wellbeing|WellbeingCheckin|wellbeing_checkins")
    readers = sorted(str(p.relative_to(SRC)) for p in SRC.rglob("*.py")
                     if pattern.search(p.read_text(encoding="utf-8")) and str(p.relative_to(SRC)) not in allowed)
    assert readers == [], "modules that reach well-being check-ins"
    for area in ("engine", "domain", "interop"):
        assert not any(pattern.search(p.read_text(encoding="utf-8")) for p in (SRC / area).rglob("*.py")), area
