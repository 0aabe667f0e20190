"""The journal's pure rules: prompt kinds, the answers' checks, the week's start in the school's
time, and the two export formats (hypothesis: every entry comes out once, oldest first, whole)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pathwise.services.errors import Invalid, NotFound
from pathwise.services.journal import (
    EXPORT_FORMAT,
    PROMPTS,
    Entry,
    clean_answers,
    parse_entry_id,
    prompt_for,
    to_json,
    to_markdown,
    week_start,
)


def test_each_kind_has_its_own_questions_and_only_sessions_and_goals_refer() -> None:
    assert set(PROMPTS) == {"session", "goal", "week", "free"}
    assert prompt_for("session", "s-1").ref_id == "s-1"
    assert prompt_for("goal", " g-9 ").ref_id == "g-9"
    assert prompt_for("week", "anything").ref_id is None
    assert prompt_for(None).kind == "free"
    assert prompt_for("week").helped_question == "What helped you learn this week?"
    assert len({prompt_for(k).helped_question for k in PROMPTS}) == 4


@pytest.mark.parametrize(("kind", "ref", "field"), [("daily", None, "prompt"), ("goal", "x" * 129, "goal"),
                                                     ("session", "a\nb", "session")])
def test_a_bad_prompt_names_its_field(kind: str, ref: str | None, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        prompt_for(kind, ref)
    assert caught.value.field == field


def test_answers_need_one_of_two_and_a_limit() -> None:
    assert clean_answers("  a ", "") == ("a", "")
    with pytest.raises(Invalid) as caught:
        clean_answers(" ", "\n")
    assert caught.value.field == "helped"
    with pytest.raises(Invalid) as caught:
        clean_answers("ok", "y" * 4001)
    assert caught.value.field == "next_try"


@pytest.mark.parametrize("raw", ["", "-1", "1.5", "x", "9" * 13])
def test_entry_ids_are_small_whole_numbers(raw: str) -> None:
    with pytest.raises(NotFound):
        parse_entry_id(raw)
    assert parse_entry_id("42") == 42


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
       st.sampled_from(["UTC", "America/Los_Angeles", "Pacific/Auckland", "Europe/Madrid"]))
def test_week_start_is_the_monday_midnight_before_now_in_the_school_zone(now: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    start = week_start(now, tz)
    local = start.astimezone(tz)
    assert local.weekday() == 0 and (local.hour, local.minute) == (0, 0)
    assert start <= now < start + timedelta(days=7, hours=2)  # a summer-time change may add an hour


texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    n = draw(st.integers(0, 6))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(sorted(PROMPTS)))
        at = datetime(2026, 9, 1, tzinfo=UTC) + timedelta(hours=draw(st.integers(0, 5000)))
        out.append(Entry(i + 1, "u-ana", prompt_for(kind, "ref-1"), draw(texts), draw(texts), at, at))
    return out


@settings(max_examples=60)
@given(entries())
def test_json_export_carries_every_entry_once_oldest_first(journal: list[Entry]) -> None:
    doc = json.loads(to_json("Ana", journal, datetime(2026, 12, 1, tzinfo=UTC)))
    assert doc["format"] == EXPORT_FORMAT and doc["student"] == "Ana"
    want = sorted(journal, key=lambda e: (e.written_at, e.id))
    assert [(d["id"], d["prompt"], d["helped"], d["next_try"]) for d in doc["entries"]] == [
        (e.id, e.prompt.kind, e.helped, e.next_try) for e in want]
    assert [d["refers_to"] for d in doc["entries"]] == [e.prompt.ref_id for e in want]


@settings(max_examples=60)
@given(entries())
def test_markdown_export_has_a_heading_per_entry_and_every_answer(journal: list[Entry]) -> None:
    md = to_markdown("Ana", journal, datetime(2026, 12, 1, tzinfo=UTC))
    assert md.startswith("# Reflection journal: Ana\n")
    assert md.count("\n## ") >= len(journal)
    for e in journal:
        for answer in (e.helped, e.next_try):
            assert answer in md
    if not journal:
        assert "No reflections yet." in md


def test_every_prompt_word_is_listed_for_translation() -> None:
    from pathwise.web.pages.journal import PROMPT_WORDS

    assert set(PROMPT_WORDS) == {text for triple in PROMPTS.values() for text in triple}
