"""Repositories of practice and assessment: the questions ``services.practice`` and
``services.assessments`` ask the database, and the rows they add or change.

Rows never leave: each method returns records of ``domain.practice`` or
``domain.assessment`` values. Reads by primary key go through the session's identity
map (``Session.get``), so a record already loaded in the transaction (a presentation
being answered, a mastery row just written by the tracker) costs no second query; the
pinned counts of ``tests/integration/test_query_counts.py`` rely on it. A change to a
stored row is one UPDATE by key, sent at once: the identity map holds rows weakly, so a
row read earlier in the use case may be gone, and reading it again to change it would
cost a query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pathwise.domain.assessment import Assessment, AssessmentKind, Criterion, Level, Rubric, Window
from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.practice import (
    Assignment,
    OutsideWork,
    PracticeResponse,
    PracticeSession,
    Presentation,
    RubricScore,
)
from pathwise.store import tables as t
from pathwise.store import tables_practice as tp
from pathwise.store.errors import AlreadyStored
from pathwise.store.repositories import MASTERY_NUMBERS, transaction_memo


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c for c in text.split(";") if c)


# -- rows to records -----------------------------------------------------------------------------


def _session(r: Any) -> PracticeSession:
    """A practice session from its row (an object or a row of columns by name)."""
    return PracticeSession(
        id=r.id, learner_id=r.learner_id, skill_code=r.skill_code, mode=r.mode, started_at=r.started_at,
        assessment_id=r.assessment_id, assignment_id=r.assignment_id, ended_at=r.ended_at,
        deadline_at=r.deadline_at, start_mastery=dict(r.start_mastery or {}), settings=dict(r.settings or {}),
        summary=dict(r.summary or {}))


_S = tp.PracticeSessionRow
_SESSION_BY_ID = select(_S.id, _S.learner_id, _S.skill_code, _S.mode, _S.started_at, _S.assessment_id,
                        _S.assignment_id, _S.ended_at, _S.deadline_at, _S.start_mastery, _S.settings,
                        _S.summary).where(_S.id == bindparam("sid"))


# An item shown is read as plain columns, never as an object the session keeps, and changed
# by a statement on the table: no object of this transaction can disagree with the row (an
# answer reads the item shown and changes it; see docs/decisions/0016).
_P = tp.PracticePresentationRow
_PRESENTATION_COLUMNS = (_P.id, _P.session_id, _P.learner_id, _P.item_id, _P.position, _P.shown_at, _P.params,
                         _P.choices, _P.hints_shown, _P.attempts, _P.first_correct, _P.done, _P.completed_at)
_PRESENTATION_BY_ID = select(*_PRESENTATION_COLUMNS).where(_P.id == bindparam("pid"))


def _presentation(r: Any) -> Presentation:
    """An item shown, from its row's columns (a row of ``_PRESENTATION_COLUMNS``)."""
    return Presentation(
        id=r.id, session_id=r.session_id, learner_id=r.learner_id, item_id=r.item_id, position=r.position,
        shown_at=r.shown_at, params=dict(r.params or {}), choices=tuple(r.choices or ()), hints_shown=r.hints_shown,
        attempts=r.attempts, first_correct=r.first_correct, done=r.done, completed_at=r.completed_at)


_R = tp.PracticeResponseRow
_RESPONSE_COLUMNS = (_R.id, _R.presentation_id, _R.learner_id, _R.client_attempt_id, _R.status, _R.score,
                     _R.created_at, _R.response, _R.message, _R.misconception, _R.confidence)
# built once (an answer asks both): a response is only ever added, so its columns are the row
_RESPONSE_TO_ATTEMPT = select(*_RESPONSE_COLUMNS).where(_R.learner_id == bindparam("lid"),
                                                        _R.client_attempt_id == bindparam("aid"))
_ANSWERED = (select(func.count()).select_from(tp.PracticePresentationRow)
             .where(tp.PracticePresentationRow.session_id == bindparam("sid"),
                    tp.PracticePresentationRow.attempts > 0))


def _response(r: Any) -> PracticeResponse:
    """A response from its row (an object, or a row of ``_RESPONSE_COLUMNS``)."""
    return PracticeResponse(
        id=r.id, presentation_id=r.presentation_id, learner_id=r.learner_id, client_attempt_id=r.client_attempt_id,
        status=r.status, score=r.score, created_at=r.created_at, response=dict(r.response or {}), message=r.message,
        misconception=r.misconception, confidence=r.confidence)


def _rubric(r: tp.RubricRow) -> Rubric:
    return Rubric(r.id, r.title, tuple(
        Criterion(c["id"], c["title"], tuple(c["skill_codes"]),
                  tuple(Level(lv["points"], lv["label"], lv.get("description", "")) for lv in c["levels"]))
        for c in r.criteria))


def _criteria(rubric: Rubric) -> list[dict[str, Any]]:
    return [{"id": c.id, "title": c.title, "skill_codes": list(c.skill_codes),
             "levels": [{"points": lv.points, "label": lv.label, "description": lv.description} for lv in c.levels]}
            for c in rubric.criteria]


def _assessment(r: tp.AssessmentRow) -> Assessment:
    return Assessment(r.id, r.title, AssessmentKind(r.kind), _codes(r.skill_codes), tuple(r.item_ids or ()),
                      r.rubric_id, r.time_limit_minutes, r.hints_allowed, r.peer_review, r.description)


def _assessment_values(a: Assessment) -> dict[str, Any]:
    return dict(title=a.title, kind=a.kind.value, skill_codes=";".join(a.skill_codes), item_ids=list(a.item_ids),
                rubric_id=a.rubric_id, time_limit_minutes=a.time_limit_minutes, hints_allowed=a.hints_allowed,
                peer_review=a.peer_review, description=a.description)


def _assignment(r: tp.AssignmentRow) -> Assignment:
    return Assignment(r.id, r.assessment_id, r.section_id, Window(r.opens_at, r.closes_at), tuple(r.student_ids or ()))


def _score(r: tp.RubricScoreRow) -> RubricScore:
    return RubricScore(r.assessment_id, r.learner_id, r.criterion_id, r.points, r.state, r.scorer_id, r.created_at,
                       r.comment, r.evidence_id)


def _outside(r: tp.EvidenceSubmissionRow) -> OutsideWork:
    return OutsideWork(r.id, r.learner_id, r.title, r.description, r.artefact_url, _codes(r.skill_codes), r.state,
                       r.created_at, r.review_note, r.reviewer_id, tuple(r.evidence_ids or ()), r.reviewed_at)


class _Repo:
    def __init__(self, session: Session) -> None:
        self.s = session


# -- practice sessions ---------------------------------------------------------------------------


class PracticeRepository(_Repo):
    """Practice sessions, the items shown in them and the responses given."""

    # sessions

    def session(self, session_id: str) -> PracticeSession | None:
        # as plain columns (every answer and next item asks): the session's changes are
        # statements on the table, so the row read is the row as this transaction left it
        row = self.s.connection().execute(_SESSION_BY_ID, {"sid": session_id}).first()
        return _session(row) if row else None

    def open_session(self, learner_id: str, skill_code: str, mode: str, started_since: datetime,
                     assessment_id: str | None = None) -> PracticeSession | None:
        """The learner's newest unfinished session on the skill in this mode (and for this
        assessment, when given) started at or after ``started_since``."""
        S = tp.PracticeSessionRow
        q = (select(S).where(S.learner_id == learner_id, S.skill_code == skill_code, S.mode == mode,
                             S.ended_at.is_(None), S.started_at >= started_since)
             .order_by(S.started_at.desc()))
        if assessment_id is not None:
            q = q.where(S.assessment_id == assessment_id)
        row = self.s.scalars(q).first()
        return _session(row) if row else None

    def add_session(self, s: PracticeSession) -> None:
        self.s.add(tp.PracticeSessionRow(
            id=s.id, learner_id=s.learner_id, skill_code=s.skill_code, mode=s.mode, assessment_id=s.assessment_id,
            assignment_id=s.assignment_id, started_at=s.started_at, ended_at=s.ended_at, deadline_at=s.deadline_at,
            start_mastery=dict(s.start_mastery), settings=dict(s.settings), summary=dict(s.summary)))

    def end_session(self, session_id: str, ended_at: datetime, summary: dict[str, Any]) -> None:
        S = tp.PracticeSessionRow
        self.s.execute(update(S).where(S.id == session_id).values(ended_at=ended_at, summary=summary))

    def recent_sessions(self, learner_id: str, limit: int) -> list[PracticeSession]:
        S = tp.PracticeSessionRow
        q = select(S).where(S.learner_id == learner_id).order_by(S.started_at.desc()).limit(limit)
        return [_session(r) for r in self.s.scalars(q)]

    # presentations

    def _shown(self, q: Any, params: dict[str, Any] | None = None) -> list[Presentation]:
        return [_presentation(r) for r in self.s.connection().execute(q, params or {})]

    def presentation(self, presentation_id: str) -> Presentation | None:
        found = self._shown(_PRESENTATION_BY_ID, {"pid": presentation_id})
        return found[0] if found else None

    def open_presentation(self, session_id: str) -> Presentation | None:
        """The session's unfinished item (the latest, should there be more than one)."""
        P = _P
        found = self._shown(select(*_PRESENTATION_COLUMNS).where(P.session_id == session_id, P.done.is_(False))
                            .order_by(P.position.desc()).limit(1))
        return found[0] if found else None

    def last_finished(self, session_id: str) -> Presentation | None:
        P = _P
        found = self._shown(select(*_PRESENTATION_COLUMNS).where(P.session_id == session_id, P.done.is_(True))
                            .order_by(P.position.desc()).limit(1))
        return found[0] if found else None

    def presentations(self, session_id: str) -> list[Presentation]:
        P = _P
        return self._shown(select(*_PRESENTATION_COLUMNS).where(P.session_id == session_id).order_by(P.position))

    def items_shown(self, session_id: str) -> list[str]:
        """The item ids shown in the session, in order."""
        P = tp.PracticePresentationRow
        return list(self.s.scalars(select(P.item_id).where(P.session_id == session_id).order_by(P.position)))

    def recent_items(self, learner_id: str, limit: int) -> list[str]:
        """The item ids of the learner's last ``limit`` presentations, in any session."""
        P = tp.PracticePresentationRow
        q = select(P.item_id).where(P.learner_id == learner_id).order_by(P.shown_at.desc()).limit(limit)
        return list(self.s.scalars(q))

    def answered_count(self, session_id: str) -> int:
        return int(self.s.connection().execute(_ANSWERED, {"sid": session_id}).scalar() or 0)

    def add_presentation(self, p: Presentation) -> None:
        self.s.add(tp.PracticePresentationRow(
            id=p.id, session_id=p.session_id, learner_id=p.learner_id, item_id=p.item_id, position=p.position,
            params=dict(p.params), choices=list(p.choices), shown_at=p.shown_at, hints_shown=p.hints_shown,
            attempts=p.attempts, first_correct=p.first_correct, done=p.done, completed_at=p.completed_at))

    def _change(self, presentation_id: str, **values: Any) -> None:
        """One UPDATE by key, on the table (no read first, no object to keep in step)."""
        P = _P.__table__
        self.s.connection().execute(update(P).where(P.c.id == presentation_id).values(**values))

    def finish_presentation(self, presentation_id: str, at: datetime) -> None:
        """Mark the item done (skipped, or left open when its session ends)."""
        self._change(presentation_id, done=True, completed_at=at)

    def record_attempt(self, presentation_id: str, attempts: int, first_correct: bool | None,
                       done_at: datetime | None) -> None:
        """Count an answer: ``first_correct`` is set on the first attempt (None: leave it);
        ``done_at`` finishes the item."""
        values: dict[str, Any] = {"attempts": attempts}
        if first_correct is not None:
            values["first_correct"] = first_correct
        if done_at is not None:
            values.update(done=True, completed_at=done_at)
        self._change(presentation_id, **values)

    def show_hints(self, presentation_id: str, hints_shown: int) -> None:
        self._change(presentation_id, hints_shown=hints_shown)

    def finish_open_presentations(self, session_id: str, at: datetime) -> None:
        """Every unfinished item of the session is done (the session ends): one statement."""
        P = _P.__table__
        self.s.connection().execute(update(P).where(P.c.session_id == session_id, P.c.done.is_(False))
                                    .values(done=True, completed_at=at))

    # responses

    def add_response(self, r: PracticeResponse) -> None:
        """Store a checked answer now. Raises ``AlreadyStored`` when the learner's attempt
        id (or the response id) is taken: a double submit; the caller rolls back."""
        self.s.add(tp.PracticeResponseRow(
            id=r.id, presentation_id=r.presentation_id, learner_id=r.learner_id,
            client_attempt_id=r.client_attempt_id, response=dict(r.response), status=r.status, score=r.score,
            message=r.message, misconception=r.misconception, confidence=r.confidence, created_at=r.created_at))
        try:
            self.s.flush()
        except IntegrityError as exc:
            raise AlreadyStored(f"attempt {r.client_attempt_id} of {r.learner_id} is already stored") from exc

    def response_to_attempt(self, learner_id: str, client_attempt_id: str) -> PracticeResponse | None:
        row = self.s.connection().execute(_RESPONSE_TO_ATTEMPT, {"lid": learner_id, "aid": client_attempt_id}).first()
        return _response(row) if row else None

    def last_response(self, presentation_id: str) -> PracticeResponse | None:
        R = tp.PracticeResponseRow
        q = select(R).where(R.presentation_id == presentation_id).order_by(R.created_at.desc()).limit(1)
        row = self.s.scalar(q)
        return _response(row) if row else None

    def responses(self, presentation_ids: Sequence[str]) -> list[PracticeResponse]:
        """The responses to these presentations (in no particular order)."""
        R = tp.PracticeResponseRow
        q = select(R).where(R.presentation_id.in_(list(presentation_ids) or [""]))
        return [_response(r) for r in self.s.scalars(q)]

    def confidence_ratings(self, learner_id: str) -> list[tuple[float, str]]:
        """(confidence, status) of each of the learner's responses rated before checking."""
        R = tp.PracticeResponseRow
        q = select(R.confidence, R.status).where(R.learner_id == learner_id, R.confidence.is_not(None))
        return [(float(c), st) for c, st in self.s.execute(q)]

    def misconceptions_seen(self, learner_ids: Sequence[str], since: datetime) -> list[tuple[str, str | None, str]]:
        """(learner id, item id, misconception code) of each answer evidence of these
        learners since ``since`` whose check named a misconception."""
        if not learner_ids:
            return []
        E = t.EvidenceRow
        q = select(E.learner_id, E.item_id, E.data).where(
            E.learner_id.in_(list(learner_ids)), E.kind == EvidenceKind.ANSWER.value, E.timestamp >= since)
        out = []
        for learner_id, item_id, data in self.s.execute(q):
            code = (data or {}).get("misconception")
            if isinstance(code, str) and code:
                out.append((learner_id, item_id, code))
        return out

    # what a session's meter and skill list read

    def skill_mastery(self, learner_id: str, skill_code: str) -> tuple[float, int] | None:
        """(estimate, pieces of evidence) of one skill, None when not started. Free when this
        transaction already read the learner's numbers (an answer's path fold does, after its
        mastery write: ``PathRepository.mastery_numbers``)."""
        held = transaction_memo(self.s, MASTERY_NUMBERS).get(learner_id)
        if held is not None:
            return next(((p, n) for code, p, n, *_ in held if code == skill_code), None)
        row = self.s.get(t.MasteryRow, (learner_id, skill_code))
        return (row.p_mastery, row.n_evidence) if row else None

    def skills_mastery(self, learner_id: str, skill_codes: Iterable[str]) -> dict[str, tuple[float, int]]:
        """(estimate, pieces of evidence) of each started skill among ``skill_codes``."""
        codes = list(set(skill_codes))
        if not codes:
            return {}
        M = t.MasteryRow
        q = select(M.skill_code, M.p_mastery, M.n_evidence).where(M.learner_id == learner_id, M.skill_code.in_(codes))
        return {c: (p, n) for c, p, n in self.s.execute(q)}

    def skills_with_items(self) -> set[str]:
        """The codes of every skill some item practises."""
        codes: set[str] = set()
        for (sc,) in self.s.execute(select(t.ItemRow.skill_codes)):
            codes.update(_codes(sc))
        return codes


# -- rubrics, assessments, assignments and rubric scores -----------------------------------------


class StoredRubric(NamedTuple):
    """A rubric with the school that owns it (None: shared) and the user who made it."""

    rubric: Rubric
    school_id: str | None
    created_by: str | None


class StoredAssessment(NamedTuple):
    """An assessment with the school that owns it (None: shared) and the user who made it."""

    assessment: Assessment
    school_id: str | None
    created_by: str | None


def _in_space(column: Any, school_id: str | None) -> Any:
    """Rows of ``school_id``'s id space: its own and the shared ones (only the shared ones
    for no school)."""
    return column.is_(None) if school_id is None else or_(column == school_id, column.is_(None))


def _own_first(rows: Iterable[Any], school_id: str | None) -> Any:
    """Of rows with one id, the school's own before a shared one."""
    return min(rows, key=lambda r: r.school_id != school_id, default=None)


def _of_school(column: Any, school_id: str | None) -> Any:
    return column.is_(None) if school_id is None else column == school_id


class AssessmentRepository(_Repo):
    """Rubrics and assessments (each with the school that owns it: None for shared ones),
    their assignments to classes, and the scores given with rubrics.

    Each school has its own id space: a rubric or assessment is found by its id within a
    school (the school's own first, then a shared one); another school's never."""

    def rubric(self, rubric_id: str, school_id: str | None) -> StoredRubric | None:
        R = tp.RubricRow
        row = _own_first(self.s.scalars(select(R).where(R.id == rubric_id, _in_space(R.school_id, school_id))),
                         school_id)
        return StoredRubric(_rubric(row), row.school_id, row.created_by) if row else None

    def rubrics(self, school_id: str | None) -> list[StoredRubric]:
        """The rubrics in ``school_id``'s space (its own and the shared ones), by title."""
        R = tp.RubricRow
        return [StoredRubric(_rubric(r), r.school_id, r.created_by)
                for r in self.s.scalars(select(R).where(_in_space(R.school_id, school_id)).order_by(R.title, R.id))]

    def add_rubric(self, rubric: Rubric, school_id: str | None, created_by: str | None) -> None:
        """Store a new rubric now. Raises ``AlreadyStored`` when the school already has this
        id (the caller rolls back)."""
        self.s.add(tp.RubricRow(row_key=uuid.uuid4().hex, id=rubric.id, title=rubric.title,
                                criteria=_criteria(rubric), school_id=school_id, created_by=created_by))
        try:
            self.s.flush()
        except IntegrityError as exc:
            raise AlreadyStored(f"rubric {rubric.id} is already stored") from exc

    def replace_rubric(self, rubric: Rubric, school_id: str | None) -> None:
        """Change the title and criteria of the school's rubric with this id."""
        R = tp.RubricRow
        self.s.execute(update(R).where(R.id == rubric.id, _of_school(R.school_id, school_id))
                       .values(title=rubric.title, criteria=_criteria(rubric)))

    def assessment(self, assessment_id: str, school_id: str | None) -> StoredAssessment | None:
        A = tp.AssessmentRow
        row = _own_first(self.s.scalars(select(A).where(A.id == assessment_id, _in_space(A.school_id, school_id))),
                         school_id)
        return StoredAssessment(_assessment(row), row.school_id, row.created_by) if row else None

    def assessments_by_id(self, assessment_ids: Iterable[str], school_id: str | None) -> dict[str, StoredAssessment]:
        """The assessments with these ids in ``school_id``'s space (one query)."""
        ids = list(set(assessment_ids))
        if not ids:
            return {}
        A = tp.AssessmentRow
        by_id: dict[str, list[tp.AssessmentRow]] = {}
        for r in self.s.scalars(select(A).where(A.id.in_(ids), _in_space(A.school_id, school_id))):
            by_id.setdefault(r.id, []).append(r)
        out: dict[str, StoredAssessment] = {}
        for aid, rows in by_id.items():
            row = _own_first(rows, school_id)
            out[aid] = StoredAssessment(_assessment(row), row.school_id, row.created_by)
        return out

    def assessments(self, kind: AssessmentKind | None = None) -> list[StoredAssessment]:
        """Every assessment (of one kind, when given) by title."""
        A = tp.AssessmentRow
        q = select(A)
        if kind is not None:
            q = q.where(A.kind == kind.value)
        return [StoredAssessment(_assessment(r), r.school_id, r.created_by)
                for r in self.s.scalars(q.order_by(A.title, A.id))]

    def add_assessment(self, a: Assessment, school_id: str | None, created_by: str | None) -> None:
        """Store a new assessment now. Raises ``AlreadyStored`` when the school already has
        this id (the caller rolls back)."""
        self.s.add(tp.AssessmentRow(row_key=uuid.uuid4().hex, id=a.id, school_id=school_id, created_by=created_by,
                                    **_assessment_values(a)))
        try:
            self.s.flush()
        except IntegrityError as exc:
            raise AlreadyStored(f"assessment {a.id} is already stored") from exc

    def replace_assessment(self, a: Assessment, school_id: str | None) -> None:
        """Change the school's assessment with this id (everything but its id and owner)."""
        A = tp.AssessmentRow
        self.s.execute(update(A).where(A.id == a.id, _of_school(A.school_id, school_id))
                       .values(**_assessment_values(a)))

    # assignments

    def add_assignment(self, a: Assignment, assigned_by: str | None) -> None:
        self.s.add(tp.AssignmentRow(id=a.id, assessment_id=a.assessment_id, section_id=a.section_id,
                                    student_ids=list(a.student_ids), opens_at=a.window.opens,
                                    closes_at=a.window.closes, assigned_by=assigned_by))

    def assignments_to(self, section_ids: Iterable[str], assessment_id: str | None = None) -> list[Assignment]:
        """The assignments to these classes (of one assessment, when given), by opening time."""
        sections = list(set(section_ids))
        if not sections:
            return []
        A = tp.AssignmentRow
        q = select(A).where(A.section_id.in_(sections))
        if assessment_id is not None:
            q = q.where(A.assessment_id == assessment_id)
        return [_assignment(r) for r in self.s.scalars(q.order_by(A.opens_at))]

    def assignments_of(self, assessment_ids: Iterable[str]) -> dict[str, list[Assignment]]:
        """Each assessment's assignments by opening time (one query for all of them)."""
        ids = list(set(assessment_ids))
        if not ids:
            return {}
        A = tp.AssignmentRow
        out: dict[str, list[Assignment]] = {}
        for r in self.s.scalars(select(A).where(A.assessment_id.in_(ids)).order_by(A.opens_at, A.id)):
            out.setdefault(r.assessment_id, []).append(_assignment(r))
        return out

    # rubric scores

    def add_rubric_scores(self, scores: Iterable[RubricScore]) -> None:
        for sc in scores:
            self.s.add(tp.RubricScoreRow(id=uuid.uuid4().hex, assessment_id=sc.assessment_id, learner_id=sc.learner_id,
                                         criterion_id=sc.criterion_id, points=sc.points, state=sc.state,
                                         scorer_id=sc.scorer_id, comment=sc.comment, evidence_id=sc.evidence_id,
                                         created_at=sc.created_at))

    def rubric_scores(self, assessment_id: str, learner_id: str, *, state: str | None = None,
                      scorer_id: str | None = None) -> list[RubricScore]:
        """A learner's scores on a project, oldest first (optionally of one state or scorer)."""
        R = tp.RubricScoreRow
        q = select(R).where(R.assessment_id == assessment_id, R.learner_id == learner_id)
        if state is not None:
            q = q.where(R.state == state)
        if scorer_id is not None:
            q = q.where(R.scorer_id == scorer_id)
        return [_score(r) for r in self.s.scalars(q.order_by(R.created_at, R.id))]

    def peer_scored(self, assessment_ids: Iterable[str], scorer_id: str, state: str) -> dict[str, set[str]]:
        """Per project, the learners ``scorer_id`` has given scores of ``state`` to."""
        ids = list(set(assessment_ids))
        if not ids:
            return {}
        R = tp.RubricScoreRow
        out: dict[str, set[str]] = {}
        q = select(R.assessment_id, R.learner_id).where(R.assessment_id.in_(ids), R.scorer_id == scorer_id,
                                                         R.state == state)
        for aid, lid in self.s.execute(q):
            out.setdefault(aid, set()).add(lid)
        return out


# -- learning done elsewhere ---------------------------------------------------------------------


class OutsideWorkRepository(_Repo):
    """Submissions of learning done elsewhere, and their review."""

    def add(self, w: OutsideWork) -> None:
        self.s.add(tp.EvidenceSubmissionRow(
            id=w.id, learner_id=w.learner_id, title=w.title, description=w.description, artefact_url=w.artefact_url,
            skill_codes=";".join(w.skill_codes), state=w.state, reviewer_id=w.reviewer_id,
            review_note=w.review_note, evidence_ids=list(w.evidence_ids), created_at=w.created_at,
            reviewed_at=w.reviewed_at))

    def get(self, submission_id: str) -> OutsideWork | None:
        row = self.s.get(tp.EvidenceSubmissionRow, submission_id)
        return _outside(row) if row else None

    def in_state(self, learner_ids: Iterable[str], state: str) -> list[OutsideWork]:
        """These learners' submissions in ``state``, oldest first."""
        ids = list(set(learner_ids))
        if not ids:
            return []
        W = tp.EvidenceSubmissionRow
        q = select(W).where(W.learner_id.in_(ids), W.state == state).order_by(W.created_at)
        return [_outside(r) for r in self.s.scalars(q)]

    def of_learner(self, learner_id: str) -> list[OutsideWork]:
        """The learner's submissions, newest first."""
        W = tp.EvidenceSubmissionRow
        q = select(W).where(W.learner_id == learner_id).order_by(W.created_at.desc())
        return [_outside(r) for r in self.s.scalars(q)]

    def review(self, submission_id: str, state: str, reviewer_id: str | None, note: str,
               evidence_ids: Sequence[str], at: datetime) -> None:
        W = tp.EvidenceSubmissionRow
        self.s.execute(update(W).where(W.id == submission_id).values(
            state=state, reviewer_id=reviewer_id, review_note=note, evidence_ids=list(evidence_ids), reviewed_at=at))
