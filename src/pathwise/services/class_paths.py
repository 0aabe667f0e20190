"""Adaptive paths for teachers: opening a locked skill for a learner, setting a class's
focus, the wheel-spinning flags of a class, and the class's path overview.

Each use case asks the access policy first; a learner's path data comes from
``services.path_state``. Nothing here re-implements the path's rules (``engine.paths``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pathwise.domain.people import Role
from pathwise.engine.paths.guard import step_back_targets
from pathwise.engine.paths.schedule import PathSettings
from pathwise.services.access import Actor, Need, require_learner, require_role, require_section
from pathwise.services.content import content_of
from pathwise.services.path_state import (
    days_between,
    framework_of,
    load_config,
    load_configs,
    load_context,
    now_or,
    recent_scores,
)
from pathwise.services.errors import Invalid
from pathwise.store.uow import UnitOfWork

@dataclass(frozen=True, slots=True)
class SpinFlag:
    learner_id: str
    learner_name: str
    skill_code: str
    skill_title: str
    attempts: int
    flagged_at: datetime | None
    active: bool
    step_back_to: tuple[str, ...]
    recent_right: int = 0  # right answers among the latest ones on the skill (why: no progress)
    recent_answers: int = 0  # how many latest answers that counts (the guard's window, or fewer)


@dataclass(frozen=True, slots=True)
class FocusSet:
    id: int
    section_id: str
    skill_codes: tuple[str, ...]
    learner_ids: tuple[str, ...]
    ends_at: datetime


def open_skill(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str, note: str = "", *,
               framework_id: str | None = None) -> None:
    """A teacher opens a locked skill for one learner (audited)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "path")
    content = framework_of(uow, learner_id, framework_id)
    if content is None or skill_code not in content.graph:
        raise Invalid(f"unknown skill {skill_code!r} in this learner's framework", "skill_code")
    if len(note) > 500:
        raise Invalid("the note is longer than 500 characters", "note")
    uow.paths.open_skill(learner_id, skill_code, actor.user_id, note, datetime.now(UTC))
    uow.audit.add(actor.user_id, "paths:open_skill", learner_id, f"skill:{skill_code}",
                  {"note": note, "via": actor.via})


def close_skill(uow: UnitOfWork, actor: Actor, learner_id: str, skill_code: str) -> bool:
    """Undo an opening (audited); returns whether there was one."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    require_learner(uow, actor, learner_id, Need.WRITE, "path")
    if not uow.paths.close_skill(learner_id, skill_code):
        return False
    uow.audit.add(actor.user_id, "paths:close_skill", learner_id, f"skill:{skill_code}", {"via": actor.via})
    return True


def set_focus(uow: UnitOfWork, actor: Actor, section_id: str, skill_codes: Sequence[str], *,
              learner_ids: Sequence[str] = (), days: int | None = None, note: str = "",
              now: datetime | None = None) -> FocusSet:
    """The teacher's focus for a class, or a group within it (audited)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.WRITE)
    codes = list(dict.fromkeys(skill_codes))
    if not codes or len(codes) > 20:
        raise Invalid("give 1 to 20 skills for the focus", "skill_codes")
    fw = uow.frameworks.get(sec.framework_id) if sec.framework_id else None
    known = {s.code for s in fw.skills} if fw else set()
    bad = [c for c in codes if c not in known]
    if bad:
        raise Invalid(f"unknown skill(s) for this class: {', '.join(bad)}", "skill_codes", bad)
    members = {u.id for u in uow.sections.members(section_id, Role.STUDENT)}
    group = list(dict.fromkeys(learner_ids))
    strangers = [i for i in group if i not in members]
    if strangers:
        raise Invalid("every learner of a group must be in the class", "learner_ids", strangers)
    cfg = load_config(uow)
    days = cfg.focus_days if days is None else days
    if not 1 <= days <= 90:
        raise Invalid("days must be between 1 and 90", "days")
    if len(note) > 500:
        raise Invalid("the note is longer than 500 characters", "note")
    now = now_or(now)
    ends_at = now + timedelta(days=days)
    focus_id = uow.paths.add_focus(section_id, group, codes, note, actor.user_id, now, ends_at)
    uow.audit.add(actor.user_id, "paths:set_focus", None, f"section:{section_id}",
                  {"skills": codes, "learners": group, "days": days, "note": note, "via": actor.via})
    return FocusSet(focus_id, section_id, tuple(codes), tuple(group), ends_at)


def wheel_spinning(uow: UnitOfWork, actor: Actor, section_id: str, *, now: datetime | None = None,
                   config: PathSettings | None = None) -> list[SpinFlag]:
    """Learners of a class who tried a skill many times without progress (teachers, admins)."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.READ)
    now = now_or(now)
    content = content_of(uow, sec.framework_id) if sec.framework_id else None
    if content is None:
        return []
    out: list[SpinFlag] = []
    students = uow.sections.members(section_id, Role.STUDENT)
    # each student's own settings (an experiment's arm may set another wheel-spinning limit)
    configs = load_configs(uow, [u.id for u in students], now) if config is None else {}
    for u in students:
        cfg = config or configs[u.id]
        ctx = load_context(uow, cfg, u.id, content, now)
        for code, st in sorted(ctx.states.items()):
            recent = st.flagged_at is not None and days_between(now, st.flagged_at) <= 14
            if st.spinning or (recent and code not in ctx.mastered):
                latest = recent_scores(uow, u.id, code, cfg.guard.window)
                out.append(SpinFlag(u.id, u.display_name, code, ctx.titles.get(code, code),
                                    ctx.n.get(code, 0) - st.baseline_n if st.spinning else ctx.n.get(code, 0),
                                    st.flagged_at, st.spinning,
                                    tuple(step_back_targets(ctx.graph, code, ctx.p)),
                                    sum(x >= 0.5 for x in latest), len(latest)))
    return out


@dataclass(frozen=True, slots=True)
class ClassPath:
    section_id: str
    section_name: str
    students: tuple[tuple[str, str], ...]  # (id, name)
    skills: tuple[tuple[str, str], ...]  # (code, title), curriculum order
    flags: tuple[SpinFlag, ...]
    focus: tuple[FocusSet, ...]  # active now


def class_path(uow: UnitOfWork, actor: Actor, section_id: str, *, now: datetime | None = None,
               config: PathSettings | None = None) -> ClassPath:
    """A class's path overview for its teacher: wheel-spinning flags with the prerequisites
    to step back to, the focus in force, and the students and skills to open or focus on."""
    require_role(actor, Role.TEACHER, Role.ADMIN)
    sec = require_section(uow, actor, section_id, Need.READ)
    now = now_or(now)
    flags = wheel_spinning(uow, actor, section_id, now=now, config=config)
    content = content_of(uow, sec.framework_id) if sec.framework_id else None
    skills = tuple((c, content.titles.get(c, c)) for c in content.graph.codes()) if content else ()
    students = tuple((u.id, u.display_name) for u in uow.sections.members(section_id, Role.STUDENT))
    focus = tuple(FocusSet(fid, section_id, codes, learners, ends_at)
                  for fid, codes, learners, ends_at in uow.paths.section_focus(section_id, now))
    return ClassPath(section_id, sec.name, students, skills, tuple(flags), focus)
