"""Input and output bodies of the REST API, kept apart.

Inputs forbid unknown fields and check every value, so a malformed body is refused
with the field named before anything is written. Outputs are built from service
read models by the ``from_*`` helpers, never from rows, so a password hash or a token
hash cannot leak into an answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.people import Role, Section, User
from pathwise.services.auth import NewToken, TokenInfo
from pathwise.services.evidence import RecordResult
from pathwise.services.mastery import SkillMastery
from pathwise.services.mastery import mastery_level
from pathwise.services.school import ClassRoster, EvidenceItem


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- inputs -------------------------------------------------------------------------------------


class TokenRequest(_In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    name: str = Field("integration", min_length=1, max_length=200, description="What the token is for.")


class NamedTokenRequest(_In):
    name: str = Field(min_length=1, max_length=200, description="What the token is for.")


class EvidenceIn(_In):
    id: str = Field(min_length=1, max_length=200, description=(
        "Your id for it, unique among your evidence about this learner: sent again with the same content it "
        "stores nothing new; with other content it is refused (409)."))
    learner_id: str = Field(min_length=1, max_length=64)
    kind: EvidenceKind = EvidenceKind.ANSWER
    skill_ids: list[str] = Field(min_length=1, max_length=50)
    score: float = Field(ge=0.0, le=1.0, description="1 correct, 0 wrong, in between for partial credit.")
    timestamp: AwareDatetime | None = Field(None, description="ISO 8601 with a time zone; now if left out.")
    item_id: str | None = Field(None, max_length=128)
    data: dict[str, Any] = Field(default_factory=dict)


class EvidenceBatchIn(_In):
    evidence: list[EvidenceIn] = Field(min_length=1, max_length=1000)


# -- outputs ------------------------------------------------------------------------------------


class Health(BaseModel):
    status: str
    version: str
    database: str


class UserOut(BaseModel):
    id: str
    username: str
    display_name: str
    role: Role
    school_id: str

    @classmethod
    def of(cls, u: User) -> UserOut:
        return cls(id=u.id, username=u.username, display_name=u.display_name, role=u.role, school_id=u.school_id)


class LearnerOut(BaseModel):
    id: str
    username: str
    display_name: str
    grade: str | None
    school_id: str

    @classmethod
    def of(cls, u: User) -> LearnerOut:
        return cls(id=u.id, username=u.username, display_name=u.display_name, grade=u.grade, school_id=u.school_id)


class PersonOut(BaseModel):
    id: str
    display_name: str

    @classmethod
    def of(cls, u: User) -> PersonOut:
        return cls(id=u.id, display_name=u.display_name)


class SkillMasteryOut(BaseModel):
    skill_id: str
    title: str
    p_mastery: float = Field(description="The probability that the learner knows the skill now, from the evidence "
                                         "on it: a right answer never lowers it, a wrong one never raises it, and "
                                         "every page shows this same stored value.")
    mastered: bool = Field(description="p_mastery is at or above the framework's threshold.")
    level: str
    threshold: float
    n_evidence: int
    n_correct: int
    explanation: str
    last_evidence_at: datetime | None

    @classmethod
    def of(cls, m: SkillMastery) -> SkillMasteryOut:
        return cls(skill_id=m.skill_code, title=m.title, p_mastery=m.p_mastery, mastered=m.mastered,
                   level=mastery_level(m.p_mastery, m.threshold, m.n_evidence), threshold=m.threshold,
                   n_evidence=m.n_evidence, n_correct=m.n_correct, explanation=m.explanation,
                   last_evidence_at=m.last_evidence_at)


class EvidenceOut(BaseModel):
    id: str
    kind: str
    item_id: str | None
    skill_ids: list[str]
    score: float
    outcome: str
    timestamp: datetime
    source: str

    @classmethod
    def of(cls, e: EvidenceItem) -> EvidenceOut:
        return cls(id=e.id, kind=e.kind, item_id=e.item_id, skill_ids=list(e.skill_codes), score=e.score,
                   outcome=e.outcome, timestamp=e.timestamp, source=e.source)


class RecordOut(BaseModel):
    stored: int = Field(description="New evidence rows written.")
    duplicates: int = Field(description="Evidence whose id was already stored (nothing changed).")
    ids: list[str] = Field(description="Ids of the newly stored evidence.")

    @classmethod
    def of(cls, r: RecordResult) -> RecordOut:
        return cls(stored=r.stored, duplicates=r.duplicates, ids=list(r.ids))


class ClassOut(BaseModel):
    id: str
    name: str
    subject: str
    grade: str | None
    framework_id: str | None

    @classmethod
    def of(cls, s: Section) -> ClassOut:
        return cls(id=s.id, name=s.name, subject=s.subject, grade=s.grade, framework_id=s.framework_id)


class ClassRosterOut(ClassOut):
    teachers: list[PersonOut]
    students: list[LearnerOut]

    @classmethod
    def of_roster(cls, r: ClassRoster) -> ClassRosterOut:
        s = r.section
        return cls(id=s.id, name=s.name, subject=s.subject, grade=s.grade, framework_id=s.framework_id,
                   teachers=[PersonOut.of(t) for t in r.teachers], students=[LearnerOut.of(u) for u in r.students])


class TokenOut(BaseModel):
    token_id: str
    name: str
    token: str = Field(description="Send as 'Authorization: Bearer <token>'. Shown only this once.")
    token_type: str = "bearer"
    created_at: datetime
    expires_at: datetime = Field(description="After this the token no longer works; make a new one.")

    @classmethod
    def of(cls, t: NewToken) -> TokenOut:
        return cls(token_id=t.id, name=t.name, token=t.token, created_at=t.created_at, expires_at=t.expires_at)


class TokenInfoOut(BaseModel):
    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    expires_at: datetime

    @classmethod
    def of(cls, t: TokenInfo) -> TokenInfoOut:
        return cls(id=t.id, name=t.name, created_at=t.created_at, last_used_at=t.last_used_at, revoked=t.revoked,
                   expires_at=t.expires_at)


class ErrorOut(BaseModel):
    detail: str
    field: str | None = None
    problems: list[str] = []
