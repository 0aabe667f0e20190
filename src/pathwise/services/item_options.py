"""The questions a teacher may put in a check or unit assessment, for the item picker:
each item of the skills of the teacher's classes, with its prompt and its skill's name
(the words a teacher knows it by), grouped by skill in the order of the skill picker."""

from __future__ import annotations

from dataclasses import dataclass

from pathwise.domain.people import Role
from pathwise.services.access import Actor, require_role
from pathwise.services.assessments import skill_options
from pathwise.store.uow import UnitOfWork

PROMPT_SHOWN = 140  # characters of a prompt shown in the picker


@dataclass(frozen=True, slots=True)
class ItemOption:
    id: str
    prompt: str  # shortened to PROMPT_SHOWN characters, on one line
    skill_code: str
    skill_title: str


def _short(prompt: str) -> str:
    one_line = " ".join(prompt.split())
    return one_line if len(one_line) <= PROMPT_SHOWN else one_line[:PROMPT_SHOWN - 1].rstrip() + "…"


def item_options(uow: UnitOfWork, actor: Actor) -> list[ItemOption]:
    """Items of the skills in the frameworks of the actor's classes (the school's own and the
    shared ones), each once, under the first of its skills the picker lists."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    seen: set[str] = set()
    out: list[ItemOption] = []
    for code, title in skill_options(uow, actor):
        for item in uow.items.for_skill(code, school_id=actor.school_id):
            if item.id in seen:
                continue
            seen.add(item.id)
            out.append(ItemOption(item.id, _short(item.prompt), code, title))
    return out
