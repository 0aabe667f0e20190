"""The canonical response-log CSV (DESIGN.md §3): parsing rows and reporting bad ones.

``parse_responses`` takes the lines of a file (any iterable of strings) and yields a
``ResponseRow`` for each good row and a ``Problem`` (line number, field, message) for
each bad one, so a caller can report every problem before storing anything. It does
no I/O itself.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pathwise.domain.clock import utcnow
from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import check_timestamp
from pathwise.domain.framework import _CODE
from pathwise.domain.problems import Problem

REQUIRED = ("student_id", "item_id", "skill_ids", "correct", "timestamp")
OPTIONAL = ("duration_s", "hints", "attempt", "evidence_id")
HEADER = REQUIRED + OPTIONAL
MAX_FIELD = 200


@dataclass(frozen=True, slots=True)
class ResponseRow:
    line: int
    student_id: str
    item_id: str
    skill_codes: tuple[str, ...]
    correct: float
    timestamp: datetime
    duration_s: float | None = None
    hints: int | None = None
    attempt: int | None = None
    evidence_id: str | None = None


class HeaderError(ValueError):
    """The header row is missing required columns or has unknown ones."""


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 (``Z`` or an offset; a naive time is taken as UTC) or epoch seconds."""
    t = text.strip()
    if not t:
        raise ValueError("is empty")
    try:
        seconds = float(t)
    except ValueError:
        pass
    else:
        if math.isnan(seconds) or math.isinf(seconds) or abs(seconds) > 32503680000:
            raise ValueError(f"{t!r} is not a usable epoch time")
        return datetime.fromtimestamp(seconds, tz=UTC)
    try:
        dt = datetime.fromisoformat(t.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(f"{t!r} is neither ISO 8601 nor epoch seconds") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def check_header(fields: list[str] | None) -> list[str]:
    if not fields:
        raise HeaderError("the file is empty: expected a header row " + ",".join(REQUIRED))
    names = [f.strip() for f in fields]
    missing = [c for c in REQUIRED if c not in names]
    unknown = [c for c in names if c not in HEADER]
    problems = []
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if unknown:
        problems.append("unknown column(s) " + ", ".join(unknown) + " (allowed: " + ", ".join(HEADER) + ")")
    if len(set(names)) != len(names):
        problems.append("a column appears twice")
    if problems:
        raise HeaderError("header row: " + "; ".join(problems))
    return names


def _code(value: str, field: str) -> str:
    v = value.strip()
    if not v:
        raise ValueError("is empty")
    if len(v) > MAX_FIELD:
        raise ValueError(f"is longer than {MAX_FIELD} characters")
    if not _CODE.match(v):
        raise ValueError(f"{v!r} has characters other than letters, digits and . _ : -")
    return v


def parse_responses(lines: Iterable[str]) -> Iterator[ResponseRow | Problem]:
    """Yield a row or an error for each data line; raise ``HeaderError`` on a bad header."""
    last: list[str] = [""]  # the raw line the reader took last, to name a field it cannot read

    def remembered(source: Iterable[str]) -> Iterator[str]:
        for raw in source:
            last[0] = raw
            yield raw

    reader = csv.reader(remembered(lines))
    try:
        header = next(reader)
    except StopIteration:
        header = None
    except csv.Error as exc:
        raise HeaderError(f"header row: {_unreadable(exc)}") from None
    names = check_header(header)
    idx = {n: i for i, n in enumerate(names)}
    width = len(names)
    line_no = 1
    while True:
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line_no = reader.line_num
            yield Problem("", line=line_no, field=_too_long_field(last[0], names) or "row",
                          message=f"unreadable CSV: {_unreadable(exc)}")
            continue
        line_no = reader.line_num
        if not rec or (len(rec) == 1 and not rec[0].strip()):
            continue
        if len(rec) != width:
            yield Problem("", line=line_no, field="row", message=f"has {len(rec)} fields, the header has {width}")
            continue
        yield _parse_one(line_no, rec, idx)


def _unreadable(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return f"a field is longer than {csv.field_size_limit()} characters"
    return str(exc)


def _too_long_field(raw: str, names: list[str]) -> str | None:
    """The column of the field over the CSV reader's limit in ``raw`` (as plain comma-separated
    text), or None when that cannot be told."""
    limit = csv.field_size_limit()
    for i, part in enumerate(raw.split(",")):
        if len(part) > limit:
            return names[i] if i < len(names) else None
    return None


def _parse_one(line: int, rec: list[str], idx: dict[str, int]) -> ResponseRow | Problem:
    def get(name: str) -> str | None:
        i = idx.get(name)
        return None if i is None else restored(rec[i])

    field = "student_id"
    try:
        student = _code(get("student_id") or "", field)
        field = "item_id"
        item = _code(get("item_id") or "", field)
        field = "skill_ids"
        raw_skills = (get("skill_ids") or "").strip()
        if not raw_skills:
            raise ValueError("is empty: give at least one skill")
        skills = tuple(dict.fromkeys(_code(s, field) for s in raw_skills.split(";")))
        field = "correct"
        raw = (get("correct") or "").strip()
        try:
            correct = float(raw)
        except ValueError:
            raise ValueError(f"{raw!r} is not 0, 1 or a score in [0, 1]") from None
        if math.isnan(correct) or not 0.0 <= correct <= 1.0:
            raise ValueError(f"{raw!r} is not 0, 1 or a score in [0, 1]")
        field = "timestamp"
        ts = parse_timestamp(get("timestamp") or "")
        try:
            check_timestamp(ts, utcnow())  # evidence only from 2000 to a day ahead
        except ValidationError as exc:
            raise ValueError(exc.message) from None
        field = "duration_s"
        duration = _optional_float(get("duration_s"))
        if duration is not None and duration < 0:
            raise ValueError("must not be negative")
        field = "hints"
        hints = _optional_int(get("hints"))
        field = "attempt"
        attempt = _optional_int(get("attempt"))
        field = "evidence_id"
        ev = (get("evidence_id") or "").strip() or None
        if ev is not None and len(ev) > MAX_FIELD:
            raise ValueError(f"is longer than {MAX_FIELD} characters")
    except ValueError as exc:
        return Problem("", line=line, field=field, message=str(exc))
    return ResponseRow(line, student, item, skills, correct, ts, duration, hints, attempt, ev)


def _optional_float(v: str | None) -> float | None:
    if v is None or not v.strip():
        return None
    try:
        x = float(v)
    except ValueError:
        raise ValueError(f"{v!r} is not a number") from None
    if math.isnan(x) or math.isinf(x):
        raise ValueError(f"{v!r} is not a finite number")
    return x


def _optional_int(v: str | None) -> int | None:
    if v is None or not v.strip():
        return None
    try:
        x = int(v.strip())
    except ValueError:
        raise ValueError(f"{v!r} is not a whole number") from None
    if x < 0:
        raise ValueError("must not be negative")
    return x


def format_row(student_id: str, item_id: str, skill_codes: Iterable[str], correct: float, timestamp: datetime,
               evidence_id: str | None = None, duration_s: float | None = None, hints: int | None = None,
               attempt: int | None = None) -> list[str]:
    """One canonical CSV row, in the order of ``HEADER``."""
    c = "1" if correct == 1 else "0" if correct == 0 else f"{correct:g}"
    utc = timestamp.astimezone(UTC)
    ts = utc.strftime("%Y-%m-%dT%H:%M:%SZ") if utc.microsecond == 0 else utc.isoformat().replace("+00:00", "Z")

    def opt(v: object) -> str:
        return "" if v is None else f"{v:g}" if isinstance(v, float) else str(v)

    return [inert(v) for v in (student_id, item_id, ";".join(skill_codes), c, ts, opt(duration_s), opt(hints),
                                opt(attempt), evidence_id or "")]


# A cell a spreadsheet would read as a formula (=HYPERLINK(...), +, -, @, or a leading tab
# or carriage return) is written with a leading apostrophe, which spreadsheets show as text;
# reading the file back removes it, so an export imports unchanged.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(cell: str) -> str:
    """``cell`` as a spreadsheet shows it as text, never as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def restored(cell: str) -> str:
    """The value ``inert`` wrote: the apostrophe before a formula character is removed."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(_FORMULA_START) else cell
