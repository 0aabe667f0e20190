"""The canonical response CSV: good rows parse, bad rows are named by line and field."""

from datetime import UTC, datetime

import pytest

from pathwise.domain.problems import Problem
from pathwise.domain.responses import HeaderError, ResponseRow, format_row, parse_responses, parse_timestamp

HEAD = "student_id,item_id,skill_ids,correct,timestamp\n"


def parse(text: str) -> list[ResponseRow | Problem]:
    return list(parse_responses(text.splitlines(keepends=True)))


def test_good_rows() -> None:
    rows = parse(HEAD + "s001,i17,frac.add;frac.equiv,1,2025-10-02T14:03:11Z\ns001,i18,frac.add,0.5,1700000000\n")
    assert [type(r) for r in rows] == [ResponseRow, ResponseRow]
    a, b = rows
    assert isinstance(a, ResponseRow) and isinstance(b, ResponseRow)
    assert a.skill_codes == ("frac.add", "frac.equiv")
    assert a.timestamp == datetime(2025, 10, 2, 14, 3, 11, tzinfo=UTC)
    assert b.correct == 0.5 and b.timestamp.year == 2023
    assert a.line == 2 and b.line == 3


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("s1,i1,k1,2,0", "correct"),
        ("s1,i1,k1,yes,0", "correct"),
        ("s1,i1,k1,1,yesterday", "timestamp"),
        (",i1,k1,1,0", "student_id"),
        ("s1,,k1,1,0", "item_id"),
        ("s1,i1,,1,0", "skill_ids"),
        ("s1,i1,k 1,1,0", "skill_ids"),
        ("s1,i1,k1,1", "row"),
        ("s1,i1,k1,nan,0", "correct"),
        # evidence only from 2000 to a day ahead: no epoch zero, no year 1 or 9999 (OverflowError before)
        ("s1,i1,k1,1,0", "timestamp"),
        ("s1,i1,k1,1,0001-01-01T00:00:00+01:00", "timestamp"),
        ("s1,i1,k1,1,9999-12-31T23:00:00-05:00", "timestamp"),
    ],
)
def test_bad_rows_name_line_and_field(row: str, field: str) -> None:
    (err,) = parse(HEAD + row + "\n")
    assert isinstance(err, Problem)
    assert err.line == 2
    assert err.field == field
    assert f"line 2, field {field}" in str(err)


def test_optional_columns() -> None:
    text = "student_id,item_id,skill_ids,correct,timestamp,duration_s,hints,attempt,evidence_id\n" \
           "s1,i1,k1,1,1700000000,12.5,2,1,ev-1\ns1,i1,k1,1,1700000001,-3,,,\n"
    good, bad = parse(text)
    assert isinstance(good, ResponseRow) and good.duration_s == 12.5 and good.hints == 2 and good.evidence_id == "ev-1"
    assert isinstance(bad, Problem) and bad.field == "duration_s"


def test_header_problems() -> None:
    with pytest.raises(HeaderError, match="missing column"):
        parse("student_id,item_id,correct\n")
    with pytest.raises(HeaderError, match="unknown column"):
        parse(HEAD.strip() + ",colour\n")
    with pytest.raises(HeaderError, match="empty"):
        parse("")


def test_timestamps() -> None:
    assert parse_timestamp("2025-01-01T00:00:00+02:00") == datetime(2024, 12, 31, 22, 0, tzinfo=UTC)
    assert parse_timestamp("2025-01-01 10:00") == datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
    assert parse_timestamp("0") == datetime(1970, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_timestamp("1e30")


def test_format_row_round_trips() -> None:
    ts = datetime(2025, 10, 2, 14, 3, 11, tzinfo=UTC)
    line = ",".join(format_row("s1", "i1", ["a", "b"], 1.0, ts, "e1"))
    (row,) = parse("student_id,item_id,skill_ids,correct,timestamp,duration_s,hints,attempt,evidence_id\n" + line + "\n")
    assert isinstance(row, ResponseRow)
    assert (row.student_id, row.skill_codes, row.correct, row.timestamp, row.evidence_id) == ("s1", ("a", "b"), 1.0, ts, "e1")


def test_exported_cells_never_read_as_formulas_and_read_back_unchanged() -> None:
    from pathwise.domain.responses import inert, restored

    hostile = ['=HYPERLINK("http://evil.example","x")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    when = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    row = format_row(hostile[0], "item-1", ["frac.add"], 1.0, when, "ev-1")
    assert row[0] == "'" + hostile[0]
    assert row[1:4] == ["item-1", "frac.add", "1"]  # ordinary cells are left alone
    for cell in hostile:
        assert inert(cell).startswith("'") and restored(inert(cell)) == cell
    for cell in ("ana", "'quoted", "0.5", "", "2026-03-02T09:30:00Z"):
        assert inert(cell) == cell and restored(cell) == cell
