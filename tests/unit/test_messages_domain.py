"""The rules of messages and digest weeks, without a database: what a message body becomes, when a
conversation is unread, ISO weeks, and the shape of a composed e-mail."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pathwise.domain.errors import ValidationError
from pathwise.domain.messages import MAX_BODY, MAX_SUBJECT, IsoWeek, clean_body, clean_subject, is_unread
from pathwise.services.mail import OutboxSender, compose


def test_a_body_keeps_its_lines_and_loses_outer_blank_space() -> None:
    assert clean_body("\n\n  Hello  \r\nsecond line\r\rthird   \n\n") == "Hello\nsecond line\n\nthird"
    assert clean_body("x" * MAX_BODY) == "x" * MAX_BODY


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n\t", None])
def test_an_empty_body_is_refused_naming_the_field(text: str | None) -> None:
    with pytest.raises(ValidationError) as bad:
        clean_body(text)  # type: ignore[arg-type]
    assert bad.value.field == "body" and "empty" in bad.value.message


def test_limits_name_their_field() -> None:
    with pytest.raises(ValidationError) as long_body:
        clean_body("x" * (MAX_BODY + 1))
    assert long_body.value.field == "body" and str(MAX_BODY) in long_body.value.message
    with pytest.raises(ValidationError) as long_subject:
        clean_subject("s" * (MAX_SUBJECT + 1))
    assert long_subject.value.field == "subject"
    assert clean_subject("  Reading \n at   home ") == "Reading at home"


@given(st.text(max_size=300))
def test_a_cleaned_body_is_stable_and_never_empty(text: str) -> None:
    try:
        once = clean_body(text)
    except ValidationError:
        return
    assert once and once == clean_body(once) and "\r" not in once
    assert once.split() == text.replace("\r", "\n").split()  # no word added, lost or reordered


@given(st.lists(st.tuples(st.integers(1, 50), st.sampled_from(["me", "you", None])), max_size=10),
       st.one_of(st.none(), st.integers(0, 60)))
def test_unread_means_a_newer_message_by_someone_else(messages: list[tuple[int, str | None]],
                                                      upto: int | None) -> None:
    expected = any(mid > (upto or 0) and author != "me" for mid, author in messages)
    assert is_unread("me", messages, upto) is expected
    # one's own messages never make a conversation unread; having read to the newest clears it
    assert not is_unread("me", [(m, "me") for m, _ in messages], None)
    assert not is_unread("me", messages, max((m for m, _ in messages), default=0))


def test_weeks() -> None:
    w = IsoWeek.parse(" 2026-W49 ")
    assert (w.monday, w.sunday, str(w)) == (date(2026, 11, 30), date(2026, 12, 6), "2026-W49")
    assert IsoWeek.of(date(2026, 1, 1)) == IsoWeek(2026, 1) and IsoWeek.of(date(2027, 1, 1)) == IsoWeek(2026, 53)
    assert w.previous() == IsoWeek(2026, 48) and IsoWeek(2026, 1).previous() == IsoWeek(2025, 52)
    start, end = w.bounds(ZoneInfo("Europe/Madrid"))
    assert start.astimezone(UTC).isoformat() == "2026-11-29T23:00:00+00:00" and end - start == timedelta(days=7)
    for bad in ("2026-49", "2026-W7", "2025-W53", "2026-W00"):
        with pytest.raises(ValidationError) as refused:
            IsoWeek.parse(bad)
        assert refused.value.field == "week"


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)))
def test_every_day_is_in_its_week(day: date) -> None:
    w = IsoWeek.of(day)
    assert w.monday <= day <= w.sunday and IsoWeek.parse(str(w)) == w


def test_a_digest_names_its_week_in_words() -> None:
    from pathwise.services.digest import _span

    assert _span(IsoWeek(2026, 48)) == "23 to 29 November 2026"
    assert _span(IsoWeek(2026, 36)) == "31 August to 6 September 2026"
    assert _span(IsoWeek(2026, 53)) == "28 December 2026 to 3 January 2027"


def test_a_composed_message_has_a_text_and_an_html_part(tmp_path: Path) -> None:
    msg = compose(to="rosa@example.org", sender="School <s@example.org>", subject="Ana's week",
                  text="Hello Rosa\n", html="<p>Hello Rosa</p>")
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    box = OutboxSender(tmp_path / "box")
    box.send(msg)
    (eml,) = (tmp_path / "box").iterdir()
    assert eml.suffix == ".eml" and b"Subject: Ana's week" in eml.read_bytes()
