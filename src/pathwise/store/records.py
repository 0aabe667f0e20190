"""What the store hands back that is not a domain value: plain, frozen copies of stored
records, so that no ORM row leaves the store. Field names follow the columns."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

R = TypeVar("R")


def as_record(cls: type[R], row: Any) -> R:
    """A frozen copy of ``row`` with the fields of ``cls``."""
    return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class MasteryRecord:
    learner_id: str
    skill_code: str
    p_mastery: float
    n_evidence: int
    n_correct: int
    last_evidence_at: datetime | None
    explanation: str
    state: dict[str, Any]
    model_version: str
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ModelParamsRecord:
    id: int
    model: str
    version: str
    active: bool
    params: dict[str, Any]
    summary: dict[str, Any]
    fitted_at: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    id: int
    at: datetime
    actor_id: str | None
    action: str
    learner_id: str | None
    resource: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WebSessionRecord:
    id: str
    user_id: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRecord:
    id: str
    user_id: str
    name: str
    token_hash: str
    scopes: list[Any]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: str
    kind: str
    owner_id: str | None
    status: str
    done: int
    total: int
    message: str
    result: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    school_id: str | None
    title: str | None
    params: dict[str, Any] | None
    error: str | None
    attempts: int
    worker: str | None
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
