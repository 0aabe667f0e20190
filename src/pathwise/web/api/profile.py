"""The /api/v1 routes of the learner profile: read it, and change it with a merge-patch.

Routes only translate: each declares its policy and calls ``services.profile``, which
asks the access policy about the learner (another's answers 404) and which fields the
caller's role may write (403 naming the field). Included by ``web.api.routes``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from pathwise.domain import profile as prof
from pathwise.domain.people import Role
from pathwise.services import profile as svc
from pathwise.services.access import Actor
from pathwise.web.api.schemas import Code, Day, ErrorOut, Flag, JsonInteger, Number
from pathwise.web.policy import policy
from pathwise.web.deps import Tx, WorkRoute

router = APIRouter(route_class=WorkRoute, tags=["profile"])

READ_ERRORS = {
    404: {"model": ErrorOut, "description": "Missing, or not yours to see (the two look the same)."},
}
ERRORS = {
    **READ_ERRORS,
    403: {"model": ErrorOut, "description": "Your role may not change a field you sent (it is named)."},
    422: {"model": ErrorOut, "description": "A value is not acceptable; `field` names it (e.g. `goals.0.skill_code`)."},
}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


Modality = Literal[prof.MODALITY_CHOICES]  # type: ignore[valid-type]


class GoalIn(_In):
    skill_code: Code = Field(description="A skill of the learner's framework, not already a goal.")
    target_date: Day | None = Field(None, description="When the learner wants to reach it (not in the past).")


class AccommodationsIn(_In):
    """Each key sent is set; a key left out stays as it is; ``null`` turns it off (and ``false``
    the yes-or-no ones)."""

    extended_time: Annotated[Number, Field(gt=1, le=prof.MAX_EXTENDED_TIME)] | None = Field(None, description=(
        f"Time limits times this factor (above 1, at most {prof.MAX_EXTENDED_TIME:g}); null for off."))
    fewer_choices: Annotated[int, Field(ge=2, le=prof.MAX_FEWER_CHOICES), JsonInteger] | None = Field(
        None, description=f"Show this many choices per item (2 to {prof.MAX_FEWER_CHOICES}); null for off.")
    read_aloud: Flag | None = None
    large_print: Flag | None = None
    calculator_allowed: Flag | None = None
    breaks: Flag | None = None


class ProfilePatch(_In):
    """A JSON merge-patch: a list sent replaces that list; fields left out stay as they are.
    Send at least one field."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    interests: list[str] | None = Field(None, max_length=50, description=(
        f"Free words (letters, digits, spaces and - ' & + .), at most {prof.MAX_INTERESTS} different ones of up "
        f"to {prof.MAX_INTEREST_LENGTH} characters; null or [] for none."))
    preferred_modalities: list[Modality] | None = Field(None, max_length=10, description="Ways of learning; null or "
                                                                                         "[] for none.")
    goals: list[GoalIn] | None = Field(None, max_length=prof.MAX_GOALS, description=(
        f"At most {prof.MAX_GOALS}, each skill once; null or [] for none."))
    accommodations: AccommodationsIn | None = Field(None, description="Teachers and admins only; null turns them "
                                                                      "all off.")


class GoalOut(BaseModel):
    skill_code: str
    title: str
    target_date: date | None
    mastered: bool
    p_mastery: float | None


class AccommodationsOut(BaseModel):
    extended_time: float | None
    fewer_choices: int | None
    read_aloud: bool
    large_print: bool
    calculator_allowed: bool
    breaks: bool

    @classmethod
    def of(cls, a: prof.Accommodations) -> AccommodationsOut:
        return cls(extended_time=a.extended_time, fewer_choices=a.fewer_choices,
                   **{f: f in a.flags for f in prof.FLAGS})


class ProfileOut(BaseModel):
    learner_id: str
    interests: list[str]
    preferred_modalities: list[str]
    goals: list[GoalOut]
    accommodations: AccommodationsOut
    home_language: str | None
    grade: str | None
    editable: list[str] = Field(description="The fields the caller may change.")

    @classmethod
    def of(cls, v: svc.ProfileView) -> ProfileOut:
        return cls(learner_id=v.learner_id, interests=list(v.interests), preferred_modalities=list(v.modalities),
                   goals=[GoalOut(skill_code=g.skill_code, title=g.title, target_date=g.target_date,
                                  mastered=g.mastered, p_mastery=g.p_mastery) for g in v.goals],
                   accommodations=AccommodationsOut.of(v.accommodations), home_language=v.home_language,
                   grade=v.grade, editable=[f for f in prof.FIELDS if f in v.editable])


@router.get("/learners/{learner_id}/profile", responses=READ_ERRORS)
def get_profile(uow: Tx, learner_id: str, request: Request, actor: Actor = policy("learner:read")) -> ProfileOut:
    """The learner's interests, ways of learning, goals and accommodations (reads by others are audited)."""
    view = svc.get_profile(uow, actor, learner_id)
    return ProfileOut.of(view)


@router.patch("/learners/{learner_id}/profile", responses=ERRORS)
def patch_profile(uow: Tx, learner_id: str, body: ProfilePatch, request: Request,
                  actor: Actor = policy("profile:write", Role.STUDENT, Role.TEACHER, Role.ADMIN)) -> ProfileOut:
    """Change the profile (audited). Learners change their interests, ways of learning and goals;
    teachers and admins the accommodations, goals and interests. Nothing changes if anything is refused.
    """
    patch = body.model_dump(exclude_unset=True, mode="json")
    if "accommodations" in patch and body.accommodations is not None:
        patch["accommodations"] = body.accommodations.model_dump(exclude_unset=True)
    view = svc.update_profile(uow, actor, learner_id, patch)
    return ProfileOut.of(view)
