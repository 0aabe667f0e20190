"""Import and export of the canonical response-log CSV (DESIGN.md §3).

Import reads the whole file first and reports every bad row (line and field); a file
with errors stores nothing unless the caller asks to skip bad rows. Evidence ids come
from the ``evidence_id`` column or are derived from school, student, item and time,
so importing the same file twice stores each answer once. Unknown students become
learner accounts of the school (without a password) when allowed. Mastery for every
learner touched is rebuilt by replaying their evidence through the live model.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from pathwise.domain.evidence import Evidence, EvidenceKind, derived_evidence_id
from pathwise.domain.people import Role, User
from pathwise.domain.problems import Problem
from pathwise.domain.responses import HEADER, HeaderError, ResponseRow, format_row, parse_responses
from pathwise.services import mastery, path_state
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, require_role, require_school, school_scope
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.users import default_school, new_id, username_for
from pathwise.store.uow import UnitOfWork

Progress = Callable[[int, int, str], None]
BATCH = 5000
MAX_REPORTED = 1000


@dataclass
class ImportReport:
    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    skipped_bad: int = 0
    students_created: int = 0
    learners_rebuilt: int = 0
    errors: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{self.rows} rows read", f"{self.stored} evidence stored", f"{self.duplicates} already present"]
        if self.skipped_bad:
            parts.append(f"{self.skipped_bad} bad rows skipped")
        if self.students_created:
            parts.append(f"{self.students_created} learner accounts created")
        return ", ".join(parts)


def _lines(stream: IO[str], size: int, progress: Progress | None) -> Iterator[str]:
    done = 0
    step = max(size // 200, 1 << 16)
    mark = step
    for line in stream:
        done += len(line)
        if progress is not None and done >= mark:
            progress(min(done, size), size, "reading")
            mark = done + step
        yield line


def answer_evidence(r: ResponseRow, learner_id: str, evidence_id: str) -> Evidence:
    """The ANSWER evidence a response-log row stands for (its hints and attempt kept as data)."""
    data = {k: v for k, v in (("duration_s", r.duration_s), ("hints", r.hints), ("attempt", r.attempt)) if v is not None}
    return Evidence(evidence_id, learner_id, EvidenceKind.ANSWER, r.skill_codes, r.correct, r.timestamp,
                    item_id=r.item_id, source="import", data=data)


def read_responses(lines: Iterable[str]) -> tuple[list[ResponseRow], list[Problem]]:
    rows: list[ResponseRow] = []
    errors: list[Problem] = []
    try:
        for r in parse_responses(lines):
            (errors if isinstance(r, Problem) else rows).append(r)  # type: ignore[arg-type]
    except HeaderError as exc:
        raise Invalid(str(exc), field="header") from None
    return rows, errors


def import_responses(uow: UnitOfWork, tracker: Tracker, actor: Actor, path: Path | str, school_id: str | None = None,
                     skip_bad: bool = False, create_students: bool = True,
                     progress: Progress | None = None) -> ImportReport:
    """Import a response-log CSV into the caller's unit of work, replaying mastery through
    the live ``tracker``. It raises before storing when the file has bad rows (unless
    ``skip_bad``) or unknown students (unless ``create_students``); a door that opens the
    unit of work rolls back whatever fails, so a failed import stores nothing."""
    require_role(actor, Role.ADMIN)
    p = Path(path)
    if not p.is_file():
        raise Invalid(f"{p} is not a file", field="file")
    size = p.stat().st_size
    try:
        with p.open("r", encoding="utf-8", newline="") as fh:
            rows, errors = read_responses(_lines(fh, size, progress))
    except UnicodeDecodeError as exc:
        raise Invalid(f"{p} is not UTF-8 text ({exc.reason} at byte {exc.start})", field="file") from None
    report = ImportReport(rows=len(rows) + len(errors), errors=errors[:MAX_REPORTED])
    if errors and not skip_bad:
        raise Invalid(
            f"{len(errors)} bad row(s) in {p.name}; nothing was imported (use --skip-bad to import the good rows)",
            field="file", problems=[str(e) for e in errors[:MAX_REPORTED]],
        )
    report.skipped_bad = len(errors)
    school = uow.schools.get(school_id) if school_id else default_school(uow)
    if school is None:
        raise NotFound(f"no school {school_id}")
    require_school(actor, school.id)
    # Learners: map the file's student ids to accounts of the school.
    ext_ids = sorted({r.student_id for r in rows})
    known = uow.users.by_external_ids(school.id, ext_ids)
    missing = [e for e in ext_ids if e not in known]
    if missing and not create_students:
        raise Invalid(f"{len(missing)} unknown student id(s), e.g. {missing[0]}; nothing was imported",
                      field="student_id", problems=[f"unknown student_id {m}" for m in missing[:MAX_REPORTED]])
    for ext in missing:
        user = User(new_id("stu"), school.id, username_for(ext, school.id), ext, Role.STUDENT)
        uow.users.add(user, external_id=ext)
        known[ext] = user.id
    report.students_created = len(missing)
    uow.flush()
    # Evidence: stable ids, first occurrence wins, skip what is already stored.
    evidence: list[Evidence] = []
    seqs: list[int] = []
    seen: set[str] = set()
    for r in rows:
        eid = r.evidence_id or derived_evidence_id(f"{school.id}:{r.student_id}", r.item_id, r.timestamp, r.attempt)
        if eid in seen:
            report.duplicates += 1
            continue
        seen.add(eid)
        evidence.append(answer_evidence(r, known[r.student_id], eid))
        seqs.append(r.line)
    total = len(evidence)
    stored = 0
    touched: set[str] = set()
    for start in range(0, total, BATCH):
        chunk = evidence[start : start + BATCH]
        chunk_seqs = seqs[start : start + BATCH]
        present = uow.evidence.existing_ids([e.id for e in chunk])
        keep = [i for i, e in enumerate(chunk) if e.id not in present]
        uow.evidence.add_many([chunk[i] for i in keep], [chunk_seqs[i] for i in keep])
        touched.update(chunk[i].learner_id for i in keep)
        stored += len(keep)
        report.duplicates += len(chunk) - len(keep)
        if progress is not None:
            progress(start + len(chunk), total, "storing")
    report.stored = stored
    ids = sorted(touched)
    created = set(known[e] for e in missing)
    # New accounts have no earlier evidence: replay what we hold in memory.
    fresh: dict[str, list[tuple[object, int, Evidence]]] = {}
    for ev, seq in zip(evidence, seqs, strict=True):
        if ev.learner_id in created:
            fresh.setdefault(ev.learner_id, []).append((ev.timestamp, seq, ev))
    rows: list[dict[str, object]] = []
    for n, (lid, evs) in enumerate(fresh.items(), 1):
        evs.sort(key=lambda x: (x[0], x[1]))
        for skill, values in mastery.replay(tracker, (e for _, _, e in evs)).items():
            rows.append(dict(values, learner_id=lid, skill_code=skill))
        if progress is not None and n % 100 == 0:
            progress(n, len(ids), "updating mastery")
    uow.mastery.insert_many(rows)
    others = [i for i in ids if i not in created]
    for i in range(0, len(others), 200):
        mastery.rebuild(uow, tracker, others[i : i + 200])
        if progress is not None:
            progress(len(fresh) + min(i + 200, len(others)), len(ids), "updating mastery")
    report.learners_rebuilt = len(ids)
    # review schedules, as recording evidence keeps them, so reads after an import only read
    for i in range(0, len(ids), 500):
        path_state.sync_learners(uow, ids[i : i + 500])
        if progress is not None:
            progress(min(i + 500, len(ids)), len(ids), "updating review schedules")
    return report


def export_responses(uow: UnitOfWork, actor: Actor, out: IO[str], school_id: str | None = None,
                     progress: Callable[[int], None] | None = None) -> int:
    """Write answers as canonical CSV; returns the number of rows written (``progress``
    hears the count every 10,000 rows)."""
    require_role(actor, Role.ADMIN)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    n = 0
    school_id = school_scope(actor, school_id)
    if school_id is not None and uow.schools.get(school_id) is None:
        raise NotFound(f"no school {school_id}")
    for ev, student_key in uow.evidence.stream(school_id):
        if ev.item_id is None or not ev.skill_codes:
            continue
        d = ev.data
        writer.writerow(format_row(student_key or ev.learner_id, ev.item_id, ev.skill_codes, ev.score,
                                   ev.timestamp, ev.id, d.get("duration_s"), d.get("hints"), d.get("attempt")))
        n += 1
        if progress is not None and n % 10_000 == 0:
            progress(n)
    uow.audit.add(actor.user_id, "export:responses", None, f"school:{school_id or 'all'}", {"rows": n})
    return n


def export_to_string(uow: UnitOfWork, actor: Actor, school_id: str | None = None) -> str:
    buf = io.StringIO()
    export_responses(uow, actor, buf, school_id)
    return buf.getvalue()
