"""Repository of experiments between two path settings (``tables_experiments``): the
experiments, the students' arms, the school's switch, and the reads the report needs.

Like ``store.repositories``: rows never leave; each method returns plain values. It decides
nothing about access or statistics: the services ask, the engine computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, null, select, union_all, update

from pathwise.store import tables as t
from pathwise.store import tables_experiments as tx
from pathwise.store import tables_paths as tp
from pathwise.store.repositories import _Repo, split_codes


@dataclass(frozen=True, slots=True)
class ExperimentRecord:
    id: int
    school_id: str
    name: str
    question: str
    arm_a: dict[str, Any]
    arm_b: dict[str, Any]
    section_ids: tuple[str, ...] | None  # None: every class of the school
    starts_at: datetime
    ends_at: datetime
    salt: str
    status: str
    created_by: str | None
    created_at: datetime
    stopped_by: str | None
    stopped_at: datetime | None


@dataclass(frozen=True, slots=True)
class ArmOf:
    """A learner's arm in a running experiment, with the experiment's dates."""

    experiment_id: int
    arm: str
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Assignment:
    learner_id: str
    arm: str
    section_id: str | None
    assigned_at: datetime


def _experiment(r: tx.ExperimentRow) -> ExperimentRecord:
    return ExperimentRecord(r.id, r.school_id, r.name, r.question or "", dict(r.arm_a or {}), dict(r.arm_b or {}),
                            None if r.section_ids is None else tuple(str(s) for s in r.section_ids),
                            r.starts_at, r.ends_at, r.salt, r.status, r.created_by, r.created_at, r.stopped_by,
                            r.stopped_at)


# The active path settings and learner-model parameters *and* the learners' arms in running
# experiments, in one statement: the path reads both at once, so the common case (no
# experiment) costs no statement more than reading the settings alone did.
_A, _E, _P = tx.ExperimentAssignmentRow, tx.ExperimentRow, t.ModelParamsRow
_ARMS = select(_A.arm.label("key"), _A.experiment_id.label("num"), _A.learner_id.label("lid"),
               _E.starts_at.label("starts"), _E.ends_at.label("ends"), _E.created_at.label("ord")).join(
    _E, _E.id == _A.experiment_id).where(_A.learner_id.in_(bindparam("lids", expanding=True)),
                                          _E.status == "running")
_PARAMS = select(_P.model, _P.id, null(), null(), null(), _P.fitted_at).where(
    _P.model.in_(bindparam("models", expanding=True)), _P.active.is_(True))
_BOTH = union_all(_ARMS, _PARAMS)
_BOTH_ORDERED = select(_BOTH.subquery()).order_by("ord")


class ExperimentRepository(_Repo):
    # -- experiments

    def add(self, *, school_id: str, name: str, question: str, arm_a: dict[str, Any], arm_b: dict[str, Any],
            section_ids: Sequence[str] | None, starts_at: datetime, ends_at: datetime, salt: str,
            created_by: str | None, now: datetime) -> int:
        row = tx.ExperimentRow(school_id=school_id, name=name, question=question, arm_a=dict(arm_a),
                               arm_b=dict(arm_b), section_ids=None if section_ids is None else list(section_ids),
                               starts_at=starts_at, ends_at=ends_at, salt=salt, status="running",
                               created_by=created_by, created_at=now)
        self.s.add(row)
        self.s.flush()
        return int(row.id)

    def get(self, experiment_id: int) -> ExperimentRecord | None:
        row = self.s.get(tx.ExperimentRow, experiment_id)
        return _experiment(row) if row else None

    def in_school(self, school_id: str) -> list[ExperimentRecord]:
        q = select(tx.ExperimentRow).where(tx.ExperimentRow.school_id == school_id).order_by(
            tx.ExperimentRow.created_at.desc(), tx.ExperimentRow.id.desc())
        return [_experiment(r) for r in self.s.scalars(q)]

    def stop(self, experiment_id: int, by: str | None, now: datetime) -> None:
        self.s.execute(update(tx.ExperimentRow).where(tx.ExperimentRow.id == experiment_id,
                                                      tx.ExperimentRow.status == "running")
                       .values(status="stopped", stopped_by=by, stopped_at=now))

    def stop_running(self, school_id: str, by: str | None, now: datetime) -> list[int]:
        """Stop every running experiment of the school; the ids stopped."""
        ids = list(self.s.scalars(select(tx.ExperimentRow.id).where(tx.ExperimentRow.school_id == school_id,
                                                                    tx.ExperimentRow.status == "running")))
        if ids:
            self.s.execute(update(tx.ExperimentRow).where(tx.ExperimentRow.id.in_(ids))
                           .values(status="stopped", stopped_by=by, stopped_at=now))
        return [int(i) for i in ids]

    # -- assignments

    def assignments(self, experiment_id: int) -> list[Assignment]:
        q = select(_A.learner_id, _A.arm, _A.section_id, _A.assigned_at).where(
            _A.experiment_id == experiment_id).order_by(_A.learner_id)
        return [Assignment(r[0], r[1], r[2], r[3]) for r in self.s.execute(q)]

    def add_assignments(self, experiment_id: int, rows: Sequence[tuple[str, str, str | None]], now: datetime) -> None:
        """Store (learner, arm, class) rows; a learner already assigned is never reassigned."""
        for learner_id, arm, section_id in rows:
            self.s.add(tx.ExperimentAssignmentRow(experiment_id=experiment_id, learner_id=learner_id, arm=arm,
                                                  section_id=section_id, assigned_at=now))
        self.s.flush()

    def settings_and_arms(self, models: Sequence[str], learner_ids: Sequence[str]
                          ) -> tuple[dict[str, int], dict[str, list[ArmOf]]]:
        """In one statement: the id of each of ``models``' active parameters (the newest if
        several, as ``PathRepository.active_param_ids``) and each learner's arms in running
        experiments (the dates are the caller's to compare)."""
        ids: dict[str, int] = {}
        arms: dict[str, list[ArmOf]] = {}
        for key, num, lid, starts, ends, _ord in self.s.execute(
                _BOTH_ORDERED, {"models": list(models), "lids": list(learner_ids)}):
            if lid is None:
                ids[str(key)] = int(num)
            else:
                arms.setdefault(str(lid), []).append(ArmOf(int(num), str(key), starts, ends))
        return ids, arms

    # -- the school's switch

    def enabled(self, school_id: str) -> bool:
        row = self.s.get(tx.ExperimentSwitchRow, school_id)
        return True if row is None else bool(row.enabled)

    def set_enabled(self, school_id: str, enabled: bool, by: str | None, now: datetime) -> None:
        row = self.s.get(tx.ExperimentSwitchRow, school_id)
        if row is None:
            self.s.add(tx.ExperimentSwitchRow(school_id=school_id, enabled=enabled, changed_by=by, changed_at=now))
        else:
            row.enabled, row.changed_by, row.changed_at = enabled, by, now
        self.s.flush()

    # -- what the report reads

    def evidence_between(self, learner_ids: Sequence[str], since: datetime, until: datetime
                         ) -> list[tuple[str, str, tuple[str, ...], float, datetime, dict[str, Any]]]:
        """(learner, kind, skills, score, time, data) of the learners' evidence in [since, until), in time order."""
        if not learner_ids:
            return []
        ev = t.EvidenceRow
        q = select(ev.learner_id, ev.kind, ev.skill_codes, ev.score, ev.timestamp, ev.data).where(
            ev.learner_id.in_(list(learner_ids)), ev.timestamp >= since, ev.timestamp < until).order_by(
            ev.learner_id, ev.timestamp, ev.seq)
        return [(r[0], r[1], split_codes(r[2]), float(r[3]), r[4], dict(r[5] or {})) for r in self.s.execute(q)]

    def mastered_at(self, learner_ids: Sequence[str]) -> list[tuple[str, str, datetime]]:
        """(learner, skill, when it was last mastered on the path) of each skill the path has mastered at some time."""
        if not learner_ids:
            return []
        st = tp.PathSkillStateRow
        q = select(st.learner_id, st.skill_code, st.mastered_at).where(st.learner_id.in_(list(learner_ids)),
                                                                       st.mastered_at.is_not(None))
        return [(r[0], r[1], r[2]) for r in self.s.execute(q)]
