"""Repositories of paths, classes, mastery and items: the questions the path, mastery,
school, item-bank and learner-model services ask the database, and the rows they write.

Like ``store.repositories``: rows never leave; each method returns plain values (tuples,
dicts, small frozen dataclasses or domain objects). Statements asked on the hot paths
(What's next, recording an answer) are built once, when this module is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from pathwise.domain.content import Item
from pathwise.store import tables as t
from pathwise.store import tables_paths as tp
from pathwise.store.errors import StoreError
from pathwise.store.repositories import (
    CONTENT_STAMPS,
    MASTERY_NUMBERS,
    _visible_to,
    held_object,
    item_from_row,
    item_to_spec,
    split_codes,
    transaction_memo,
)
from pathwise.store.tables_kt import LearnerModelStateRow

# The stored fields of one skill's path state, named as the engine's ``SkillPath`` names them.
SKILL_COLUMNS = ("status", "stability", "reviews", "lapses", "mastered_at", "last_review_at", "baseline_n",
                 "spinning", "flagged_at", "flag_total_n")


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


class _Repo:
    def __init__(self, session: Session) -> None:
        self.s = session


# ---------------------------------------------------------------- paths

_LID = bindparam("lid")
_FID = bindparam("fid")
_STAMP = select(
    select(func.count()).select_from(t.FrameworkRow).where(t.FrameworkRow.id == _FID).scalar_subquery(),
    select(func.count()).select_from(t.SkillRow).where(t.SkillRow.framework_id == _FID).scalar_subquery(),
    select(func.count()).select_from(t.PrerequisiteRow).where(t.PrerequisiteRow.framework_id == _FID)
    .scalar_subquery(),
    select(func.count()).select_from(t.ActivityRow).where(t.ActivityRow.framework_id == _FID).scalar_subquery(),
    select(func.count()).select_from(t.ItemRow).where(t.ItemRow.framework_id == _FID).scalar_subquery(),
)
_ACTIVE_PARAMS = (select(t.ModelParamsRow.model, t.ModelParamsRow.id)
                  .where(t.ModelParamsRow.model.in_(bindparam("models", expanding=True)),
                         t.ModelParamsRow.active.is_(True))
                  .order_by(t.ModelParamsRow.fitted_at))
_NUMBERS = select(t.MasteryRow.skill_code, t.MasteryRow.p_mastery, t.MasteryRow.n_evidence, t.MasteryRow.n_correct,
                  t.MasteryRow.last_evidence_at).where(t.MasteryRow.learner_id == _LID)
_STATES = select(tp.PathSkillStateRow.skill_code, *(getattr(tp.PathSkillStateRow, f) for f in SKILL_COLUMNS)).where(
    tp.PathSkillStateRow.learner_id == _LID)
_STATE = LearnerModelStateRow.__table__
_MODEL_STATE = select(_STATE.c.model_version, _STATE.c.state, _STATE.c.last_at, _STATE.c.last_id).where(
    _STATE.c.learner_id == bindparam("lid"))
_SAVE_MODEL_STATE = update(_STATE).where(_STATE.c.learner_id == bindparam("lid")).values(
    {c: bindparam(f"v_{c}", type_=_STATE.c[c].type) for c in ("model_version", "state", "updated_at", "last_at",
                                                              "last_id")})
_PATH_LEARNER = tp.PathLearnerRow.__table__
_SAVE_PATH_LEARNER = (update(_PATH_LEARNER).where(_PATH_LEARNER.c.learner_id == bindparam("lid"))
                      .values(synced_at=bindparam("synced", type_=_PATH_LEARNER.c.synced_at.type),
                              last_check_at=bindparam("checked", type_=_PATH_LEARNER.c.last_check_at.type),
                              newly_mastered=bindparam("newly", type_=_PATH_LEARNER.c.newly_mastered.type),
                              updated_at=bindparam("now", type_=_PATH_LEARNER.c.updated_at.type)))
_LEARNER = select(tp.PathLearnerRow.synced_at, tp.PathLearnerRow.last_check_at,
                  tp.PathLearnerRow.newly_mastered).where(tp.PathLearnerRow.learner_id == _LID)
_OPENED = select(tp.PathOpenedRow.skill_code).where(tp.PathOpenedRow.learner_id == _LID)
_FOCUS = select(tp.PathFocusRow.learner_ids, tp.PathFocusRow.skill_codes).where(
    tp.PathFocusRow.section_id.in_(bindparam("secs", expanding=True)), tp.PathFocusRow.starts_at <= bindparam("now"),
    tp.PathFocusRow.ends_at > bindparam("now"))
_RECENT = (select(tp.PathChoiceRow.activity_id, tp.PathChoiceRow.kind, tp.PathChoiceRow.skill_codes)
           .where(tp.PathChoiceRow.learner_id == _LID)
           .order_by(tp.PathChoiceRow.chosen_at.desc(), tp.PathChoiceRow.id.desc()).limit(bindparam("n")))


class PathRepository(_Repo):
    """Path settings, a framework's path content, and each learner's path state, choices,
    openings and their classes' focus."""

    def database_key(self) -> str:
        """Which database this is (to key caches kept per database)."""
        return str(self.s.get_bind().url)

    # -- settings (stored as model parameters)

    def active_param_ids(self, models: Sequence[str]) -> dict[str, int]:
        """The id of each of ``models``' active parameters (the newest if several)."""
        return {m: int(i) for m, i in self.s.execute(_ACTIVE_PARAMS, {"models": list(models)})}

    def params(self, params_id: int) -> dict[str, Any]:
        """Stored parameters by id (empty if none); stored parameters never change."""
        row = self.s.get(t.ModelParamsRow, params_id)
        return dict(row.params) if row else {}

    # -- a framework's content

    def content_stamp(self, framework_id: str) -> tuple[int, ...] | None:
        """A cheap fingerprint of a framework's content (one query): counts of the framework,
        its skills, prerequisites, activities and items; None when there is no such framework."""
        hit = transaction_memo(self.s, CONTENT_STAMPS).get(framework_id)
        if hit is None:  # read once a transaction, until it writes content (store.repositories)
            row = self.s.execute(_STAMP, {"fid": framework_id}).one()
            hit = (None if not row[0] else tuple(int(x or 0) for x in row),)
            transaction_memo(self.s, CONTENT_STAMPS)[framework_id] = hit
        return hit[0]

    def skills_with_items(self, framework_id: str) -> set[str]:
        """The skills that have at least one item in the framework."""
        out: set[str] = set()
        for codes in self.s.scalars(select(t.ItemRow.skill_codes).where(t.ItemRow.framework_id == framework_id)):
            out.update(split_codes(codes))
        return out

    # -- a learner's path state

    def mastery_numbers(self, learner_id: str) -> list[tuple[str, float, int, int, datetime | None]]:
        """(skill, estimate, evidence, right answers, last evidence) of each skill the
        learner has mastery for: the projection's numbers, not the model state beside them."""
        # read once a transaction: the strengths and the path fold of one answer ask alike; a
        # mastery write clears it (MasteryRepository)
        hit = transaction_memo(self.s, MASTERY_NUMBERS).get(learner_id)
        if hit is None:
            hit = [(r[0], r[1], r[2], r[3], r[4]) for r in self.s.execute(_NUMBERS, {"lid": learner_id})]
            transaction_memo(self.s, MASTERY_NUMBERS)[learner_id] = hit  # the transaction has begun now
        return list(hit)

    def skill_states(self, learner_id: str) -> dict[str, dict[str, Any]]:
        """Each stored skill state of the learner's path: skill -> {field: value} (``SKILL_COLUMNS``)."""
        return {r[0]: dict(zip(SKILL_COLUMNS, r[1:], strict=True))
                for r in self.s.execute(_STATES, {"lid": learner_id})}

    def path_learner(self, learner_id: str) -> tuple[datetime | None, datetime | None, list[str]] | None:
        """(synced at, last mastery check at, newly mastered skills), or None before the first sync."""
        row = self.s.execute(_LEARNER, {"lid": learner_id}).first()
        return None if row is None else (row[0], row[1], list(row[2] or []))

    def opened_skills(self, learner_id: str) -> frozenset[str]:
        """The skills teachers opened early for the learner."""
        return frozenset(self.s.scalars(_OPENED, {"lid": learner_id}))

    def evidence_since(self, learner_id: str, at: datetime | None) -> list[tuple[tuple[str, ...], float, datetime]]:
        """(skills, score, time) of the learner's evidence after ``at`` (all if None), in
        canonical order."""
        q = (select(t.EvidenceRow.skill_codes, t.EvidenceRow.score, t.EvidenceRow.timestamp)
             .where(t.EvidenceRow.learner_id == learner_id)
             .order_by(t.EvidenceRow.timestamp, t.EvidenceRow.seq))
        if at is not None:
            q = q.where(t.EvidenceRow.timestamp > at)
        return [(split_codes(codes), float(score), ts) for codes, score, ts in self.s.execute(q)]

    def answer_stream(self, kinds: Sequence[str], school_id: str | None = None,
                      batch: int = 5000) -> Iterator[tuple[str, tuple[str, ...], float, datetime]]:
        """(learner, skills, score, time) of every piece of evidence of ``kinds`` (of the
        school's learners, or of everyone), by learner and in canonical order; streamed from
        the database ``batch`` rows at a time (no ORM rows, nothing kept here)."""
        q = (select(t.EvidenceRow.learner_id, t.EvidenceRow.skill_codes, t.EvidenceRow.score,
                    t.EvidenceRow.timestamp)
             .where(t.EvidenceRow.kind.in_(list(kinds)))
             .order_by(t.EvidenceRow.learner_id, t.EvidenceRow.timestamp, t.EvidenceRow.seq))
        if school_id is not None:
            q = q.join(t.UserRow, t.UserRow.id == t.EvidenceRow.learner_id).where(t.UserRow.school_id == school_id)
        for lid, codes, score, ts in self.s.execute(q.execution_options(yield_per=batch)):
            yield lid, split_codes(codes), float(score), _aware(ts)

    def recent_scores(self, learner_id: str, code: str, kinds: Sequence[str], n: int) -> list[float]:
        """The scores of the learner's latest ``n`` evidence of ``kinds`` on skill ``code``,
        oldest first."""
        q = (select(t.EvidenceRow.skill_codes, t.EvidenceRow.score)
             .where(t.EvidenceRow.learner_id == learner_id, t.EvidenceRow.kind.in_(list(kinds)),
                    t.EvidenceRow.skill_codes.contains(code, autoescape=True))
             .order_by(t.EvidenceRow.timestamp.desc(), t.EvidenceRow.seq.desc()))
        out: list[float] = []
        for codes, score in self.s.execute(q):
            if code in split_codes(codes):  # "contains" also finds longer codes that hold this one
                out.append(float(score))
                if len(out) == n:
                    break
        return out[::-1]

    def newest_evidence(self, learner_ids: Sequence[str]) -> dict[str, datetime]:
        """The time of each learner's newest evidence (learners without any are absent)."""
        if not learner_ids:
            return {}
        q = (select(t.EvidenceRow.learner_id, func.max(t.EvidenceRow.timestamp))
             .where(t.EvidenceRow.learner_id.in_(list(learner_ids))).group_by(t.EvidenceRow.learner_id))
        return {lid: _aware(at) for lid, at in self.s.execute(q)}

    def save_skill_states(self, learner_id: str, states: Mapping[str, Mapping[str, Any]], now: datetime) -> None:
        """Store the given skill states of the learner's path (skill -> {field: value}),
        adding those not stored yet."""
        if not states:
            return
        codes = sorted(states)
        q = select(tp.PathSkillStateRow).where(tp.PathSkillStateRow.learner_id == learner_id,
                                               tp.PathSkillStateRow.skill_code.in_(codes))
        stored = {r.skill_code: r for r in self.s.scalars(q)}
        for code in codes:
            row = stored.get(code)
            if row is None:
                row = tp.PathSkillStateRow(learner_id=learner_id, skill_code=code)
                self.s.add(row)
            for f, v in states[code].items():
                setattr(row, f, v)
            row.updated_at = now

    def save_path_learner(self, learner_id: str, synced_at: datetime | None, last_check_at: datetime | None,
                          newly_mastered: Sequence[str], now: datetime, *, stored: bool = False) -> None:
        """Store the learner's path row; ``stored``: the caller read it in this transaction, so
        one UPDATE does (no read first)."""
        if stored and held_object(self.s, tp.PathLearnerRow, learner_id) is None:
            # a statement on the table (no object of this transaction holds the row to disagree)
            self.s.connection().execute(_SAVE_PATH_LEARNER, {
                "lid": learner_id, "synced": synced_at, "checked": last_check_at,
                "newly": list(newly_mastered), "now": now})
            return
        row = self.s.get(tp.PathLearnerRow, learner_id)
        if row is None:
            row = tp.PathLearnerRow(learner_id=learner_id)
            self.s.add(row)
        row.synced_at, row.last_check_at, row.newly_mastered = synced_at, last_check_at, list(newly_mastered)
        row.updated_at = now

    # -- what people record: choices, openings, focus

    def add_choice(self, learner_id: str, activity_id: str, kind: str, skill_codes: Sequence[str], purpose: str,
                   reason: str, offered: Sequence[str], chosen_at: datetime) -> None:
        self.s.add(tp.PathChoiceRow(learner_id=learner_id, activity_id=activity_id, kind=kind,
                                    skill_codes=";".join(skill_codes), purpose=purpose, reason=reason,
                                    offered=list(offered), chosen_at=chosen_at))

    def recent_choices(self, learner_id: str, n: int) -> list[tuple[str, str, tuple[str, ...]]]:
        """(activity, kind, skills) of the learner's latest ``n`` choices, newest first."""
        return [(a, k, split_codes(c)) for a, k, c in self.s.execute(_RECENT, {"lid": learner_id, "n": n})]

    def choices(self, learner_id: str, limit: int) -> list[dict[str, Any]]:
        """The learner's latest ``limit`` choices, newest first, each as a dict."""
        q = (select(tp.PathChoiceRow).where(tp.PathChoiceRow.learner_id == learner_id)
             .order_by(tp.PathChoiceRow.chosen_at.desc(), tp.PathChoiceRow.id.desc()).limit(limit))
        return [{"activity_id": r.activity_id, "kind": r.kind, "skills": list(split_codes(r.skill_codes)),
                 "purpose": r.purpose, "reason": r.reason, "offered": list(r.offered or []), "chosen_at": r.chosen_at}
                for r in self.s.scalars(q)]

    def open_skill(self, learner_id: str, skill_code: str, opened_by: str | None, note: str, at: datetime) -> None:
        """Open a skill early for a learner, or record who opened it again and when."""
        row = self.s.get(tp.PathOpenedRow, (learner_id, skill_code))
        if row is None:
            self.s.add(tp.PathOpenedRow(learner_id=learner_id, skill_code=skill_code, opened_by=opened_by, note=note))
        else:
            row.opened_by, row.note, row.opened_at = opened_by, note, at

    def close_skill(self, learner_id: str, skill_code: str) -> bool:
        """Undo an opening; whether there was one."""
        row = self.s.get(tp.PathOpenedRow, (learner_id, skill_code))
        if row is None:
            return False
        self.s.delete(row)
        return True

    def add_focus(self, section_id: str, learner_ids: Sequence[str], skill_codes: Sequence[str], note: str,
                  set_by: str | None, starts_at: datetime, ends_at: datetime) -> int:
        """Store a class's (or a group's) focus; returns its id."""
        row = tp.PathFocusRow(section_id=section_id, learner_ids=list(learner_ids), skill_codes=list(skill_codes),
                              note=note, set_by=set_by, starts_at=starts_at, ends_at=ends_at, created_at=starts_at)
        self.s.add(row)
        self.s.flush()
        return row.id

    def focus_in_sections(self, section_ids: Sequence[str], now: datetime) -> list[tuple[list[str], list[str]]]:
        """(learners, skills) of each focus in force now in the sections (no learners: the whole class)."""
        return [(list(ls or []), list(cs or []))
                for ls, cs in self.s.execute(_FOCUS, {"secs": list(section_ids), "now": now})]

    def section_focus(self, section_id: str, now: datetime) -> list[tuple[int, tuple[str, ...], tuple[str, ...],
                                                                          datetime]]:
        """(id, skills, learners, ends at) of each focus in force now in the section, oldest first."""
        q = (select(tp.PathFocusRow).where(tp.PathFocusRow.section_id == section_id, tp.PathFocusRow.starts_at <= now,
                                           tp.PathFocusRow.ends_at > now).order_by(tp.PathFocusRow.id))
        return [(r.id, tuple(r.skill_codes), tuple(r.learner_ids), r.ends_at) for r in self.s.scalars(q)]


# ---------------------------------------------------------------- the learner model


@dataclass(frozen=True, slots=True)
class LearnerModelState:
    """A learner's stored model state and the newest evidence folded into it."""

    model_version: str
    state: dict[str, Any]
    last_at: datetime | None
    last_id: str


class LearnerModelRepository(_Repo):
    """The learner model's running state per learner, and what mastery reads beside it."""

    def active_version(self, slot: str) -> str | None:
        """The version of the active parameters in ``slot`` (one small query)."""
        q = (select(t.ModelParamsRow.version)
             .where(t.ModelParamsRow.model == slot, t.ModelParamsRow.active.is_(True))
             .order_by(t.ModelParamsRow.fitted_at.desc()).limit(1))
        return self.s.scalar(q)

    def state(self, learner_id: str) -> LearnerModelState | None:
        """The learner's stored model state, read as plain columns: ``state`` is decoded afresh
        for the caller, who may change it in place (saving it is ``save_state``)."""
        found = self.s.connection().execute(_MODEL_STATE, {"lid": learner_id}).first()
        if found is None:
            return None
        return LearnerModelState(found[0], found[1], found[2], found[3])

    def save_state(self, learner_id: str, *, model_version: str, state: dict[str, Any], last_at: datetime | None,
                   last_id: str, updated_at: datetime) -> None:
        """Store the learner's model state: an update when there is one (one statement), else
        an insert."""
        values = {"model_version": model_version, "state": state, "updated_at": updated_at, "last_at": last_at,
                  "last_id": last_id}
        done = self.s.connection().execute(_SAVE_MODEL_STATE,
                                           {"lid": learner_id, **{f"v_{k}": v for k, v in values.items()}})
        if done.rowcount == 0:
            table = LearnerModelStateRow.__table__
            self.s.connection().execute(insert(table).values(learner_id=learner_id, **values))

    def replace_states(self, states: Mapping[str, dict[str, Any] | None]) -> None:
        """Store these learners' model states at once (the values ``save_state`` takes;
        None deletes the learner's state): one delete, one insert."""
        if not states:
            return
        R = LearnerModelStateRow
        self.s.execute(delete(R).where(R.learner_id.in_(list(states))))
        rows = [dict(values, learner_id=lid) for lid, values in states.items() if values is not None]
        if rows:
            self.s.connection().execute(insert(R.__table__), rows)

    def delete_state(self, learner_id: str) -> None:
        self.replace_states({learner_id: None})

    def outdated_learners(self, version: str) -> list[str]:
        """Learners with a mastery row estimated by another model version than ``version``, sorted."""
        q = select(t.MasteryRow.learner_id).where(t.MasteryRow.model_version != version).distinct()
        return sorted(self.s.scalars(q))

    def thresholds(self, skill_codes: Iterable[str], *, school_id: str | None = None,
                   learner_id: str | None = None) -> dict[str, float]:
        """Each known skill's mastery threshold (its framework's). Given a school (or a
        learner, for the learner's school), from that school's frameworks and the shared
        ones only, the school's own winning, as ``FrameworkRepository.skill_titles`` names them."""
        return {c: th for c, (_title, th) in self.titles_and_thresholds(skill_codes, school_id=school_id,
                                                                         learner_id=learner_id).items()}

    def titles_and_thresholds(self, skill_codes: Iterable[str], *, school_id: str | None = None,
                              learner_id: str | None = None) -> dict[str, tuple[str, float]]:
        """Each known skill's (title, mastery threshold) in one statement, chosen as
        ``thresholds`` and ``FrameworkRepository.skill_titles`` choose (a meter shows both)."""
        codes = list(set(skill_codes))
        if not codes:
            return {}
        S, F = t.SkillRow, t.FrameworkRow
        q = select(S.code, S.title, F.mastery_threshold).join(F, F.id == S.framework_id).where(S.code.in_(codes))
        if school_id is not None or learner_id is not None:
            q = q.where(_visible_to(F.school_id, school_id, learner_id))
        q = q.order_by(F.school_id.is_not(None), F.id)  # later rows win: a school's own after the shared
        return {c: (title, th) for c, title, th in self.s.execute(q)}


# ---------------------------------------------------------------- school reads


class SchoolReadRepository(_Repo):
    """Counts the school's home pages show."""

    def activity(self, learner_ids: Sequence[str]) -> dict[str, tuple[int, datetime | None]]:
        """Evidence count and newest evidence time per learner, in one query (learners
        without evidence are absent)."""
        if not learner_ids:
            return {}
        q = (select(t.EvidenceRow.learner_id, func.count(), func.max(t.EvidenceRow.timestamp))
             .where(t.EvidenceRow.learner_id.in_(list(learner_ids)))
             .group_by(t.EvidenceRow.learner_id))
        out: dict[str, tuple[int, datetime | None]] = {}
        for lid, n, newest in self.s.execute(q):
            out[lid] = (int(n), _aware(newest) if isinstance(newest, datetime) else None)
        return out

    def role_counts(self, school_id: str) -> dict[str, int]:
        """How many users of each role the school has (roles without users are absent)."""
        q = select(t.UserRow.role, func.count()).where(t.UserRow.school_id == school_id).group_by(t.UserRow.role)
        return {role: int(n) for role, n in self.s.execute(q)}

    def evidence_count(self, school_id: str) -> int:
        """The evidence of all the school's learners."""
        q = (select(func.count()).select_from(t.EvidenceRow).join(t.UserRow, t.UserRow.id == t.EvidenceRow.learner_id)
             .where(t.UserRow.school_id == school_id))
        return int(self.s.scalar(q) or 0)

    def enrolled(self, section_ids: Sequence[str], role: str) -> dict[str, int]:
        """How many members with ``role`` each section has (sections without are absent)."""
        if not section_ids:
            return {}
        q = (select(t.EnrollmentRow.section_id, func.count())
             .where(t.EnrollmentRow.role == role, t.EnrollmentRow.section_id.in_(list(section_ids)))
             .group_by(t.EnrollmentRow.section_id))
        return {sid: int(n) for sid, n in self.s.execute(q)}

    def ping(self) -> None:
        """Ask the database a trivial question; ``StoreError`` if it does not answer."""
        try:
            self.s.execute(select(1))
        except SQLAlchemyError as exc:
            raise StoreError(str(exc)) from None


# ---------------------------------------------------------------- the item bank


class ItemBankRepository(_Repo):
    """Items as authors import them: which skills exist, and storing a batch by id."""

    def known_skills(self, codes: Iterable[str], framework_id: str | None = None, *,
                     school_id: str | None = None, every_school: bool = True) -> set[str]:
        """Those of ``codes`` that are skills (of ``framework_id`` if given; with
        ``every_school`` off, of the school's own or the shared frameworks only)."""
        wanted = list(set(codes))
        if not wanted:
            return set()
        out: set[str] = set()
        F = t.FrameworkRow
        for i in range(0, len(wanted), 500):
            q = select(t.SkillRow.code).where(t.SkillRow.code.in_(wanted[i:i + 500]))
            if framework_id:
                q = q.where(t.SkillRow.framework_id == framework_id)
            if not every_school:
                mine = F.school_id.is_(None) if school_id is None else (F.school_id.is_(None) | (F.school_id == school_id))
                q = q.join(F, F.id == t.SkillRow.framework_id).where(mine)
            out.update(self.s.scalars(q))
        return out

    def owners(self, ids: Iterable[str]) -> dict[str, str | None]:
        """The stored items among ``ids`` and the school that owns each (None: shared)."""
        wanted = list(set(ids))
        out: dict[str, str | None] = {}
        for i in range(0, len(wanted), 500):
            out.update(self.s.execute(select(t.ItemRow.id, t.ItemRow.school_id)  # type: ignore[arg-type]
                                      .where(t.ItemRow.id.in_(wanted[i:i + 500]))).all())
        return out

    def save(self, items: Sequence[Item], framework_id: str | None = None,
             school_id: str | None = None) -> tuple[int, int, int]:
        """Add the items not stored yet (owned by ``school_id``; None: shared) and update
        those that changed (by id); an item is unchanged when it equals the stored one and,
        with ``framework_id``, is already in that framework. Returns (created, updated,
        unchanged). Whose items may be updated is the service's question."""
        ids = list(dict.fromkeys(it.id for it in items))
        stored: dict[str, t.ItemRow] = {}
        for i in range(0, len(ids), 500):
            stored.update((r.id, r) for r in self.s.scalars(select(t.ItemRow).where(t.ItemRow.id.in_(ids[i:i + 500]))))
        created = updated = unchanged = 0
        for item in items:
            row = stored.get(item.id)
            if row is None:
                row = t.ItemRow(id=item.id, framework_id=framework_id, type=item.type.value, prompt=item.prompt,
                                skill_codes=";".join(item.skill_codes), difficulty=item.difficulty,
                                spec=item_to_spec(item), school_id=school_id)
                self.s.add(row)
                stored[item.id] = row
                created += 1
                continue
            if (item_from_row(row) == item and (row.spec or {}).get("extra", {}) == item.spec
                    and row.framework_id == (framework_id or row.framework_id)):
                unchanged += 1
                continue
            row.type = item.type.value
            row.prompt = item.prompt
            row.skill_codes = ";".join(item.skill_codes)
            row.difficulty = item.difficulty
            row.spec = item_to_spec(item)
            if framework_id:
                row.framework_id = framework_id
            updated += 1
        return created, updated, unchanged
