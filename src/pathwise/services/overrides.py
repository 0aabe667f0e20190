"""A teacher's override of a mastery estimate, and one learner's evidence on one skill.

An override is OVERRIDE evidence: the tracker sets the estimate to it (mastered: halfway
between the skill's threshold and certainty; not mastered: 0.3, or half the threshold
when that is lower) and new work on the skill moves it from there. Who set it and why is kept in the
evidence and in the audit trail, and the learner sees it on their page ("Your teacher
marked this as mastered because ...") until newer evidence on the skill comes in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from pathwise.domain.errors import ValidationError
from pathwise.domain.evidence import Evidence, EvidenceKind
from pathwise.domain.people import Role, User
from pathwise.engine.kt.tracker import Tracker
from pathwise.services.access import Actor, Need, require_learner, require_role
from pathwise.services.assessments import check_skills
from pathwise.services.errors import Invalid
from pathwise.services.evidence import record_evidence
from pathwise.services.mastery import DEFAULT_THRESHOLD, SkillMastery, mastery_rows, thresholds
from pathwise.store.uow import UnitOfWork

__all__ = ["MasteryOverride", "SkillEvidence", "learner_overrides", "override_mastery", "skill_evidence",
           "standing_overrides"]

NOT_MASTERED = 0.3


@dataclass(frozen=True, slots=True)
class MasteryOverride:
    skill_code: str
    mastered: bool
    reason: str
    by: str  # the teacher's name
    at: datetime

    @property
    def sentence(self) -> str:
        state = "mastered" if self.mastered else "not mastered yet"
        return f"Your teacher marked this as {state} because {self.reason}"


@dataclass(frozen=True, slots=True)
class SkillEvidence:
    learner: User
    skill_code: str
    title: str
    estimate: SkillMastery | None
    evidence: list[Evidence]
    override: MasteryOverride | None


def override_mastery(uow: UnitOfWork, tracker: Tracker, actor: Actor, learner_id: str, skill_code: str,
                     mastered: bool, reason: str, *, now: datetime | None = None) -> MasteryOverride:
    """Set a learner's estimate on a skill (a teacher of theirs or an admin of the school),
    with a reason the learner will read. Audited."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    learner = require_learner(uow, actor, learner_id, Need.WRITE, "mastery")
    reason = " ".join(reason.split())
    if not reason:
        raise Invalid("give a reason: the student reads it on their page", "reason")
    if len(reason) > 500:
        raise Invalid("keep the reason under 500 characters", "reason")
    check_skills(uow, [skill_code], learner_id=learner_id)
    at = now or datetime.now(UTC)
    th = thresholds(uow, [skill_code], learner_id=learner_id).get(skill_code, DEFAULT_THRESHOLD)
    score = th + (1.0 - th) / 2 if mastered else min(NOT_MASTERED, th / 2)
    try:
        ev = Evidence(str(uuid.uuid4()), learner.id, EvidenceKind.OVERRIDE, (skill_code,), score, at,
                      recorded_by=actor.user_id, source="override",
                      data={"mastered": mastered, "reason": reason})
    except ValidationError as exc:
        raise Invalid(str(exc), exc.field) from None
    record_evidence(uow, tracker, actor, [ev])
    uow.audit.add(actor.user_id, "mastery:override", learner.id, f"skill:{skill_code}",
                  {"skill": skill_code, "mastered": mastered, "reason": reason, "evidence_id": ev.id,
                   "via": actor.via})
    uow.flush()
    return MasteryOverride(skill_code, mastered, reason, _name(uow, actor.user_id), at)


def _name(uow: UnitOfWork, user_id: str | None) -> str:
    user = uow.users.get(user_id) if user_id else None
    return user.display_name if user is not None else "a teacher"


def _standing(uow: UnitOfWork, evidence: list[Evidence]) -> dict[str, MasteryOverride]:
    """Per skill, the override that still stands: the newest evidence on it is an override."""
    newest: dict[str, Evidence] = {}
    for ev in sorted(evidence, key=lambda e: (e.timestamp, e.id)):
        for code in ev.skill_codes:
            if ev.kind in (EvidenceKind.HINT, EvidenceKind.SELF_ASSESSMENT):
                continue  # not evidence of mastery: an override stands past them
            newest[code] = ev
    out: dict[str, MasteryOverride] = {}
    for code, ev in newest.items():
        if ev.kind == EvidenceKind.OVERRIDE:
            d = ev.data or {}
            out[code] = MasteryOverride(code, bool(d.get("mastered")), str(d.get("reason", "")),
                                        _name(uow, ev.recorded_by), ev.timestamp)
    return out


def standing_overrides(uow: UnitOfWork, learner_id: str) -> dict[str, MasteryOverride]:
    """The overrides that still stand for a learner the caller was already allowed to see."""
    return _standing(uow, uow.evidence.for_learner(learner_id))


def learner_overrides(uow: UnitOfWork, actor: Actor, learner_id: str) -> dict[str, MasteryOverride]:
    """The overrides that still stand for a learner, by skill (the learner, their guardian
    and their teachers may read them)."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "mastery")
    return _standing(uow, uow.evidence.for_learner(learner.id))


def skill_evidence(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str) -> SkillEvidence:
    """One learner's estimate on one skill with its explanation and the evidence behind it
    (newest first), and the override that stands, if any."""
    learner = require_learner(uow, actor, learner_id, Need.READ, "mastery")
    check_skills(uow, [skill_code], learner_id=learner.id)
    title = uow.frameworks.skill_titles([skill_code], learner_id=learner.id).get(skill_code, skill_code)
    estimate = next((m for m in mastery_rows(uow, [learner.id]).get(learner.id, []) if m.skill_code == skill_code),
                    None)
    evidence = [ev for ev in uow.evidence.for_learner(learner.id) if skill_code in ev.skill_codes]
    standing = _standing(uow, evidence).get(skill_code)
    evidence.sort(key=lambda e: (e.timestamp, e.id), reverse=True)
    return SkillEvidence(learner, skill_code, title, estimate, evidence, standing)
