"""Input and output bodies of the REST API, kept apart.

Inputs forbid unknown fields and check every value, so a malformed body is refused
with the field named before anything is written. Outputs are built from service
read models by the ``from_*`` helpers, never from rows, so a password hash or a token
hash cannot leak into an answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, Strict, StrictBool, StringConstraints

from pathwise.domain.evidence import EvidenceKind
from pathwise.domain.framework import CODE_PATTERN
from pathwise.domain.people import Role, Section, User
from pathwise.services.auth import NewToken, TokenInfo
from pathwise.services.errors import Invalid
from pathwise.services.evidence import RecordResult
from pathwise.services.mastery import SkillMastery
from pathwise.services.mastery import mastery_level
from pathwise.services.school import ClassRoster, EvidenceItem


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- the value types of the inputs: each takes exactly what its JSON Schema says -----------------
#
# pydantic on its own would turn ``false`` into 0.0, ``"1"`` into 1, ``0`` into false and ``0``
# into a date in 1970; the description says a number, a boolean, an RFC 3339 text, so these
# refuse the rest.

SPACES = r"\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""The characters Python's ``str.isspace`` calls spaces (Unicode's White_Space and four
separators), named one by one for patterns: ``\\s`` means other sets in other dialects."""
NOT_BLANK = f"[^{SPACES}]"
"""The pattern of a text that must say something: the spaces around it are trimmed, and spaces
alone are not enough."""
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _integer(value: Any) -> Any:
    if isinstance(value, (bool, str)):  # 2 and 2.0 are JSON integers; "2" and true are not
        raise ValueError("send a whole number")
    return value


def _date_time(value: Any) -> Any:
    if not isinstance(value, str) or not _RFC3339.match(value):
        raise ValueError("send a date and time with its zone, e.g. 2026-09-01T09:00:00Z")
    return value


def _day(value: Any) -> Any:
    if not isinstance(value, str) or not _ISO_DAY.match(value):
        raise ValueError("send a date, e.g. 2026-09-01")
    return value


Number = Annotated[float, Strict()]
"""A JSON number (an integer counts); never a text or true/false."""
JsonInteger = BeforeValidator(_integer)
"""Put after the limits: ``Annotated[int, Field(ge=1), JsonInteger] | None``."""
Integer = Annotated[int, JsonInteger]
"""A JSON integer (2 or 2.0); never a text, a fraction or true/false."""
Flag = StrictBool
"""true or false, nothing else."""
DateTime = Annotated[AwareDatetime, BeforeValidator(_date_time)]
"""An RFC 3339 date and time with its zone."""
Day = Annotated[date, BeforeValidator(_day)]
"""An ISO 8601 date (YYYY-MM-DD)."""
Code = Annotated[str, StringConstraints(strip_whitespace=False, min_length=1, max_length=128, pattern=CODE_PATTERN),
                 Field(description="A code: letters, digits and . _ : -, starting with a letter or digit.")]
"""A skill, item, rubric, criterion, assessment or framework code."""


# -- inputs -------------------------------------------------------------------------------------


class TokenRequest(_In):
    # a password is taken exactly as typed: spaces around it are part of it (as on the sign-in form)
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    password: str = Field(min_length=1, max_length=1024, pattern=NOT_BLANK)
    name: str = Field("integration", min_length=1, max_length=200, pattern=NOT_BLANK,
                      description="What the token is for.")


class NamedTokenRequest(_In):
    name: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, description="What the token is for.")


class EvidenceIn(_In):
    id: str = Field(min_length=1, max_length=200, pattern=NOT_BLANK, description=(
        "Your id for it, unique among your evidence about this learner: sent again with the same content it "
        "stores nothing new; with other content it is refused (409)."))
    learner_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    kind: EvidenceKind = EvidenceKind.ANSWER
    skill_ids: list[Code] = Field(min_length=1, max_length=50, description="Skills of the learner's framework.")
    score: Number = Field(ge=0.0, le=1.0, description="1 correct, 0 wrong, in between for partial credit.")
    timestamp: DateTime | None = Field(None, description="RFC 3339 with a time zone, from 2000 to a day from "
                                                         "now; now if left out.")
    item_id: str | None = Field(None, max_length=128)
    data: dict[str, Any] = Field(default_factory=dict, description="Plain JSON, at most a few levels deep.")


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
    level: str = Field(description="Where the learner stands, in the words every page uses: not started | "
                                   "getting there | nearly there | mastered")
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


@contextmanager
def fields_named(**names: str) -> Iterator[None]:
    """A use case's refusal names the field as the API's body calls it (``skill_codes`` of the
    service is ``skill_ids`` in the body, say), so a client is pointed at what it sent."""
    try:
        yield
    except Invalid as exc:
        if exc.field in names:
            exc.field = names[exc.field]
        raise
