"""The school leader's view: the school's progress in aggregate, never one student.

``school_overview`` is for an admin of the school (the leader's role): it reads the classes,
enrolments, frameworks and the stored mastery estimates of the whole school in a fixed number
of queries, whatever the school's size, and hands them to ``engine.insight.aggregates``,
which counts and suppresses small cells (fewer than ``K`` students, and the complements that
would let them be recovered by subtraction). ``overview_csv`` writes the same published
table. No student is named or identified here: only counts leave this module.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pathwise.domain.clock import utcnow
from pathwise.domain.mastery_states import State
from pathwise.domain.people import Role, School
from pathwise.engine.insight import aggregates as agg
from pathwise.services.access import Actor, require_role
from pathwise.services.errors import Invalid, NotFound
from pathwise.services.school_admin import school_time_zone
from pathwise.store.uow import UnitOfWork

K = agg.K  # the smallest number of students a published number may be built from
WEEKS = 12  # weeks of activity shown
STATES: tuple[State, ...] = agg.STATES  # the mastery states the tables count, in column order


@dataclass(frozen=True, slots=True)
class SchoolOverview:
    school: School
    tables: agg.SchoolTables
    frameworks: dict[str, str]  # framework row key -> title (for grouping classes and units)
    since: datetime

    @property
    def k(self) -> int:
        return self.tables.k


def school_overview(uow: UnitOfWork, actor: Actor, *, now: datetime | None = None, weeks: int = WEEKS,
                    k: int = K) -> SchoolOverview:
    """The published tables of the actor's school (admins of that school only); ``k`` is the
    fewest students a published number may be built from (the ``insight_min_students``
    setting), never fewer than ``K``."""
    if k < K:
        raise Invalid(f"the fewest students a number may describe is {K} or more, not {k}", field="k")
    require_role(actor, Role.ADMIN)
    school = uow.schools.get(actor.school_id or "")
    if school is None:
        raise NotFound(f"no school {actor.school_id}")
    now = now or utcnow()
    sections = uow.sections.in_school(school.id)
    members: dict[str, set[str]] = defaultdict(set)
    for section_id, learner_id in uow.insight_reads.student_enrolments(school.id):
        members[section_id].add(learner_id)
    fw_ids = sorted({s.framework_id for s in sections if s.framework_id})
    skills: dict[str, dict[str, str | None]] = defaultdict(dict)
    for fid, code, unit in uow.insight_reads.skills(fw_ids):
        skills[fid][code] = unit
    units: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for fid, code, title in uow.insight_reads.units(fw_ids):
        units[fid].append((code, title))
    frameworks = [agg.FrameworkIn(fid, title, th, skills.get(fid, {}), units.get(fid, []))
                  for fid, title, th in sorted(uow.insight_reads.frameworks(fw_ids), key=lambda r: (r[1], r[0]))]
    classes = [agg.ClassIn(s.id, s.name, s.framework_id, frozenset(members.get(s.id, ()))) for s in sections]
    estimates = [agg.Estimate(lid, code, p, n) for lid, code, p, n in uow.insight_reads.mastery(school.id)]
    # weeks run Monday to Sunday in the school's time zone
    tz = ZoneInfo(school_time_zone(uow, school.id))
    this_week = agg.monday(now.astimezone(tz).date())
    mondays = [this_week - timedelta(weeks=i) for i in range(weeks - 1, -1, -1)]
    since = datetime.combine(mondays[0], datetime.min.time(), tzinfo=tz) if mondays else now
    answers = [(lid, at.astimezone(tz)) for lid, at in uow.insight_reads.answers_since(school.id, since)
               ] if mondays else []
    # from the first week with an answer: a week without any is held back (it is built from no
    # student), and every such week would cost a real week its place as the complement
    first = min((agg.monday(at.date()) for _, at in answers), default=None)
    mondays = [m for m in mondays if first is not None and m >= first]
    tables = agg.school_tables(frameworks, classes, estimates, answers, weeks=mondays, k=k,
                               school_label=school.name)
    return SchoolOverview(school, tables, {f"fw:{f.key}": f.title for f in frameworks}, since)


def _percent(v: float | None) -> str:
    return "" if v is None else str(round(v * 100))


def _count(v: int | None) -> str:
    return "" if v is None else str(v)


CSV_COLUMNS = ("table", "framework", "name", "skills", "students", "skills mastered (%)",
               "mean estimate over started skills (%)", *(s.word for s in STATES), "note")
WEEK_COLUMNS = ("table", "week starting", "answers", "students who answered", "note")


def overview_csv(ov: SchoolOverview) -> str:
    """The published tables as CSV: header lines starting with ``#`` explain the rule; a
    suppressed number is an empty field, and the row's note says so."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    out.write(f"# {ov.school.name}: school progress, {utcnow().date().isoformat()}\n")
    out.write(f"# No number is built from fewer than {ov.k} students. A number left empty is held back: "
              f"it would describe fewer than {ov.k} students, or let such a number be worked out by "
              "subtracting the others from a total.\n")
    out.write("# Mastery states count student x skill estimates; 'mastered' includes skills due for review.\n")
    w.writerow(CSV_COLUMNS)
    t = ov.tables
    rows: list[tuple[str, str, agg.ProgressRow]] = [("school", "", t.school)]
    rows += [("framework", "", r) for r in t.frameworks]
    rows += [("class", ov.frameworks.get(f, ""), r) for r, f in t.classes]
    rows += [("unit", ov.frameworks.get(f, ""), r) for r, f in t.units]
    for table, fw, r in rows:
        w.writerow([table, fw, r.label, r.skills, _count(r.students), _percent(r.mastered_share), _percent(r.mean),
                    *(_count(r.states[s]) for s in STATES),
                    "some numbers held back (see the rule above)" if r.suppressed else ""])
    out.write("\n")
    w.writerow(WEEK_COLUMNS)
    for wk in [*t.weeks, t.weeks_total]:
        w.writerow(["activity", wk.week.isoformat() if wk.week else "all weeks", _count(wk.answers),
                    _count(wk.students), "held back (see the rule above)" if wk.answers is None else ""])
    return out.getvalue()


